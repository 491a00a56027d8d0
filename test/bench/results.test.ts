// What the runner uses to fill the results: the machine, which run is the median one, chunk events as bars.
import assert from "node:assert/strict";
import { availableParallelism, cpus, loadavg } from "node:os";
import { describe, it } from "node:test";
import type { ChunkRecord } from "../../src/events/events.ts";
import { machineInfo, medianRunIndex, toChunkBars } from "../../src/scaling/results.ts";

describe("bench results helpers", () => {
  it("picks the median run, the faster of the two middle ones for an even count", () => {
    assert.equal(medianRunIndex([30, 10, 20]), 2);
    assert.equal(medianRunIndex([40, 10, 30, 20]), 3);
    assert.equal(medianRunIndex([5]), 0);
    assert.throws(() => medianRunIndex([]), RangeError);
  });

  it("turns chunk events into bars in ms from the run's start, by worker then start", () => {
    const record = (worker: number, startedAt: number, endedAt: number, items: number): ChunkRecord => ({
      jobId: 1,
      seq: 0,
      worker,
      items,
      startedAt,
      endedAt,
    });
    const bars = toChunkBars(
      [record(1, 1010, 1050, 40), record(0, 1030, 1060, 30), record(0, 1002, 1029, 27)],
      1000,
    );
    assert.deepEqual(bars, [
      { worker: 0, startMs: 2, endMs: 29, items: 27 },
      { worker: 0, startMs: 30, endMs: 60, items: 30 },
      { worker: 1, startMs: 10, endMs: 50, items: 40 },
    ]);
  });

  it("describes this machine", () => {
    const loadBefore = loadavg()[0];
    const machine = machineInfo();
    const loadAfter = loadavg()[0];
    assert.equal(machine.cores, availableParallelism());
    assert.equal(machine.node, process.version);
    assert.equal(machine.cpu, cpus()[0]!.model.trim());
    // The one-minute load average, as the system reports it (it may tick between two readings).
    assert.ok([loadBefore, loadAfter].includes(machine.loadAverage), `${machine.loadAverage}`);
  });
});
