// Markdown and number formats for the generated regions, written as prettier would write them, so
// `npm run format` never touches a rendered page.
import { dirname, relative } from "node:path";
import type { PublishedMeta } from "../../src/scaling/publish.ts";

/** A table as prettier prints one: every cell padded to its column's width, left-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(3, h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export function fence(language: string, body: string): string {
  return ["```" + language, body.trimEnd(), "```"].join("\n");
}

/** Milliseconds as the benchmark tables print them: whole ms from 100 up, one decimal below. */
export function ms(value: number): string {
  return `${value.toLocaleString("en-US", { maximumFractionDigits: value < 100 ? 1 : 0 })} ms`;
}

export function seconds(valueMs: number, digits = 2): string {
  return `${(valueMs / 1000).toFixed(digits)} s`;
}

export function speedup(value: number): string {
  return `${value.toFixed(2)}x`;
}

export function percent(ratio: number): string {
  return `${(100 * ratio).toFixed(0)}%`;
}

/** A change as a signed percentage: "+0.4%", "-1.2%". */
export function change(ratio: number): string {
  const value = 100 * (ratio - 1);
  return `${value >= 0 ? "+" : "-"}${Math.abs(value).toFixed(1)}%`;
}

/** 415K, 1.07M: three significant digits. */
export function compact(value: number): string {
  return value.toLocaleString("en-US", { notation: "compact", maximumSignificantDigits: 3 });
}

export function count(value: number): string {
  return value.toLocaleString("en-US");
}

/** "lowest to highest" of some values, or the one value. */
export function range(values: readonly number[], format: (value: number) => string): string {
  const low = Math.min(...values);
  const high = Math.max(...values);
  return format(low) === format(high) ? format(low) : `${format(low)} to ${format(high)}`;
}

/** A link from page `doc` to `target`, both relative to the repository root. */
export function link(doc: string, target: string): string {
  return relative(dirname(doc), target);
}

/**
 * Where a stored run comes from, as one paragraph: the file, the command, the commit, the machine.
 * A quick run says, in bold, that it measures nothing.
 */
export function about(doc: string, file: string, meta: PublishedMeta, details: string): string {
  const commit = meta.commit === undefined ? "" : ` at commit \`${meta.commit}\``;
  const sentence =
    `From [\`${file}\`](${link(doc, file)}), written by \`${meta.command}\` on ${meta.date.slice(0, 10)}` +
    `${commit}: ${meta.cores} cores (${meta.cpu}), Node ${meta.node}, load average ` +
    `${meta.loadAverage.toFixed(2)} at the start${details === "" ? "" : `; ${details}`}.`;
  return meta.quick
    ? `${sentence} **A quick run at small sizes, kept as a placeholder: its numbers measure nothing yet.**`
    : sentence;
}
