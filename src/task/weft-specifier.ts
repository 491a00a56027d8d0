// Lets a script run by `weft run`, the task modules of `weft worker`, and the task modules they use,
// import "weft" without installing it: the bare specifier resolves to the weft that runs them. It must
// be this very copy: task() records its tasks in this copy's registry, where the workers look for them.
import { register } from "node:module";

/** Set to the URL of weft's entry module; workers and child processes inherit it with the environment. */
export const weftModuleVariable = "WEFT_MODULE_URL";

const fromSource = import.meta.url.endsWith(".ts");
const hooks = new URL(
  fromSource ? "./weft-specifier-hooks.ts" : "./weft-specifier-hooks.js",
  import.meta.url,
);

/** The URL of this weft's entry module (src/index.ts in a checkout, dist/index.js when installed). */
export const weftEntryUrl = new URL(fromSource ? "../index.ts" : "../index.js", import.meta.url).href;

/** Installs the resolution of "weft" in this thread, if `weft run` or `weft worker` asked for it. */
export function resolveWeftSpecifier(): void {
  const url = process.env[weftModuleVariable];
  if (url) register(hooks, { data: { url } });
}

/** Makes "weft" resolve to this weft here and in every worker thread and process started from here. */
export function resolveWeftToSelf(): void {
  process.env[weftModuleVariable] ??= weftEntryUrl;
  resolveWeftSpecifier();
}
