// weft in a web page: the same pools, collections and futures as in Node.js, on web workers. Built
// into dist/browser by scripts/build-browser.ts and imported as "weft/browser".
import { OptionError } from "../errors.ts";
import { weft as startPool } from "../pool/weft.ts";
import type { WeftOptions } from "../pool/options.ts";
import type { Pool } from "../pool/pool.ts";

export * from "../index.ts";

/** The backends a page can run: the others need Node.js (threads, processes) or a Redis connection. */
const pageBackends = new Set(["web-workers", "sequential"]);

/**
 * Starts a pool in a web page. By default: the web-workers backend, one module worker per
 * `navigator.hardwareConcurrency`. Tasks are defined as in Node.js, with `task(import.meta.url, fn)`,
 * in a module of their own: each worker imports that module by its URL.
 *
 * @example
 * const pool = await weft();
 * try {
 *   const rows = await pool.range(0, height).map(renderRow).collect();
 * } finally {
 *   await pool.close();
 * }
 */
export async function weft(options: WeftOptions = {}): Promise<Pool> {
  const backend = options.backend ?? (options.redis === undefined ? "web-workers" : "redis");
  if (!pageBackends.has(backend)) {
    throw new OptionError(
      `the ${backend} backend needs Node.js; in a web page use "web-workers" (the default) or "sequential"`,
    );
  }
  return startPool({ ...options, backend });
}
