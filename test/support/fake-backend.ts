// A Backend with no workers: every chunk waits until the test settles it by hand, so the dispatcher's fault logic runs as a state machine.
import type { Backend, ChunkHandle, PinnedWorker } from "../../src/backends/backend.ts";
import { InterruptedError, WorkerCrashedError } from "../../src/errors.ts";
import type { Chunk, ChunkInput, ChunkOutcome, JobSpec } from "../../src/protocol/plan.ts";

/** One `run()` call: a chunk on a worker, with the handles the test uses to decide its fate. */
export interface Sent {
  /** Position among all the chunks this backend was given. */
  readonly order: number;
  readonly worker: number;
  readonly spec: JobSpec;
  readonly chunk: Chunk;
  readonly reportStart: boolean;
  /** The backend's clock when the chunk was sent. */
  readonly sentAt: number;
  /** Every reason `abort()` was called with. */
  readonly aborts: Error[];
  started: boolean;
  /** Set once the test (or a restart) settled the chunk. */
  delivered?: Delivery;
  readonly resolve: (outcome: ChunkOutcome) => void;
  readonly reject: (error: Error) => void;
  readonly start: () => void;
}

/** What a chunk's outcome promise was settled with. */
export type Delivery =
  | { readonly kind: "ok"; readonly partial: unknown }
  | { readonly kind: "failed"; readonly error: Error }
  | { readonly kind: "rejected"; readonly error: Error };

export interface Restart {
  readonly worker: number;
  readonly reason: Error;
  readonly at: number;
  /** The chunk running on the worker when it was ended. */
  readonly head: Sent | undefined;
}

/** The items of a chunk's input, as a worker would see them. */
export function itemsOf(input: ChunkInput): unknown[] {
  switch (input.kind) {
    case "items":
      return [...input.items];
    case "range":
      return Array.from({ length: input.count }, (_, k) => input.origin + (input.first + k) * input.step);
    case "typed":
      return Array.from(input.array as ArrayLike<number>);
    case "file":
    case "partition":
      throw new Error("the fake backend reads no files");
  }
}

/** The partial a worker sends back for a job with no stages: only `collect` and `count` are needed. */
export function partialOf(spec: JobSpec, chunk: Chunk): unknown {
  const items = itemsOf(chunk.input);
  switch (spec.terminal.op) {
    case "collect":
      return items;
    case "count":
      return items.length;
    default:
      throw new Error(`the fake backend does not run ${spec.terminal.op} jobs`);
  }
}

export class FakeBackend implements Backend {
  readonly name = "fake";
  readonly acceptsInline = true;
  readonly sharesMemory = true;
  readonly chunkTripMs = 0;
  /** Every chunk sent, in order; settled ones stay, with their delivery. */
  readonly sent: Sent[] = [];
  /** Every delivery, in the order the dispatcher receives them. */
  readonly log: Sent[] = [];
  readonly restarts: Restart[] = [];
  readonly forgotten: number[] = [];
  closed = false;

  constructor(
    readonly workers: number,
    /** True gives the dispatcher's two-chunk prefetch, so chunks queue behind one another. */
    readonly copiesValues: boolean,
    /** The test's notion of now (mocked timers do not move a clock the backend can see). */
    readonly clock: () => number = () => 0,
  ) {}

  run(worker: number, spec: JobSpec, chunk: Chunk, reportStart: boolean): ChunkHandle {
    if (worker < 0 || worker >= this.workers) throw new Error(`run() on worker ${worker} of ${this.workers}`);
    let resolve!: (outcome: ChunkOutcome) => void;
    let reject!: (error: Error) => void;
    let start!: () => void;
    const outcome = new Promise<ChunkOutcome>((res, rej) => ((resolve = res), (reject = rej)));
    const started = new Promise<void>((res) => (start = res));
    const sent: Sent = {
      order: this.sent.length,
      worker,
      spec,
      chunk,
      reportStart,
      sentAt: this.clock(),
      aborts: [],
      started: false,
      resolve,
      reject,
      start,
    };
    this.sent.push(sent);
    return { outcome, started, abort: (reason) => void sent.aborts.push(reason) };
  }

  /** The chunks on `worker` not yet settled, in the order it was given them: the first is running. */
  lane(worker: number): Sent[] {
    return this.sent.filter((s) => s.worker === worker && !s.delivered);
  }

  head(worker: number): Sent | undefined {
    return this.sent.find((s) => s.worker === worker && !s.delivered);
  }

  inFlight(): Sent[] {
    return this.sent.filter((s) => !s.delivered);
  }

  /** The chunk ran to its partial result, `busyMs` of worker time. */
  succeed(sent: Sent, busyMs = 1): void {
    const partial = partialOf(sent.spec, sent.chunk);
    this.#deliver(sent, { kind: "ok", partial });
    sent.resolve({ ok: true, partial, failures: [], startedAt: 0, endedAt: busyMs });
  }

  /** A task threw on the chunk's first item: an outcome the dispatcher turns into a TaskError. */
  failTask(sent: Sent, error: Error = new Error(`boom at ${sent.chunk.start}`)): void {
    this.#deliver(sent, { kind: "failed", error });
    const failure = {
      task: "fakeTask",
      index: sent.chunk.start,
      preview: String(sent.chunk.start),
      error: { name: error.name, message: error.message },
    };
    sent.resolve({ ok: false, failure });
  }

  /** The chunk could not be run at all. */
  reject(sent: Sent, error: Error): void {
    this.#deliver(sent, { kind: "rejected", error });
    sent.reject(error);
  }

  /** The chunk's tasks are loaded and it is running. */
  start(sent: Sent): void {
    sent.started = true;
    sent.start();
  }

  /** The worker dies as a real one does: its running chunk crashed, the ones behind it interrupted. */
  crash(worker: number, how = "exited with code 9"): void {
    this.#endWorker(worker, new WorkerCrashedError(`worker ${worker} ${how}`));
  }

  /** Like a pool's workers: each runs the chunk, settled by the test like any other. */
  broadcast(spec: JobSpec, chunk: Chunk): Promise<Promise<ChunkOutcome>[]> {
    return Promise.resolve(
      Array.from({ length: this.workers }, (_, worker) => this.run(worker, spec, chunk, false).outcome),
    );
  }

  /** Always worker 0: the dispatcher's tests start no actors. */
  pin(): Promise<PinnedWorker> {
    const run = (spec: JobSpec, chunk: Chunk) => this.run(0, spec, chunk, false).outcome;
    return Promise.resolve({ name: "worker 0", run, release() {} });
  }

  restart(worker: number, reason: Error): void {
    this.restarts.push({ worker, reason, at: this.clock(), head: this.head(worker) });
    this.#endWorker(worker, reason);
  }

  forget(jobId: number): void {
    this.forgotten.push(jobId);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  #endWorker(worker: number, error: Error): void {
    const [head, ...rest] = this.lane(worker);
    if (head) this.reject(head, error);
    for (const sent of rest)
      this.reject(sent, new InterruptedError(`worker ${worker} stopped: ${error.message}`));
  }

  #deliver(sent: Sent, delivery: Delivery): void {
    if (sent.delivered) throw new Error(`chunk ${sent.order} settled twice: a bug in the test`);
    sent.delivered = delivery;
    this.log.push(sent);
  }
}
