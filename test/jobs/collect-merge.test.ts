// collect's merge on the pool's side: parts of every packing, in order, with or without the number of
// values announced up front (exact, more than arrive as when items fail under errors: "collect", or
// past the size V8 makes fast up front), give the values in order with no hole.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { collectMerge } from "../../src/jobs/merge.ts";
import type { CollectedPart } from "../../src/protocol/packing.ts";

const partArb: fc.Arbitrary<{ part: CollectedPart; values: unknown[] }> = fc.oneof(
  fc
    .array(fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { maxLength: 8 })
    .map((values) => ({ part: values, values })),
  fc
    .array(fc.double(), { maxLength: 8 })
    .map((values) => ({ part: { numbers: Float64Array.from(values) }, values })),
  fc.array(fc.boolean(), { maxLength: 8 }).map((values) => ({
    part: { booleans: Uint8Array.from(values, (b) => (b ? 1 : 0)) },
    values,
  })),
);

describe("collectMerge", () => {
  it("gives every part's values in order, whatever was announced, with no hole", () => {
    fc.assert(
      fc.property(
        fc.array(partArb, { maxLength: 6 }),
        fc.constantFrom("none", "exact", "more", "past the fast size"),
        (parts, announced) => {
          const expected = parts.flatMap((p) => p.values);
          const merge = collectMerge();
          if (announced !== "none")
            merge.expect?.(
              announced === "exact"
                ? expected.length
                : announced === "more"
                  ? expected.length + 5
                  : 2 ** 25 + 1,
            );
          for (const { part } of parts) merge.add(part);
          const result = merge.result();
          assert.deepEqual(result, expected);
          for (let i = 0; i < result.length; i++) assert.ok(i in result, `index ${i} is a hole`);
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });
});
