// The terminal table: the numbers a reader needs, flagged oversubscribed rows, labelled models, 100 columns.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BenchResults } from "../../src/scaling/results.ts";
import { renderScalingTable } from "../../src/scaling/table.ts";
import { sampleResults } from "./sample-results.ts";

const table = renderScalingTable(sampleResults);

describe("renderScalingTable", () => {
  it("has one row per run with median, spread, speedup, efficiency and Karp–Flatt e", () => {
    assert.match(table, /^ {2}run +size +median ms +spread +speedup +efficiency +Karp-Flatt e$/m);
    assert.match(table, /^ {2}sequential +2,000,000 +1,000 +6\.0%$/m);
    assert.match(table, /^ {2}1 worker +2,000,000 +1,030 +2\.9% +0\.97x +97% +-$/m);
    assert.match(table, /^ {2}2 workers +2,000,000 +545 +4\.0% +1\.83x +92% +0\.090$/m);
  });

  it("flags oversubscribed rows and says they are not fitted", () => {
    assert.match(table, /^ {2}4 workers\* +2,000,000 +575 +4\.3% +1\.74x +43% +0\.433$/m);
    assert.match(
      table,
      /^ {2}\* oversubscribed: more workers than the 2 cores; shown, not used in the model fit$/m,
    );
    assert.doesNotMatch(table, /^ {2}[12] workers?\*/m);
  });

  it("labels the fitted model with its fraction, its basis and its predictions", () => {
    assert.match(table, /^ {2}Amdahl model, f = 0\.090: fitted to the one point at 2 workers$/m);
    assert.match(table, /^ {4}predicts 3\.15x at 4 workers, 4\.91x at 8, 6\.81x at 16, 9\.60x at 64$/m);
    assert.match(table, /^ {2}Gustafson model, f = 0\.191: fitted to the one point at 2 workers$/m);
    assert.match(table, /^ {4}predicts a scaled speedup of 3\.43x at 4 workers, /m);
  });

  it("puts each weak-scaling run under the sequential run of its size, with the knobs", () => {
    assert.match(table, /^synthetic: 100,000 items of 50 µs busy work$/m);
    assert.match(table, /knobs: itemMicros 50, serialFraction 0\.1$/m);
    assert.match(
      table,
      /^ {2}sequential +200,000 +1,004 +1\.0%\n {2}2 workers +200,000 +555 +1\.8% +1\.81x +90% +0\.106$/m,
    );
  });

  it("fits in 100 columns", () => {
    const widest = Math.max(...table.split("\n").map((line) => line.length));
    assert.ok(widest <= 100, `a line is ${widest} columns wide`);
  });

  it("says when the run was interrupted and when no model can be fitted", () => {
    const [primes] = sampleResults.workloads;
    const cut: BenchResults = {
      ...sampleResults,
      complete: false,
      workloads: [{ ...primes!, interrupted: true, parallel: primes!.parallel.slice(0, 1) }],
    };
    const text = renderScalingTable(cut);
    assert.match(text, /^weft bench, started .*: INTERRUPTED/);
    assert.match(text, /^ {2}strong scaling on threads; INTERRUPTED, partial results$/m);
    assert.match(
      text,
      /^ {2}no model fitted: that needs a speedup measured with 2 workers \(at most one per core\)$/m,
    );
  });
});
