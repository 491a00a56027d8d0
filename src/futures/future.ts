// A future: the eventual result of one submitted call. Await it, gather many, or pass it to another call.

/**
 * The result of `pool.submit`. It is awaitable like a promise; passed as an argument to another
 * `submit`, it becomes a dependency and that call runs as soon as it is ready.
 *
 * A failed future does not crash the process if nobody awaits it: its error is kept until asked for.
 */
export class Future<T> implements Promise<T> {
  readonly [Symbol.toStringTag] = "Future";
  readonly #promise: Promise<T>;
  #done = false;

  /** @internal Futures come from `pool.submit`. */
  constructor(promise: Promise<T>) {
    this.#promise = promise;
    promise.then(
      () => void (this.#done = true),
      () => void (this.#done = true),
    );
  }

  /** True once the call has succeeded or failed. */
  get done(): boolean {
    return this.#done;
  }

  then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#promise.then(onFulfilled, onRejected);
  }

  catch<B = never>(onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<T | B> {
    return this.#promise.catch(onRejected);
  }

  finally(onFinally?: (() => void) | null): Promise<T> {
    return this.#promise.finally(onFinally);
  }
}

/** An argument list in which any argument may be given as a future of its value. */
export type FutureArgs<A extends unknown[]> = { [K in keyof A]: A[K] | Future<A[K]> };

/** Waits for every future; rejects with the first failure, like `Promise.all`. */
export function gather<T extends readonly unknown[]>(
  futures: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  return Promise.all(futures);
}

/** One result of {@link Pool.asCompleted}: which future finished (its index in the list) and its value. */
export interface Completed<T> {
  readonly index: number;
  readonly value: T;
}

/**
 * Yields each future's value as soon as it is ready, fastest first. A failed future throws
 * from the loop when its turn comes; the others keep running.
 */
export async function* asCompleted<T>(futures: readonly PromiseLike<T>[]): AsyncGenerator<Completed<T>> {
  type Settled = { index: number; ok: true; value: T } | { index: number; ok: false; error: unknown };
  const ready: Settled[] = [];
  let wake: (() => void) | undefined;
  futures.forEach((future, index) => {
    future.then(
      (value) => {
        ready.push({ index, ok: true, value });
        wake?.();
      },
      (error: unknown) => {
        ready.push({ index, ok: false, error });
        wake?.();
      },
    );
  });
  for (let yielded = 0; yielded < futures.length; yielded++) {
    if (ready.length === yielded) await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
    const next = ready[yielded]!;
    if (!next.ok) throw next.error;
    yield { index: next.index, value: next.value };
  }
}
