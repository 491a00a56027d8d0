// node:timers/promises in a web page: a timer as a promise (a page's timers keep nothing alive, so
// Node's `ref` option has nothing to do).

export function setTimeout<T>(ms: number, value?: T): Promise<T | undefined> {
  return new Promise((resolve) => globalThis.setTimeout(() => resolve(value), ms));
}
