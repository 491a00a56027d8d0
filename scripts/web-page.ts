// A page that uses weft in the browser, built with Vite and served on loopback: the web demo's and the
// browser test's. Each task module is an entry of its own, so that a web worker importing it by its
// URL loads the tasks and weft, and none of the page's code.
import { join } from "node:path";
import { build, preview, type InlineConfig } from "vite";
import { buildBrowser } from "./build-browser.ts";

export interface WebPage {
  /** The folder of the page's index.html. */
  readonly root: string;
  /** The page's task modules, by the name of their built file. */
  readonly tasks: Readonly<Record<string, string>>;
}

export interface ServedPage {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Builds weft for the browser into `directory`/weft and the page into `directory`/site, where
 * "weft/browser" (or weft's own src/browser/index.ts) is that build.
 */
export async function buildWebPage(page: WebPage, directory: string): Promise<InlineConfig> {
  const weftBuild = join(directory, "weft");
  await buildBrowser(weftBuild);
  const config: InlineConfig = {
    root: page.root,
    logLevel: "error",
    resolve: {
      alias: [
        {
          find: /^(weft\/browser|.*\/src\/browser\/index\.ts)$/,
          replacement: join(weftBuild, "weft.js"),
        },
      ],
    },
    build: {
      outDir: join(directory, "site"),
      emptyOutDir: true,
      rollupOptions: { input: { main: join(page.root, "index.html"), ...page.tasks } },
    },
    preview: { host: "127.0.0.1" },
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
