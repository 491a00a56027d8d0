// How a sink writes an item: one line of text, or of JSON.
import type { SinkFormat } from "../../protocol/files.ts";

/** One item as the line a sink writes for it. */
export function sinkLine(format: SinkFormat): (item: unknown) => string {
  if (format === "lines") return String;
  return (item) => {
    const text = JSON.stringify(item) as string | undefined;
    // JSON has no text for undefined, a function or a symbol: a line of nothing would not read back.
    if (text === undefined) throw new TypeError(`writeJson cannot write ${typeof item} as JSON`);
    return text;
  };
}
