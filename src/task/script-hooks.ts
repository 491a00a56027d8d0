// Module resolution hooks (node:module `register`) for the scripts `weft run` and `weft worker` load:
// the bare specifier "weft" resolves to the weft that runs them, and a TypeScript file that no
// package.json gives a module type is an ES module (a lone `job.ts` with top-level await, as Node
// itself treats one), where the TypeScript loader would otherwise compile it to CommonJS.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

interface ResolveContext {
  readonly conditions: readonly string[];
  readonly parentURL?: string;
}
interface Resolved {
  readonly url: string;
  readonly format?: string | null;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<Resolved>;

let weftUrl = "";

export function initialize(data: { url: string }): void {
  weftUrl = data.url;
}

export async function resolve(
  specifier: string,
  context: ResolveContext,
  next: NextResolve,
): Promise<Resolved> {
  // Resolved on down the chain, so a TypeScript loader registered before this sees weft's own .ts entry.
  const resolved = await next(specifier === "weft" ? weftUrl : specifier, context);
  // A format already decided (Node's own TypeScript support, a package type) is left as it is.
  if (resolved.format || !/^file:.*\.tsx?$/.test(resolved.url) || resolved.url.includes("/node_modules/")) {
    return resolved;
  }
  return packageTypeOf(dirname(fileURLToPath(resolved.url))) === undefined
    ? { ...resolved, format: "module" }
    : resolved;
}

const packageTypes = new Map<string, string | undefined>();

/** The `type` of the nearest package.json above `dir`, or undefined if none says. */
function packageTypeOf(dir: string): string | undefined {
  if (packageTypes.has(dir)) return packageTypes.get(dir);
  let type: string | undefined;
  const manifest = join(dir, "package.json");
  if (existsSync(manifest)) {
    try {
      type = (JSON.parse(readFileSync(manifest, "utf8")) as { type?: string }).type;
    } catch {
      type = undefined;
    }
  } else if (dirname(dir) !== dir) type = packageTypeOf(dirname(dir));
  packageTypes.set(dir, type);
  return type;
}
