// A binary the test run needs that comes in an npm package (Node.js lines, Bun, Deno): installed
// from the npm registry into node_modules/.cache, once, and found there on later runs.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * The path of `bin` inside package `spec` (a name, or `name@version`), installed under
 * node_modules/.cache/`cache` if it is not there yet; `what` names it in the line the install prints.
 */
export function registryBinary(cache: string, spec: string, bin: string, what: string): string {
  const prefix = join(root, "node_modules", ".cache", cache);
  const name = spec.replace(/(?<=.)@.*$/, "");
  const path = join(prefix, "node_modules", name, bin);
  if (!existsSync(path)) {
    console.log(`npm test: installing ${what} from the npm registry (${spec})`);
    const args = [
      "install",
      "--prefix",
      prefix,
      "--no-save",
      "--no-package-lock",
      "--no-audit",
      "--no-fund",
      spec,
    ];
    execFileSync("npm", args, { stdio: "inherit" });
  }
  return path;
}
