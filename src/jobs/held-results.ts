// The results of an in-order job that came back ahead of an earlier chunk's, waiting for their turn
// on the pool's thread. One slow chunk can hold back every result after it; past the pool's budget,
// their partials wait on disk (V8's serialization, one file each) and are read back in their turn.
import { join } from "node:path";
import type { Chunk } from "../protocol/plan.ts";
import { approximateBytes } from "../protocol/size.ts";

/** A chunk's result; from the ledger, it has no chunk of this run. */
export interface Arrived {
  readonly start: number;
  readonly count: number;
  readonly partial: unknown;
  readonly chunk?: Chunk;
}

/** Where held partials go once they pass `budget` bytes in memory. */
export interface HoldLimits {
  readonly budget: number;
  readonly directory: string;
}

interface Held {
  readonly arrived: Omit<Arrived, "partial">;
  /** Undefined once it is on disk (`inMemory` false). */
  partial: unknown;
  readonly bytes: number;
  inMemory: boolean;
  /** The file it is written to, and whether that worked, once settled. */
  file?: string;
  written?: Promise<boolean>;
}

export class HeldResults {
  readonly #held = new Map<number, Held>();
  /** Estimated bytes of the partials held in memory. */
  #bytes = 0;
  /** Writes and removals under way. */
  readonly #pending = new Set<Promise<unknown>>();

  constructor(readonly limits: HoldLimits) {}

  get size(): number {
    return this.#held.size;
  }

  hold(arrived: Arrived): void {
    const { partial, ...rest } = arrived;
    const bytes = approximateBytes(partial);
    const held: Held = { arrived: rest, partial, bytes, inMemory: true };
    this.#held.set(arrived.start, held);
    this.#bytes += bytes;
    if (this.#bytes > this.limits.budget) this.#writeOut(held, this.limits.directory);
  }

  /**
   * The result whose first item is `start`, if it has come back: at once when its partial is in
   * memory, a promise when it is read back from disk. It is no longer held either way.
   */
  take(start: number): Arrived | Promise<Arrived> | undefined {
    const held = this.#held.get(start);
    if (!held) return undefined;
    this.#held.delete(start);
    if (!held.inMemory) return readBack(held);
    this.#bytes -= held.bytes;
    if (held.written) this.#track(this.#remove(held));
    return { ...held.arrived, partial: held.partial };
  }

  /** The job is over: what is still held goes, on disk too. */
  async clear(): Promise<void> {
    for (const held of this.#held.values()) if (held.written) this.#track(this.#remove(held));
    this.#held.clear();
    this.#bytes = 0;
    await this.idle();
  }

  /** Resolves once every write and removal started so far has settled. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  #track(work: Promise<unknown>): void {
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work));
  }

  /** Writes the partial out and stops counting it once it is there; a disk that refuses it loses nothing. */
  #writeOut(held: Held, directory: string): void {
    const file = join(directory, `weft-held-${crypto.randomUUID()}.bin`);
    held.file = file;
    const write = async () => {
      const [{ mkdir, writeFile }, { serialize }] = await spillModules();
      await mkdir(directory, { recursive: true });
      await writeFile(file, serialize(held.partial));
    };
    held.written = write().then(
      () => {
        // Taken while it was being written: it was handed on from memory, and the file goes.
        if (this.#held.get(held.arrived.start) !== held) return true;
        held.partial = undefined;
        held.inMemory = false;
        this.#bytes -= held.bytes;
        return true;
      },
      () => false,
    );
    this.#track(held.written);
  }

  async #remove(held: Held): Promise<void> {
    if (!(await held.written)) return;
    const [{ rm }] = await spillModules();
    await rm(held.file!, { force: true });
  }
}

/** Loaded at the first spill: most jobs hold nothing past the budget, and a pool starts without them. */
function spillModules() {
  return Promise.all([import("node:fs/promises"), import("node:v8")]);
}

/** The held result with its partial read back from disk, the file removed. */
async function readBack(held: Held): Promise<Arrived> {
  const [{ readFile, rm }, { deserialize }] = await spillModules();
  const partial: unknown = deserialize(await readFile(held.file!));
  await rm(held.file!, { force: true });
  return { ...held.arrived, partial };
}
