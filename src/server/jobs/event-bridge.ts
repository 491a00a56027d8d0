// Pool events → the service's: each pool job's chunks and progress told as those of the service job
// it belongs to. The pool's events name only its own job ids, so the service tags each pool job
// explicitly with the job it runs for: a pool of a job's own has one tag for all its jobs; on the
// shared pool, a runner names the job whose pool job it is about to start.
import type { ChunkRecord, Progress, RestartRecord, RetryRecord } from "../../events/events.ts";
import type { Pool } from "../../pool/pool.ts";

/** What the bridge tells the service, every event tagged with the service job's id. */
export interface BridgeListener {
  progress(jobId: string, progress: Progress): void;
  chunk(jobId: string, chunk: ChunkRecord): void;
  retry(retry: RetryRecord): void;
  restart(restart: RestartRecord): void;
}

/** Progress events of one job, at most this often. */
const progressEveryMs = 250;

/** The service jobs of one pool's jobs, and the tag of the pool job being started. */
class PoolTags {
  /** Pool job id → service job id, while the pool job runs. */
  readonly owners = new Map<number, string>();
  /** A pool of a job's own: every job it starts is that job's. */
  readonly fixed: string | undefined;
  /** The claim whose pool job is starting now: the next job the pool starts is its. */
  pending: { readonly tag: string; readonly release: () => void } | undefined;
  /** Claims wait here, one after another. */
  turn: Promise<void> = Promise.resolve();

  constructor(fixed?: string) {
    this.fixed = fixed;
  }
}

export class EventBridge {
  readonly #listener: BridgeListener;
  readonly #pools = new Map<Pool, PoolTags>();
  readonly #lastProgress = new Map<string, number>();

  constructor(listener: BridgeListener) {
    this.#listener = listener;
  }

  /** Listens to a pool's events; `tag`: a pool of one job's own, all of whose jobs are that job's. */
  watch(pool: Pool, tag?: string): void {
    const tags = new PoolTags(tag);
    this.#pools.set(pool, tags);
    pool.events.on("job", (record) => {
      if (record.state !== "started") return void tags.owners.delete(record.jobId);
      const owner = tags.fixed ?? tags.pending?.tag;
      if (owner === undefined) return;
      tags.owners.set(record.jobId, owner);
      tags.pending?.release();
    });
    pool.events.on("progress", (progress) => {
      const owner = tags.owners.get(progress.jobId);
      if (owner !== undefined && this.#due(owner, progress)) this.#listener.progress(owner, progress);
    });
    pool.events.on("chunk", (chunk) => {
      const owner = tags.owners.get(chunk.jobId);
      if (owner !== undefined) this.#listener.chunk(owner, chunk);
    });
    pool.events.on("retry", (retry) => this.#listener.retry(retry));
    pool.events.on("restart", (restart) => this.#listener.restart(restart));
  }

  /** Stops tagging a pool's jobs (a job's own pool, closed). */
  unwatch(pool: Pool): void {
    this.#pools.delete(pool);
  }

  /**
   * Runs `start`, which starts one job on the shared `pool`, and tags that pool job with `tag`.
   * Starts on one pool take turns: a turn ends when the pool starts the job (a few ms, while it
   * resolves the task's module) or when `start` settles without one, so no two tags wait for the
   * same start. The jobs then run side by side; only their starts are taken in turn.
   */
  async tagged<T>(pool: Pool, tag: string, start: () => Promise<T>): Promise<T> {
    const tags = this.#pools.get(pool);
    if (!tags) throw new Error("tagged(): the bridge does not watch this pool");
    const previous = tags.turn;
    let endTurn!: () => void;
    tags.turn = new Promise<void>((resolve) => (endTurn = resolve));
    await previous;
    const claim = {
      tag,
      release: () => {
        if (tags.pending === claim) tags.pending = undefined;
        endTurn();
      },
    };
    tags.pending = claim;
    try {
      return await start();
    } finally {
      claim.release();
    }
  }

  /** The service job a worker's current pool job belongs to. */
  ownerOf(pool: Pool, poolJobId: number): string | undefined {
    return this.#pools.get(pool)?.owners.get(poolJobId);
  }

  /** Forgets a finished job's progress clock. */
  forget(tag: string): void {
    this.#lastProgress.delete(tag);
  }

  /** Whether this progress should be told: the job's last, or the first in `progressEveryMs`. */
  #due(tag: string, progress: Progress): boolean {
    const now = Date.now();
    const finished = progress.total !== undefined && progress.done >= progress.total;
    if (now - (this.#lastProgress.get(tag) ?? 0) < progressEveryMs && !finished) return false;
    this.#lastProgress.set(tag, now);
    return true;
  }
}
