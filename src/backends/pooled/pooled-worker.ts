// One worker slot's current occupant: its channel, the chunks it holds in order, and the jobs it knows.
import { CloneError, InterruptedError, WorkerCrashedError, WorkerError } from "../../errors.ts";
import type { FromWorker } from "../../protocol/worker-messages.ts";
import type { ChunkSettlers } from "../backend.ts";
import type { WorkerChannel } from "./channel.ts";

export class PooledWorker {
  /** Chunks sent and not answered, by message id, in the order sent: the first is the one running. */
  readonly pending = new Map<number, ChunkSettlers>();
  readonly knownJobs = new Set<number>();
  online = false;
  exited = false;
  /** Items this worker has run, for recycling. */
  tasksRun = 0;
  /** Set when the backend ends this worker on purpose: what the running chunk fails with. */
  stopReason: Error | undefined;
  #fault: Error | undefined;

  constructor(
    readonly index: number,
    readonly channel: WorkerChannel,
    onExit: (worker: PooledWorker) => void,
  ) {
    channel.onMessage((message) => this.#receive(message));
    channel.onOnline(() => (this.online = true));
    channel.onError((error) => (this.#fault = error));
    channel.onExit((how) => {
      this.exited = true;
      const why = this.#fault ? `threw outside any task: ${this.#fault.message}` : how;
      this.#failAll(
        this.stopReason ?? new WorkerCrashedError(`worker ${index} ${why}`, { cause: this.#fault }),
      );
      onExit(this);
    });
  }

  #receive(message: FromWorker): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if (message.type === "started") return pending.started();
    this.pending.delete(message.id);
    if (message.type === "outcome") pending.resolve(message.outcome);
    else if (message.reason === "clone") pending.reject(new CloneError(message.error.message));
    else pending.reject(new WorkerError(message.error.message));
  }

  /** The running chunk fails with `error`; the ones queued behind it were innocent and are interrupted. */
  #failAll(error: Error): void {
    let first = true;
    for (const pending of this.pending.values()) {
      pending.reject(first ? error : new InterruptedError(`worker ${this.index} stopped: ${error.message}`));
      first = false;
    }
    this.pending.clear();
  }
}
