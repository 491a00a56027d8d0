// The line formats of a sink: `String(item)` a line (writeLines), or one line of JSON (writeJson).
import type { SinkFormat } from "../../protocol/sinks.ts";
import type { PartEncoder } from "./part-encoders.ts";

/** An encoder of one line a record. */
class LineEncoder implements PartEncoder {
  #lines: string[] = [];

  constructor(readonly line: (record: unknown) => string) {}

  write(record: unknown): void {
    this.#lines.push(this.line(record));
  }

  take(): string | undefined {
    if (this.#lines.length === 0) return undefined;
    const text = `${this.#lines.join("\n")}\n`;
    this.#lines = [];
    return text;
  }

  end(): undefined {
    return undefined;
  }
}

/**
 * The line encoder of `format`. Partitioned, writeLines writes what is left of each record as
 * Spark's text writer does: the one field that is not a partition field, as its text.
 */
export function lineEncoder(
  format: SinkFormat & { type: "lines" | "json" },
  partitioned: boolean,
): PartEncoder {
  if (format.type === "json") return new LineEncoder(jsonLine);
  return new LineEncoder(partitioned ? onlyFieldLine : String);
}

function jsonLine(record: unknown): string {
  const text = JSON.stringify(record) as string | undefined;
  // JSON has no text for undefined, a function or a symbol: a line of nothing would not read back.
  if (text === undefined) throw new TypeError(`writeJson cannot write ${typeof record} as JSON`);
  return text;
}

function onlyFieldLine(rest: unknown): string {
  const fields = Object.keys(rest as object);
  if (fields.length !== 1)
    throw new TypeError(
      `writeLines with partitionBy writes the one field left after the partition fields as the line, and this record has ${fields.length === 0 ? "none" : `${fields.length} (${fields.join(", ")})`}: map each record to its partition fields and one more`,
    );
  return String((rest as Record<string, unknown>)[fields[0]!]);
}
