// The report of `npm run bench`: speedups against the plain loop, the best peer on the skewed workloads,
// the plain loop and the hand split in the table, and the overhead section.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isPeer, shownName } from "../../bench/contender-names.ts";
import type { Measurement } from "../../bench/measure.ts";
import { overheadRow } from "../../bench/overhead/stats.ts";
import { formatReport, toRows } from "../../bench/report.ts";
import { speedupTarget, type Workload, type WorkloadName } from "../../bench/workloads/workload.ts";

function measured(workload: WorkloadName, contender: string, medianMs: number): Measurement {
  return {
    workload,
    contender,
    samplesMs: [medianMs],
    measuredItems: 100,
    extrapolated: false,
    medianMs,
    minMs: medianMs,
    maxMs: medianMs,
  };
}

function workload(name: WorkloadName, versusBestPeer: boolean): Workload<unknown> {
  const unused = () => {
    throw new Error("not run in this test");
  };
  return {
    name,
    size: `${name} of 100 items`,
    items: 100,
    unit: "items",
    target: speedupTarget,
    versusBestPeer,
    sequential: unused,
    weft: unused,
    peer: unused,
    mismatch: () => undefined,
  };
}

const measurements = [
  measured("skewed", "sequential", 1000),
  measured("skewed", "weft", 500),
  measured("skewed", "hand split", 800),
  measured("skewed", "piscina", 700),
  measured("skewed", "workerpool", 520),
  measured("fine", "sequential", 1000),
  measured("fine", "weft", 520),
  measured("fine", "piscina", 400),
];
const rows = toRows(measurements, [workload("skewed", true), workload("fine", false)]);
const row = (w: string, c: string) => rows.find((r) => r.workload === w && r.contender === c)!;

describe("toRows", () => {
  test("gives speedups over the plain loop, and the target met or not", () => {
    assert.equal(row("skewed", "weft").speedup, 2);
    assert.equal(row("skewed", "weft").pass, true);
    assert.equal(row("fine", "weft").pass, true);
    assert.equal(row("skewed", "hand split").pass, false);
    assert.equal(row("skewed", "sequential").pass, undefined);
  });

  test("compares weft and the hand split with the best peer of the run, on the workloads that ask for it", () => {
    assert.deepEqual(row("skewed", "weft").bestPeer, {
      contender: "workerpool",
      speedup: 1000 / 520,
      ahead: true,
    });
    assert.deepEqual(row("skewed", "hand split").bestPeer, {
      contender: "workerpool",
      speedup: 1000 / 520,
      ahead: false,
    });
    assert.equal(row("skewed", "workerpool").bestPeer, undefined);
    assert.equal(row("skewed", "sequential").bestPeer, undefined);
    // fine does not ask, though a peer beat weft there
    assert.equal(row("fine", "weft").bestPeer, undefined);
  });
});

describe("formatReport", () => {
  const overhead = {
    kernel: "mix",
    items: 1_000_000,
    backend: "threads" as const,
    workers: 1 as const,
    rounds: 3,
    targetNsPerItem: 5,
    jobs: [
      overheadRow(
        {
          job: "reduce",
          code: "range(0, n).map(mix).reduce(add, 0)",
          plainMs: [25, 26, 24],
          weftMs: [28, 29, 33],
        },
        1_000_000,
      ),
    ],
  };
  const text = formatReport("title", rows, [], overhead);

  test("shows the sequential baseline as the plain loop, and the best peer on the skewed rows", () => {
    assert.match(text, /^skewed +plain loop +1,000 /m);
    assert.match(text, /^skewed +weft +500 .* workerpool 1\.92x: ahead$/m);
    assert.match(text, /^skewed +hand split +800 .* workerpool 1\.92x: BEHIND$/m);
    assert.match(text, /^fine +weft +520 .* pass +-$/m);
    assert.match(text, /hand split, workerpool: nothing to run on fine/);
  });

  test("has the overhead section: per item, the plain loop, weft and what weft adds, against 5 ns", () => {
    assert.match(text, /Per-item overhead over a plain loop: mix, 1,000,000 items, weft on 1 worker thread/);
    assert.match(
      text,
      /^reduce +range\(0, n\)\.map\(mix\)\.reduce\(add, 0\) +25\.0 +29\.0 +4\.0 +3\.0 to 9\.0 +<= 5 ns +pass$/m,
    );
  });

  test("names: the baseline shown as the plain loop; only the pools of other libraries are peers", () => {
    assert.equal(shownName("sequential"), "plain loop");
    assert.equal(shownName("weft"), "weft");
    assert.deepEqual(
      ["sequential", "weft", "weft+faults", "hand split", "piscina", "tinypool", "workerpool"].filter(isPeer),
      ["piscina", "tinypool", "workerpool"],
    );
  });
});
