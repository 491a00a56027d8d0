// node:os in a web page: what a pool's options read of the machine, from what the browser tells.

/** The browser's logical processors: the default worker count. */
export function availableParallelism(): number {
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency || 1;
}

/** The device's memory as the browser rounds it (`navigator.deviceMemory`, Chromium only), else 4 GiB. */
export function totalmem(): number {
  const gibibytes = (globalThis as { navigator?: { deviceMemory?: number } }).navigator?.deviceMemory ?? 4;
  return gibibytes * 1024 ** 3;
}

/**
 * A page has no file system: results held behind a slow chunk would spill here, and the write fails,
 * which keeps them in memory (held-results.ts), where a page's results live anyway.
 */
export function tmpdir(): string {
  return "/tmp";
}
