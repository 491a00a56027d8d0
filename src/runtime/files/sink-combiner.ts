// A sink's chunk as a combiner: each item is encoded into its part as it comes (so an item the
// format cannot hold fails as itself), flushed to disk between batches, and the chunk's partial is
// what its part writer wrote.
import type { Terminal } from "../../protocol/plan.ts";
import type { TaskRef } from "../../protocol/task-ref.ts";
import type { Combiner } from "../combiners.ts";
import { encoderFactory } from "./part-encoders.ts";
import { PartWriter } from "./part-writer.ts";

export class SinkCombiner implements Combiner {
  readonly op = "write";
  readonly task: TaskRef | undefined = undefined;
  acc: unknown;
  has = false;
  count = 0;
  readonly values: unknown[] = [];
  readonly add: (value: unknown) => undefined;
  readonly #writer: PartWriter;

  private constructor(writer: PartWriter) {
    this.#writer = writer;
    this.add = (value) => void writer.add(value);
  }

  /** The combiner of chunk `seq` of the sink `terminal`. */
  static async open(terminal: Terminal & { op: "write" }, seq: number): Promise<SinkCombiner> {
    const openEncoder = await encoderFactory(terminal.format, terminal.partitionBy !== undefined);
    return new SinkCombiner(new PartWriter(terminal, seq, openEncoder));
  }

  accept(): void {
    throw new Error("unreachable: a sink's step never goes async");
  }

  /** Writes what the items so far produced; a failure here is the disk's, not an item's. */
  flush(): Promise<void> {
    return this.#writer.flush();
  }

  result(): Promise<unknown> {
    return this.#writer.finish();
  }

  discard(): Promise<void> {
    return this.#writer.discard();
  }
}
