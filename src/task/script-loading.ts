// How `weft run` and `weft worker` load scripts and task modules (see script-hooks.ts): "weft" resolves
// to the weft that runs them, installed or not, and a lone TypeScript file is an ES module.
import { register } from "node:module";

/** Set to the URL of weft's entry module; workers and child processes inherit it with the environment. */
export const weftModuleVariable = "WEFT_MODULE_URL";

const fromSource = import.meta.url.endsWith(".ts");
const hooks = new URL(fromSource ? "./script-hooks.ts" : "./script-hooks.js", import.meta.url);

/** The URL of this weft's entry module (src/index.ts in a checkout, dist/index.js when installed). */
export const weftEntryUrl = new URL(fromSource ? "../index.ts" : "../index.js", import.meta.url).href;

/** Installs the hooks in this thread, if `weft run` or `weft worker` asked for them. */
export function installScriptHooks(): void {
  const url = process.env[weftModuleVariable];
  if (url) register(hooks, { data: { url } });
}

/** Installs the hooks here and in every worker thread and process started from here. */
export function installScriptHooksEverywhere(): void {
  process.env[weftModuleVariable] ??= weftEntryUrl;
  installScriptHooks();
}
