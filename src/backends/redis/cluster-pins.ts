// Where a coordinator's actors live on a cluster: each on one thread of one `weft worker`, spread over
// every thread of the workers there, fewest pins first. A pin whose worker is gone moves, at its next
// call, to the thread with the fewest pins then, so an actor that restarts is made again there.
import type { RedisClient } from "./connection.ts";
import { WorkerError } from "../../errors.ts";
import type { Chunk, ChunkOutcome, JobSpec } from "../../protocol/plan.ts";
import type { PinnedWorker } from "../backend.ts";
import type { DirectLine } from "./direct-line.ts";
import { workerBeats } from "./presence.ts";
import { errorOfReply, type ChunkMessage } from "./wire.ts";

interface Place {
  readonly worker: string;
  readonly thread: number;
}

export class ClusterPins {
  /** Pins by `<worker> <thread>`, and by worker. */
  readonly #counts = new Map<string, number>();
  readonly #onWorker = new Map<string, number>();
  readonly #gone = new Set<string>();

  constructor(
    readonly control: RedisClient,
    readonly prefix: string,
    readonly line: DirectLine,
    /** A chunk as it travels to a worker (its tasks named as the cluster names them). */
    readonly encode: (spec: JobSpec, chunk: Chunk) => ChunkMessage,
  ) {}

  /** `worker` is gone: its pins move at their next call. */
  workerGone(worker: string): void {
    this.#gone.add(worker);
  }

  async pin(): Promise<PinnedWorker> {
    let place = await this.#choose();
    // Each call goes where the one before it went, or moves on from there, so calls leave in the
    // order made even while the pin moves.
    let placing = Promise.resolve(place);
    let released = false;
    return {
      get name() {
        return `cluster worker ${place.worker} thread ${place.thread}`;
      },
      run: async (spec: JobSpec, chunk: Chunk): Promise<ChunkOutcome> => {
        placing = placing.then(
          (at) => (this.#gone.has(at.worker) ? this.#move(at) : at),
          // The last move found no worker: tried again.
          () => this.#choose(),
        );
        const [reply] = await placing.then((at) => {
          place = at;
          return this.line.send(at.worker, at.thread, this.encode(spec, chunk));
        });
        if (reply?.kind !== "outcome")
          throw errorOfReply(reply ?? { name: "WorkerError", message: "no reply" });
        return reply.outcome;
      },
      release: () => {
        if (!released)
          void placing.then(
            (at) => this.#unpin(at),
            () => {},
          );
        released = true;
      },
    };
  }

  #move(from: Place): Promise<Place> {
    this.#unpin(from);
    return this.#choose();
  }

  async #choose(): Promise<Place> {
    const beats = (await workerBeats(this.control, this.prefix)).filter((b) => !this.#gone.has(b.id));
    // The thread with the fewest pins; among those, on the worker with the fewest, so that actors
    // spread over machines before they share one.
    const onWorker = (id: string) => this.#onWorker.get(id) ?? 0;
    let best: Place | undefined;
    let fewest = Infinity;
    for (const { id, concurrency } of beats) {
      for (let thread = 0; thread < concurrency; thread++) {
        const pins = this.#counts.get(`${id} ${thread}`) ?? 0;
        if (pins < fewest || (pins === fewest && onWorker(id) < onWorker(best!.worker)))
          [best, fewest] = [{ worker: id, thread }, pins];
      }
    }
    if (!best) {
      throw new WorkerError(
        "no cluster worker is there to hold the actor: start one with weft worker --redis <url> --tasks <modules>",
      );
    }
    this.#counts.set(`${best.worker} ${best.thread}`, fewest + 1);
    this.#onWorker.set(best.worker, onWorker(best.worker) + 1);
    return best;
  }

  #unpin({ worker, thread }: Place): void {
    lower(this.#counts, `${worker} ${thread}`);
    lower(this.#onWorker, worker);
  }
}

function lower(counts: Map<string, number>, key: string): void {
  const left = (counts.get(key) ?? 1) - 1;
  if (left > 0) counts.set(key, left);
  else counts.delete(key);
}
