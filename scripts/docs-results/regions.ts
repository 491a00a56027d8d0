// Generated regions in Markdown: the parts of a page that quote a stored benchmark run.
//
// A block region (a table, a text block, a paragraph) has its markers on lines of their own, with a
// blank line on either side of the content:
//
//   <!-- results: bench.table -->
//
//   | workload | ... |
//
//   <!-- /results -->
//
// An inline region is one number or phrase inside a sentence, never at the start of a line (a line
// that starts with "<!--" is raw HTML to GitHub, which would then show the line unrendered):
//
//   weft reaches <!-- results: bench.speedup fine weft -->1.92x<!-- /results --> on fine.
//
// GitHub and prettier leave HTML comments alone, so the markers never show and never move. The
// name after "results:" picks a renderer (renderers.ts); the words after it are its arguments.
import { readdirSync } from "node:fs";
import { join } from "node:path";

export interface Region {
  readonly name: string;
  readonly args: readonly string[];
  readonly kind: "block" | "inline";
  /** 1-based line of the opening marker. */
  readonly line: number;
  /** Offsets of the content between the markers. */
  readonly start: number;
  readonly end: number;
  /** The content as it stands; for a block, without the blank lines around it. */
  readonly content: string;
}

const openMarker = /<!-- results: ([a-z][\w.-]*)((?: [^\s>]+)*) -->/g;
const closeMarker = "<!-- /results -->";

export class RegionSyntaxError extends Error {
  override name = "RegionSyntaxError";
}

/** The regions of a page, in order. Throws on a marker without its pair, a nested one, or a misplaced one. */
export function findRegions(text: string, doc: string): Region[] {
  const regions: Region[] = [];
  const lineOf = (offset: number) => text.slice(0, offset).split("\n").length;
  const lineStart = (offset: number) => text.lastIndexOf("\n", offset - 1) + 1;
  const lineEnd = (offset: number) => (text.indexOf("\n", offset) + 1 || text.length + 1) - 1;
  let from = 0;
  for (;;) {
    openMarker.lastIndex = from;
    const open = openMarker.exec(text);
    const strayClose = text.indexOf(closeMarker, from);
    if (!open) {
      if (strayClose >= 0)
        throw new RegionSyntaxError(
          `${doc}:${lineOf(strayClose)}: "${closeMarker}" without an opening marker`,
        );
      return regions;
    }
    const where = `${doc}:${lineOf(open.index)}`;
    if (strayClose >= 0 && strayClose < open.index) {
      throw new RegionSyntaxError(`${doc}:${lineOf(strayClose)}: "${closeMarker}" without an opening marker`);
    }
    const start = open.index + open[0].length;
    const close = text.indexOf(closeMarker, start);
    if (close < 0) throw new RegionSyntaxError(`${where}: region ${open[1]} has no "${closeMarker}"`);
    openMarker.lastIndex = start;
    const nested = openMarker.exec(text);
    if (nested && nested.index < close) {
      throw new RegionSyntaxError(
        `${doc}:${lineOf(nested.index)}: a region inside region ${open[1]} (${where})`,
      );
    }
    const openAlone = text.slice(lineStart(open.index), lineEnd(open.index)).trim() === open[0];
    const closeAlone = text.slice(lineStart(close), lineEnd(close)).trim() === closeMarker;
    let kind: Region["kind"];
    if (openAlone && closeAlone) kind = "block";
    else if (!text.slice(start, close).includes("\n")) {
      kind = "inline";
      if (text.slice(lineStart(open.index), open.index).trim() === "") {
        throw new RegionSyntaxError(
          `${where}: an inline region starts its line, which GitHub then shows as raw HTML; put a word before it`,
        );
      }
    } else {
      throw new RegionSyntaxError(
        `${where}: region ${open[1]} is neither a block (both markers alone on their lines) nor inline (both on one line)`,
      );
    }
    const raw = text.slice(start, close);
    regions.push({
      name: open[1]!,
      args: open[2]!.trim() === "" ? [] : open[2]!.trim().split(" "),
      kind,
      line: lineOf(open.index),
      start,
      end: close,
      content: kind === "block" ? raw.replace(/^\n+/, "").replace(/\n+$/, "") : raw,
    });
    from = close + closeMarker.length;
  }
}

/** What stands between a region's markers when it holds `content`. */
export function regionText(kind: Region["kind"], content: string): string {
  return kind === "block" ? `\n\n${content}\n\n` : content;
}

/** `text` with each region's content replaced by `render(region)`. */
export function replaceRegions(
  text: string,
  regions: readonly Region[],
  render: (region: Region) => string,
): string {
  let out = "";
  let at = 0;
  for (const region of regions) {
    out += text.slice(at, region.start) + regionText(region.kind, render(region));
    at = region.end;
  }
  return out + text.slice(at);
}

/**
 * `text` with every region's content removed, its line breaks kept so lines keep their numbers (the
 * markers stay): what a page says in its own words.
 */
export function outsideRegions(text: string, regions: readonly Region[]): string {
  let out = "";
  let at = 0;
  for (const region of regions) {
    out += text.slice(at, region.start) + text.slice(region.start, region.end).replace(/[^\n]/g, "");
    at = region.end;
  }
  return out + text.slice(at);
}

/**
 * The pages that may quote benchmark results, relative to the repository root: the README, the
 * guide (docs/*.md; docs/api/ is generated from the TSDoc) and the two design notes that discuss
 * measurements.
 */
export function documents(root: string): string[] {
  const guide = readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`);
  return ["README.md", ...guide, "notebooks/README.md", "src/scheduler/README.md"];
}
