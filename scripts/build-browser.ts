// Builds weft for web pages into dist/browser: weft.js (the "weft/browser" entry) and web-worker.js
// (the script each web worker runs), two self-contained ES modules a page's bundler takes as they are.
// The engine's modules import Node.js built-ins; here each one becomes either what a page offers in
// its place (src/browser/platform) or a module whose functions fail, if ever called, with an error
// naming the Node.js-only feature. The backends that need Node.js are replaced the same way.
import { build, type Plugin } from "esbuild";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = new URL("../", import.meta.url);
const at = (path: string) => fileURLToPath(new URL(path, root));
const require = createRequire(import.meta.url);

/** Built-ins a page has an equivalent of. */
const inPage: Record<string, string> = {
  "node:events": require.resolve("events/"),
  "node:os": at("src/browser/platform/os.ts"),
  "node:util": at("src/browser/platform/util.ts"),
  "node:timers/promises": at("src/browser/platform/timers-promises.ts"),
};

/** Modules reached only by features that need Node.js: files, spills, resumable jobs, the other backends, inline functions, telemetry. */
const nodeOnly = /^(tsx\/esm\/api|@opentelemetry\/api|acorn|periscopic|hyparquet.*|csv-(parse|stringify).*)$/;
const nodeOnlyBackends = /\/backends\/(threads|processes|redis)\/[\w-]+-backend\.ts$/;

const browserPlatform: Plugin = {
  name: "weft-browser-platform",
  setup(builder) {
    builder.onResolve({ filter: /^node:/ }, ({ path }) =>
      path in inPage ? { path: inPage[path] } : { path, namespace: "node-only" },
    );
    builder.onResolve({ filter: nodeOnly }, ({ path }) => ({ path, namespace: "node-only" }));
    builder.onLoad({ filter: nodeOnlyBackends }, ({ path }) => failingModule(path));
    builder.onLoad({ filter: /.*/, namespace: "node-only" }, ({ path }) => failingModule(path));
  },
};

/** A module with the exports of the one at `path`, each a function that fails saying why. */
async function failingModule(path: string) {
  const names = Object.keys((await import(path)) as object);
  const what = path.startsWith("/") ? path.split("/").slice(-2).join("/") : path;
  const stub = (name: string) =>
    `() => { throw new Error(${JSON.stringify(
      `${name} of ${what} is not available in a web page: weft in the browser runs collections, ` +
        `futures and actors on web workers, in memory; files, sinks, shuffles (distinct, join, sortBy, ` +
        `keyed jobs with partitions), spills, resumable jobs, telemetry and the other backends need Node.js`,
    )}); }`;
  const lines = names.map((name) =>
    name === "default" ? `export default ${stub(name)};` : `export const ${name} = ${stub(name)};`,
  );
  return { contents: lines.join("\n"), loader: "js" as const };
}

/** Writes weft.js and web-worker.js, with their source maps, into `outdir`. */
export async function buildBrowser(outdir: string): Promise<void> {
  await build({
    entryPoints: {
      weft: at("src/browser/index.ts"),
      "web-worker": at("src/backends/web/web-worker.ts"),
    },
    outdir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: true,
    inject: [at("src/browser/platform/process.ts"), at("src/browser/platform/set-immediate.ts")],
    plugins: [browserPlatform],
    logLevel: "warning",
  });
}

if (import.meta.main) await buildBrowser(at("dist/browser"));
