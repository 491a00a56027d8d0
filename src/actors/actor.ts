// Actors, the pool's side: an object made by a factory task on one worker, which keeps its state
// between calls. Each method call is a chunk of weft's own `callActor` task sent to that worker, at
// once (calls are pipelined); the worker runs them one after another, in the order sent. If the
// worker dies, the calls waiting reject with ActorDiedError, and so do later ones, unless the actor
// restarts: then it is made again on the worker that took its place.
import type { Backend, PinnedWorker } from "../backends/backend.ts";
import { ActorDiedError, PoolClosedError, TaskError } from "../errors.ts";
import { Future } from "../futures/future.ts";
import type { CallFailure, JobSpec } from "../protocol/plan.ts";
import { deserializeError, preview } from "../protocol/serialized-errors.ts";
import { describeTask, type TaskRef } from "../protocol/task-ref.ts";
import { resolveTask } from "../task/resolve.ts";
import { callActor, startActor, stopActor } from "../runtime/actor-tasks.ts";

type Method = (...args: never[]) => unknown;

/** A handle on an actor: each of its methods, called here, runs there and returns a future of its result. */
export type Actor<T> = {
  readonly [K in keyof T as T[K] extends Method ? K : never]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Future<Awaited<R>>
    : never;
} & AsyncDisposable;

export interface ActorOptions {
  /**
   * If the actor's worker dies, make the actor again on the worker that replaces it, from the same
   * factory and arguments (its state starts over); the calls already sent reject with
   * ActorDiedError. Without it, every call after the death rejects. @default false
   */
  readonly restart?: boolean;
}

/** What an actor needs of its pool. */
export interface ActorHost {
  readonly backend: Backend;
  nextJobId(): number;
  /** Whether the pool has closed. */
  closed(): boolean;
  /** Rejects with PoolClosedError when the pool closes, so calls waiting reject at once, as jobs do. */
  readonly closing: Promise<never>;
  /** How to stop each actor still running, for the pool to stop them as it closes; a stopped one leaves. */
  readonly running: Set<() => Promise<void>>;
}

/** Starts an actor on `worker` and resolves with its handle once it is made; stopping it releases the pin. */
export async function startActorOn<T>(
  host: ActorHost,
  worker: PinnedWorker,
  factory: unknown,
  args: readonly unknown[],
  options: ActorOptions,
): Promise<Actor<T>> {
  const { backend } = host;
  const factoryRef = await resolveTask(factory, backend.acceptsInline);
  const [startRef, callRef, stopRef] = await Promise.all(
    [startActor, callActor, stopActor].map((t) => resolveTask(t, false)),
  );
  const specOf = (task: TaskRef, passed?: TaskRef): JobSpec => ({
    id: host.nextJobId(),
    stages: [],
    terminal: { op: "call", task, ...(passed && { with: passed }) },
  });
  const specs = {
    start: specOf(startRef!, factoryRef),
    call: specOf(callRef!),
    stop: specOf(stopRef!),
  };
  const id = crypto.randomUUID();
  const who = () => `the actor made by ${describeTask(factoryRef)} on ${worker.name}`;
  let seq = 0;
  let calls = 0;
  /** Bumped when the actor is made again: calls sent to an earlier one die with it. */
  let generation = 0;
  let dead: ActorDiedError | undefined;
  let stopped = false;

  /** Runs one call of `spec` on the actor's worker; resolves with its value or rejects with its error. */
  const send = async (spec: JobSpec, callArgs: readonly unknown[]): Promise<unknown> => {
    const chunk = {
      jobId: spec.id,
      seq: seq++,
      start: 0,
      input: { kind: "items" as const, items: [callArgs] },
    };
    const outcome = await worker.run(spec, chunk);
    if (!outcome.ok) throw deserializeError(outcome.failure.error);
    const { values, failures } = outcome.partial as { values: unknown[]; failures: CallFailure[] };
    if (failures.length > 0) throw deserializeError(failures[0]!.error);
    return values[0];
  };

  await send(specs.start, [id, args]);
  let ready = Promise.resolve();

  /** The actor is made again on the worker that took its place; calls wait for that, and fail if it fails. */
  const remake = () => {
    generation++;
    ready = send(specs.start, [id, args]).then(
      () => {},
      (cause: unknown) => {
        dead = new ActorDiedError(`${who()} died and could not be made again: ${String(cause)}`, { cause });
      },
    );
  };

  const call = async (method: string, callArgs: unknown[]): Promise<unknown> => {
    if (host.closed()) throw new PoolClosedError();
    if (stopped) throw new ActorDiedError(`${who()} was stopped: start another with pool.actor()`);
    await ready;
    if (dead) throw dead;
    const mine = generation;
    const index = calls++;
    try {
      return await Promise.race([send(specs.call, [id, method, callArgs]), host.closing]);
    } catch (error) {
      if (error instanceof PoolClosedError || host.closed()) throw new PoolClosedError();
      const cause = error instanceof Error ? error : new Error(String(error));
      // A method that threw is its own failure; a lost worker means the actor is gone.
      if (!isWorkerLoss(cause) && mine === generation) {
        throw new TaskError({ task: `${method} of ${who()}`, index, preview: preview(callArgs) }, cause);
      }
      const loss = dead ?? new ActorDiedError(`${who()} died: ${cause.message}`, { cause });
      // The first call to learn of a death acts on it; the others sent to the same actor only fail.
      if (mine === generation) {
        if (options.restart) remake();
        else dead = loss;
      }
      throw loss;
    }
  };

  const methods = new Map<string, (...callArgs: unknown[]) => Future<unknown>>();
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    host.running.delete(stop);
    worker.release();
    if (!dead && !host.closed()) await send(specs.stop, [id]).catch(() => {});
    for (const spec of Object.values(specs)) backend.forget(spec.id);
  };
  host.running.add(stop);
  return new Proxy({} as Actor<T>, {
    get(_, key) {
      if (key === Symbol.asyncDispose) return stop;
      // Not a thenable: `await pool.actor(...)` must resolve with the handle itself.
      if (typeof key !== "string" || key === "then") return undefined;
      let method = methods.get(key);
      if (!method) methods.set(key, (method = (...callArgs) => new Future(call(key, callArgs))));
      return method;
    },
  });
}

/** Errors that mean the worker, not the method, failed: it died, was replaced, or lost the actor. */
function isWorkerLoss(error: Error): boolean {
  return (
    ["WorkerCrashedError", "InterruptedError", "WorkerError", "PoolClosedError"].includes(error.name) ||
    /^actor [\w-]+ is not on this worker/.test(error.message)
  );
}
