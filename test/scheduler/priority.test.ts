// Priorities in the Scheduler: higher first, oldest first among equals, and nothing with work ready
// starves, whatever the priorities, workers and chunk sizes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { agingPerLevel, Scheduler, type Assignment } from "../../src/scheduler/scheduler.ts";

const lots = 1_000_000;

/** Runs `turns` rounds in which every chunk assigned finishes before the next round: the job of each assignment, in order. */
function drive(scheduler: Scheduler, turns: number): number[] {
  const order: number[] = [];
  for (let turn = 0; turn < turns; turn++) {
    const assigned: Assignment[] = scheduler.assign();
    for (const a of assigned) {
      order.push(a.jobId);
      scheduler.chunkDone(a.worker, a.jobId, a.size, 1);
    }
  }
  return order;
}

function schedulerWith(workers: number, priorities: readonly number[], maxChunk = 10): Scheduler {
  const scheduler = new Scheduler({ prefetch: 1 });
  for (let w = 0; w < workers; w++) scheduler.addWorker(w);
  priorities.forEach((priority, id) =>
    scheduler.addJob(id, { available: lots, closed: true, bounds: { minChunk: 1, maxChunk }, priority }),
  );
  return scheduler;
}

describe("priorities", () => {
  it("a newer job of higher priority takes the free workers first, until the older one has aged a level", () => {
    const order = drive(schedulerWith(1, [0, 2]), 200);
    // Job 0 is passed over 2 levels' worth of chunks, then gets one, and waits again.
    const firstLow = order.indexOf(0);
    assert.equal(firstLow, 2 * agingPerLevel);
    assert.ok(order.slice(0, firstLow).every((job) => job === 1));
    const share = order.filter((job) => job === 0).length / order.length;
    assert.ok(share > 0 && share < 0.1, `the low-priority job got ${share} of the chunks`);
  });

  it("jobs of one priority go oldest first: the older one is never passed over", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: -3, max: 3 }),
        (workers, jobs, priority) => {
          const order = drive(schedulerWith(workers, Array(jobs).fill(priority)), 100);
          assert.ok(order.every((job) => job === 0));
        },
      ),
    );
  });

  it("no priority starves: the oldest job of each gets a chunk in every window, whatever the priorities and workers", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 2, maxLength: 6 }),
        fc.integer({ min: 1, max: 3 }),
        (priorities, workers) => {
          const spread = Math.max(...priorities) - Math.min(...priorities);
          // Every job that waits gains a level per agingPerLevel chunks handed to higher ones.
          const window = priorities.length * (spread + 1) * agingPerLevel + workers;
          const order = drive(schedulerWith(workers, priorities), 3 * window);
          // Jobs of one priority go oldest first, so the oldest of each priority is the one that must get chunks.
          const oldest = new Set(priorities.map((p) => priorities.indexOf(p)));
          for (const job of oldest) {
            let last = -1;
            for (let at = 0; at < order.length; at++) {
              if (order[at] !== job) continue;
              assert.ok(at - last <= window, `job ${job} waited ${at - last} chunks (window ${window})`);
              last = at;
            }
            assert.ok(order.length - last <= window, `job ${job} waited from ${last} to the end`);
          }
        },
      ),
    );
  });

  it("the answer does not depend on priorities: every item is assigned exactly once", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ items: fc.integer({ min: 0, max: 300 }), priority: fc.integer({ min: -3, max: 3 }) }),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        fc.integer({ min: 1, max: 4 }),
        (jobs, workers) => {
          const scheduler = new Scheduler({ prefetch: 2 });
          for (let w = 0; w < workers; w++) scheduler.addWorker(w);
          jobs.forEach(({ items, priority }, id) =>
            scheduler.addJob(id, {
              available: items,
              closed: true,
              bounds: { minChunk: 1, maxChunk: 7 },
              priority,
            }),
          );
          const sent = jobs.map(() => 0);
          for (let round = 0; round < 10_000; round++) {
            const assigned = scheduler.assign();
            if (assigned.length === 0) break;
            for (const a of assigned) {
              sent[a.jobId]! += a.size;
              scheduler.chunkDone(a.worker, a.jobId, a.size, 1);
            }
          }
          assert.deepEqual(
            sent,
            jobs.map((j) => j.items),
          );
        },
      ),
    );
  });
});
