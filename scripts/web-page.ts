// A page that uses weft in the browser, built with Vite and served on loopback: the web demo's and the
// browser test's. Each task module is an entry of its own, so that a web worker importing it by its
// URL loads the tasks and weft, and none of the page's code.
import { join } from "node:path";
import { build, preview, type InlineConfig } from "vite";

export interface WebPage {
  /** The folder of the page's index.html. */
  readonly root: string;
  /** The page's task modules, by the name of their built file. */
  readonly tasks: Readonly<Record<string, string>>;
  readonly outDir: string;
  /** The folder weft's browser build is in (scripts/build-browser.ts). */
  readonly weftBuild: string;
  /** Serve it cross-origin isolated (COOP and COEP headers), so that SharedArrayBuffer exists. */
  readonly isolated?: boolean;
}

export interface ServedPage {
  readonly url: string;
  close(): Promise<void>;
}

/** Builds the page into `outDir`; "weft/browser" (or weft's own src/browser/index.ts) is weft's browser build. */
export async function buildWebPage(page: WebPage): Promise<InlineConfig> {
  const config: InlineConfig = {
    root: page.root,
    logLevel: "error",
    resolve: {
      alias: [
        {
          find: /^(weft\/browser|.*\/src\/browser\/index\.ts)$/,
          replacement: join(page.weftBuild, "weft.js"),
        },
      ],
    },
    build: {
      outDir: page.outDir,
      emptyOutDir: true,
      rollupOptions: { input: { main: join(page.root, "index.html"), ...page.tasks } },
    },
    preview: {
      host: "127.0.0.1",
      headers: page.isolated
        ? { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" }
        : {},
    },
  };
  await build(config);
  return config;
}

/** Serves a built page on 127.0.0.1, on `port` (0: any free one). */
export async function serveWebPage(config: InlineConfig, port = 0): Promise<ServedPage> {
  const server = await preview({ ...config, preview: { ...config.preview, port, strictPort: port !== 0 } });
  const url = server.resolvedUrls?.local[0];
  if (!url) {
    await server.close();
    throw new Error("the page's server gave no address");
  }
  return { url, close: () => server.close() };
}
