// A page with its generated regions rendered from the stored runs: shared by `npm run docs:results`,
// which writes the result, and test/docs/results.test.ts, which checks the page already says it.
import { findRegions, replaceRegions, type Region } from "./regions.ts";
import { render } from "./renderers.ts";
import type { StoredResults } from "./stored.ts";

export interface RenderedRegion {
  readonly region: Region;
  /** What the region should hold. */
  readonly expected: string;
}

export interface RenderedPage {
  readonly regions: readonly RenderedRegion[];
  /** The page with every region holding what it should. */
  readonly text: string;
}

/** Throws, naming the page and line, when a region is malformed or its renderer fails. */
export function renderPage(doc: string, text: string, stored: StoredResults): RenderedPage {
  const regions = findRegions(text, doc).map((region) => {
    try {
      return { region, expected: render({ stored, doc }, region.name, region.args, region.kind) };
    } catch (error) {
      throw new Error(`${doc}:${region.line}: ${(error as Error).message}`, { cause: error });
    }
  });
  const expected = new Map(regions.map((r) => [r.region, r.expected]));
  const rendered = replaceRegions(
    text,
    regions.map((r) => r.region),
    (region) => expected.get(region)!,
  );
  return { regions, text: rendered };
}
