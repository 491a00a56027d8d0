// Lets a script run by `weft run`, and the task modules it uses, import "weft" without installing it:
// the bare specifier resolves to the weft that runs the script.
import { register } from "node:module";

/** Set by `weft run` to the URL of weft's entry module; workers inherit it with the environment. */
export const weftModuleVariable = "WEFT_MODULE_URL";

const hooks = new URL(
  import.meta.url.endsWith(".ts") ? "./weft-specifier-hooks.ts" : "./weft-specifier-hooks.js",
  import.meta.url,
);

/** Installs the resolution of "weft" in this thread, if `weft run` asked for it. */
export function resolveWeftSpecifier(): void {
  const url = process.env[weftModuleVariable];
  if (url) register(hooks, { data: { url } });
}
