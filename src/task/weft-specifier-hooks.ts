// Module resolution hooks (node:module `register`) that map the bare specifier "weft" to one URL.
interface ResolveContext {
  readonly conditions: readonly string[];
  readonly parentURL?: string;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string }>;

let weftUrl = "";

export function initialize(data: { url: string }): void {
  weftUrl = data.url;
}

export function resolve(specifier: string, context: ResolveContext, next: NextResolve) {
  // Resolved on down the chain, so a TypeScript loader registered before this sees weft's own .ts entry.
  return next(specifier === "weft" ? weftUrl : specifier, context);
}
