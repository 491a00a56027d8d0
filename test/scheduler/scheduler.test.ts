// The Scheduler as a pure state machine: random event sequences checked against a model, and simulated jobs.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { inputLength, type Chunk } from "../../src/protocol/plan.ts";
import { chunkTargets, targetChunkMs, type ChunkBounds } from "../../src/scheduler/chunking.ts";
import { Scheduler, type Assignment } from "../../src/scheduler/scheduler.ts";
import { mulberry32 } from "../support/random.ts";

type Event =
  | { kind: "addWorker" }
  | { kind: "resize"; workers: number }
  | { kind: "addJob"; available: number; closed: boolean; bounds: ChunkBounds }
  | { kind: "offer"; pick: number; items: number }
  | { kind: "close"; pick: number }
  | { kind: "pause"; pick: number; paused: boolean }
  | { kind: "removeJob"; pick: number }
  | { kind: "done"; pick: number; busyMs: number }
  | { kind: "abandon"; pick: number }
  | { kind: "requeue"; pick: number }
  | { kind: "assign" };

const boundsArb: fc.Arbitrary<ChunkBounds> = fc
  .tuple(fc.integer({ min: 1, max: 20 }), fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }))
  .map(([minChunk, extra]) => ({ minChunk, maxChunk: extra === undefined ? Infinity : minChunk + extra }));

// Picks are resolved against the model when the event is applied, so they always name something
// that exists (or existed: events for removed jobs must be harmless too).
const eventArb: fc.Arbitrary<Event> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: "addWorker" as const }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("resize" as const), workers: fc.integer({ min: 0, max: 6 }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("addJob" as const),
      available: fc.integer({ min: 0, max: 200 }),
      closed: fc.boolean(),
      bounds: boundsArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("offer" as const),
      pick: fc.nat(),
      items: fc.integer({ min: 1, max: 50 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("close" as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("pause" as const), pick: fc.nat(), paused: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("removeJob" as const), pick: fc.nat() }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("done" as const),
      pick: fc.nat(),
      busyMs: fc.double({ min: 0, max: 50, noNaN: true }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("abandon" as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("requeue" as const), pick: fc.nat() }) },
  { weight: 6, arbitrary: fc.constant({ kind: "assign" as const }) },
);

interface ModelJob {
  readonly bounds: ChunkBounds;
  available: number;
  madeAvailable: number;
  assigned: number;
  closed: boolean;
  paused: boolean;
  /** Sizes of failed chunks due for another attempt, oldest first. */
  readonly retries: number[];
}

interface Held {
  readonly worker: number;
  readonly jobId: number;
  readonly size: number;
}

/** What the scheduler should know, kept independently of it. */
class Model {
  readonly loads = new Map<number, number>();
  readonly jobs = new Map<number, ModelJob>();
  readonly jobIds: number[] = [];
  /** Chunks sent and not yet reported back, including those of removed jobs and workers. */
  readonly held: Held[] = [];
  /** Chunks that failed, not yet due for another attempt. */
  readonly failed: Held[] = [];
  /** Workers above the last resize: they take no new chunk. */
  readonly retired = new Set<number>();
  nextWorker = 0;
  nextJob = 1;

  constructor(readonly prefetch: number) {}

  /**
   * A full chunk can be sent: a retry (even of a paused job: it may be what everything else waits
   * behind), or new items of a running job at its minimum or closed.
   */
  ready(job: ModelJob): boolean {
    if (job.retries.length > 0) return true;
    return !job.paused && job.available > 0 && (job.closed || job.available >= job.bounds.minChunk);
  }

  oldestReady(): number | undefined {
    return this.jobIds.find((id) => {
      const job = this.jobs.get(id);
      return job !== undefined && this.ready(job);
    });
  }

  /** Loads of the workers that take chunks. */
  activeLoads(): number[] {
    return [...this.loads].filter(([worker]) => !this.retired.has(worker)).map(([, load]) => load);
  }

  minLoad(): number {
    return Math.min(...this.activeLoads());
  }
}

function pickFrom<T>(list: readonly T[], pick: number): T | undefined {
  return list.length === 0 ? undefined : list[pick % list.length];
}

/** Applies one event to both, then checks every invariant that must hold after it. */
function step(scheduler: Scheduler, model: Model, event: Event): void {
  switch (event.kind) {
    case "addWorker": {
      // Fresh ids only: a reused id would inherit late reports from the chunks of its predecessor.
      const worker = model.nextWorker++;
      scheduler.addWorker(worker);
      model.loads.set(worker, 0);
      break;
    }
    case "resize": {
      scheduler.resize(event.workers);
      for (let w = 0; w < event.workers; w++) {
        if (!model.loads.has(w)) model.loads.set(w, 0);
        model.retired.delete(w);
      }
      model.nextWorker = Math.max(model.nextWorker, event.workers);
      for (const w of model.loads.keys()) if (w >= event.workers) model.retired.add(w);
      break;
    }
    case "addJob": {
      const id = model.nextJob++;
      const { available, closed, bounds } = event;
      scheduler.addJob(id, { available, closed, bounds });
      model.jobs.set(id, {
        bounds,
        available,
        madeAvailable: available,
        assigned: 0,
        closed,
        paused: false,
        retries: [],
      });
      model.jobIds.push(id);
      break;
    }
    case "offer":
    case "close":
    case "pause":
    case "removeJob": {
      const id = pickFrom(model.jobIds, event.pick);
      if (id === undefined) return;
      const job = model.jobs.get(id);
      if (event.kind === "offer") {
        // Only an open source offers items; a removed job's late offers must be ignored.
        if (job?.closed) return;
        scheduler.offer(id, event.items);
        if (job) {
          job.available += event.items;
          job.madeAvailable += event.items;
        }
      } else if (event.kind === "close") {
        scheduler.close(id);
        if (job) job.closed = true;
      } else if (event.kind === "pause") {
        scheduler.setPaused(id, event.paused);
        if (job) job.paused = event.paused;
      } else {
        scheduler.removeJob(id);
        model.jobs.delete(id);
      }
      break;
    }
    case "done":
    case "abandon": {
      const index = model.held.length === 0 ? -1 : event.pick % model.held.length;
      if (index < 0) return;
      const [chunk] = model.held.splice(index, 1);
      if (event.kind === "done") scheduler.chunkDone(chunk!.worker, chunk!.jobId, chunk!.size, event.busyMs);
      else {
        scheduler.chunkAbandoned(chunk!.worker);
        model.failed.push(chunk!);
      }
      const load = model.loads.get(chunk!.worker);
      if (load !== undefined) model.loads.set(chunk!.worker, load - 1);
      break;
    }
    case "requeue": {
      const index = model.failed.length === 0 ? -1 : event.pick % model.failed.length;
      if (index < 0) return;
      const [chunk] = model.failed.splice(index, 1);
      scheduler.requeue(chunkOf(chunk!.jobId, chunk!.size));
      model.jobs.get(chunk!.jobId)?.retries.push(chunk!.size);
      break;
    }
    case "assign":
      checkAssign(model, scheduler.assign());
      break;
  }
  for (const [id, job] of model.jobs) {
    const exhausted = job.closed && job.available === 0;
    assert.equal(scheduler.exhausted(id), exhausted, `job ${id} exhausted: expected ${exhausted}`);
  }
}

/** A chunk of `size` items of job `jobId`, as the dispatcher would requeue it. */
function chunkOf(jobId: number, size: number): Chunk {
  return { jobId, seq: 0, start: 0, input: { kind: "range", origin: 0, step: 1, first: 0, count: size } };
}

function checkAssign(model: Model, assignments: readonly Assignment[]): void {
  const allIdle = [...model.loads.values()].every((load) => load === 0);
  for (const { worker, jobId, size, retry } of assignments) {
    const load = model.loads.get(worker);
    assert.ok(load !== undefined, `assigned to worker ${worker}, which is not in the pool`);
    assert.ok(!model.retired.has(worker), `assigned to worker ${worker}, which the pool shrank below`);
    assert.ok(load < model.prefetch, `worker ${worker} already holds ${load} of ${model.prefetch} chunks`);
    assert.equal(load, model.minLoad(), "the least loaded worker is filled first");
    const job = model.jobs.get(jobId);
    assert.ok(job !== undefined, `assigned job ${jobId}, which is not running`);
    if (retry) {
      // Retries go first, oldest first, paused or not, and carry the failed chunk's size.
      assert.equal(jobId, model.oldestReady(), "the oldest job with work is served first");
      assert.equal(size, job.retries.shift(), `job ${jobId}'s oldest retry was not the one sent`);
      assert.equal(inputLength(retry.input), size, "a retry's size is its chunk's");
      model.loads.set(worker, load + 1);
      model.held.push({ worker, jobId, size });
      continue;
    }
    assert.equal(job.retries.length, 0, `job ${jobId} sent new items before its retries`);
    assert.ok(!job.paused, `paused job ${jobId} was assigned new items`);
    assert.ok(Number.isInteger(size) && size >= 1, `chunk of ${size} items`);
    assert.ok(size <= job.available, `chunk of ${size} items when only ${job.available} are available`);
    assert.ok(size <= job.bounds.maxChunk, `chunk of ${size} items above maxChunk ${job.bounds.maxChunk}`);
    assert.ok(size >= Math.min(job.bounds.minChunk, job.available), `chunk of ${size} below minChunk`);
    if (model.ready(job)) {
      assert.equal(jobId, model.oldestReady(), "the oldest job with work is served first");
    } else {
      // An open job below its minimum waits for more items. At most it may be sent to keep a worker
      // from idling: never while a full chunk of another job is waiting, and only to an idle worker.
      assert.equal(model.oldestReady(), undefined, `job ${jobId} sent a partial chunk before a ready job`);
      assert.ok(allIdle && load === 0, `open job ${jobId} sent ${size} < minChunk items to a busy pool`);
    }
    job.available -= size;
    job.assigned += size;
    assert.ok(job.assigned <= job.madeAvailable, `job ${jobId} assigned more than it was offered`);
    model.loads.set(worker, load + 1);
    model.held.push({ worker, jobId, size });
  }
  // No stall: what is left is either no free slot, or no job that can be sent.
  const free = model.activeLoads().some((load) => load < model.prefetch);
  assert.ok(
    !free || model.oldestReady() === undefined,
    "a worker has room and a job is ready, yet nothing was sent",
  );
}

describe("Scheduler as a state machine", () => {
  it("keeps its invariants over random sequences of events", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 4 }),
        fc.array(eventArb, { minLength: 10, maxLength: 150 }),
        (prefetch, workers, events) => {
          const scheduler = new Scheduler({ prefetch });
          const model = new Model(prefetch);
          for (let w = 0; w < workers; w++) step(scheduler, model, { kind: "addWorker" });
          for (const event of events) step(scheduler, model, event);
          step(scheduler, model, { kind: "assign" });
        },
      ),
      { seed: 42, numRuns: 400, includeErrorInReport: true },
    );
  });

  it("sends nothing without workers, and rejects a prefetch below one", () => {
    const scheduler = new Scheduler({ prefetch: 2 });
    scheduler.addJob(1, { available: 10, closed: true, bounds: { minChunk: 1, maxChunk: Infinity } });
    assert.deepEqual(scheduler.assign(), []);
    assert.throws(() => new Scheduler({ prefetch: 0 }), RangeError);
  });

  // A regression test: an open job below minChunk was once never sent, even with every worker
  // idle, so `weft({ minChunk: 4 })` then `await pool.submit(add, [1, 2])` never settled (a submit
  // queue never closes), and `pool.from(generator).chunks({ minChunk })` with `readAhead < minChunk`
  // hung (the stream stops reading at readAhead items).
  it("sends an open job's items when every worker is idle, even below minChunk", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 2, max: 50 }),
        fc.integer({ min: 1, max: 49 }),
        (workers, prefetch, minChunk, available) => {
          fc.pre(available < minChunk);
          const scheduler = new Scheduler({ prefetch });
          for (let w = 0; w < workers; w++) scheduler.addWorker(w);
          scheduler.addJob(1, { available, closed: false, bounds: { minChunk, maxChunk: Infinity } });
          const sent = scheduler.assign();
          assert.ok(sent.length > 0, `${workers} idle workers, ${available} items ready, nothing sent`);
        },
      ),
      { seed: 42, numRuns: 50, includeErrorInReport: true },
    );
  });
});

type ProfileKind = "increasing" | "hump" | "random";

interface Profile {
  readonly kind: ProfileKind;
  readonly items: number;
  readonly workers: number;
  readonly prefetch: number;
  /** Cost of the cheapest item, in ms, as a power of ten. */
  readonly baseExp: number;
  /** How many times dearer the dearest item is, as a power of ten. */
  readonly spreadExp: number;
  readonly center: number;
  readonly width: number;
  readonly seed: number;
}

// Spreads of up to ~300x and humps at least 15% of the input wide: a Mandelbrot image by rows,
// not an adversary (a needle of cost no online policy can see coming).
const profileArb = (kind: ProfileKind): fc.Arbitrary<Profile> =>
  fc.record({
    kind: fc.constant(kind),
    items: fc.integer({ min: 20, max: 3000 }),
    workers: fc.integer({ min: 1, max: 8 }),
    prefetch: fc.integer({ min: 1, max: 2 }),
    baseExp: fc.double({ min: -3, max: 0, noNaN: true }),
    spreadExp: fc.double({ min: 0, max: 2.5, noNaN: true }),
    center: fc.double({ min: 0.2, max: 0.8, noNaN: true }),
    width: fc.double({ min: 0.15, max: 0.4, noNaN: true }),
    seed: fc.integer(),
  });

function costsOf(p: Profile): number[] {
  const base = 10 ** p.baseExp;
  const peak = base * 10 ** p.spreadExp;
  const random = mulberry32(p.seed);
  return Array.from({ length: p.items }, (_, i) => {
    const x = i / p.items;
    switch (p.kind) {
      case "increasing":
        return base + (peak - base) * x;
      case "hump":
        return base + peak * Math.exp(-(((x - p.center) / p.width) ** 2));
      case "random":
        return random() < 0.2 ? base + peak * random() : base;
    }
  });
}

/** Time a chunk spends in messages, on the worker's clock but outside the busy time it reports. */
const overheadMs = 0.02;

interface Simulation {
  readonly sizes: number[];
  readonly makespan: number;
  /** The longest single chunk, in simulated ms. */
  readonly longestChunk: number;
}

/**
 * Runs one closed job of `costs.length` items on simulated workers: each runs its chunks back to
 * back in the order received, and the clock jumps from one chunk completion to the next. With
 * `slowest` above 1, each chunk runs up to that many times slower, at random (seeded by `seed`),
 * as on cores shared with other work.
 */
function simulate(
  costs: readonly number[],
  workers: number,
  prefetch: number,
  slowest = 1,
  seed = 0,
  targets: ReturnType<typeof chunkTargets> = {},
): Simulation {
  const random = mulberry32(seed);
  const slowdown = () => 1 + (slowest - 1) * random();
  const scheduler = new Scheduler({ prefetch });
  for (let w = 0; w < workers; w++) scheduler.addWorker(w);
  const bounds = { minChunk: 1, maxChunk: Infinity };
  scheduler.addJob(1, { available: costs.length, closed: true, bounds, ...targets });
  const freeAt = new Array<number>(workers).fill(0);
  const running: { end: number; worker: number; size: number; busy: number }[] = [];
  const sizes: number[] = [];
  let clock = 0;
  let next = 0;
  let makespan = 0;
  let longestChunk = 0;
  for (;;) {
    for (const { worker, size } of scheduler.assign()) {
      let busy = 0;
      for (let i = next; i < next + size; i++) busy += costs[i]!;
      busy *= slowdown();
      next += size;
      sizes.push(size);
      const end = Math.max(clock, freeAt[worker]!) + busy + overheadMs;
      freeAt[worker] = end;
      makespan = Math.max(makespan, end);
      longestChunk = Math.max(longestChunk, busy + overheadMs);
      running.push({ end, worker, size, busy });
    }
    if (running.length === 0) break;
    let first = 0;
    for (let j = 1; j < running.length; j++) if (running[j]!.end < running[first]!.end) first = j;
    const [done] = running.splice(first, 1);
    clock = done!.end;
    scheduler.chunkDone(done!.worker, 1, done!.size, done!.busy);
  }
  return { sizes, makespan, longestChunk };
}

function checkCoverage(items: number, sizes: readonly number[]): void {
  // Chunks are cut from the front of the input in the order assigned, so sizes alone say which
  // items each chunk holds: each one is covered exactly once when the sizes are positive and sum to N.
  const covered = new Uint8Array(items);
  let start = 0;
  for (const size of sizes) {
    assert.ok(size >= 1, `a chunk of ${size} items`);
    for (let i = start; i < start + size; i++) covered[i]!++;
    start += size;
  }
  assert.equal(start, items, `chunks cover ${start} of ${items} items`);
  assert.ok(covered.every((c) => c === 1));
}

describe("Scheduler simulation", () => {
  const jobs = [
    ["", chunkTargets("collect", true)],
    [", a shuffle's chunks", chunkTargets("shuffle", true)],
    [", a sink's chunks", chunkTargets("write", true)],
  ] as const;
  for (const kind of ["increasing", "hump", "random"] as const)
    for (const [which, targets] of jobs) {
      it(`assigns every item once, never idles a worker while work is left, and finishes near the ideal (${kind} costs${which})`, () => {
        fc.assert(
          fc.property(profileArb(kind), (p) => {
            const costs = costsOf(p);
            const { sizes, makespan, longestChunk } = simulate(costs, p.workers, p.prefetch, 1, 0, targets);
            checkCoverage(p.items, sizes);
            // Until the last item is sent every worker is busy; after, each finishes at most `prefetch` chunks.
            const total = costs.reduce((a, b) => a + b, 0);
            const busy = total + sizes.length * overheadMs;
            assert.ok(makespan <= busy / p.workers + p.prefetch * longestChunk + 1e-6);
            // Within 1.25x of the ideal plus a few chunks' slack.
            const ideal = total / p.workers;
            const allowed =
              1.25 * ideal +
              2 * Math.max(...costs) +
              (sizes.length * overheadMs) / p.workers +
              2 * (targets.chunkMs ?? targetChunkMs);
            assert.ok(
              makespan <= allowed,
              `makespan ${makespan.toFixed(1)} ms > ${allowed.toFixed(1)} ms allowed (ideal ${ideal.toFixed(1)} ms, ` +
                `${sizes.length} chunks: ${sizes.slice(0, 12).join(", ")}${sizes.length > 12 ? ", ..." : ""})`,
            );
          }),
          { seed: 42, numRuns: 150, includeErrorInReport: true },
        );
      });
    }

  // A Mandelbrot image by rows at bench size: a cheap head, then rows up to 300 times dearer. Chunks
  // sized from the cheap head carry dear rows; when chunks also run at uneven speed, one of those
  // can be left running alone at the end. Sharing 1/(2 x workers) of the rest per chunk did that:
  // this property fails with it, and `npm run bench` measured 1.64x to 1.77x of 2.0 on 2 cores.
  it("keeps a job of dear and cheap items within 1.1x of the ideal on workers of uneven speed", () => {
    const jobArb = fc.record({
      items: fc.integer({ min: 500, max: 4000 }),
      workers: fc.integer({ min: 2, max: 8 }),
      prefetch: fc.integer({ min: 1, max: 2 }),
      spreadExp: fc.double({ min: 1, max: 2.5, noNaN: true }),
      center: fc.double({ min: 0.3, max: 0.7, noNaN: true }),
      width: fc.double({ min: 0.15, max: 0.4, noNaN: true }),
      idealMs: fc.double({ min: 500, max: 3000, noNaN: true }),
      slowest: fc.double({ min: 1, max: 1.3, noNaN: true }),
      seed: fc.integer(),
    });
    fc.assert(
      fc.property(jobArb, (p) => {
        const shape = costsOf({ ...p, kind: "hump", baseExp: 0 });
        const scale = (p.idealMs * p.workers) / shape.reduce((a, b) => a + b, 0);
        const costs = shape.map((c) => c * scale);
        const { sizes, makespan } = simulate(costs, p.workers, p.prefetch, p.slowest, p.seed);
        // Each chunk runs on average (1 + slowest) / 2 times slower.
        const ideal = (p.idealMs * (1 + p.slowest)) / 2;
        const allowed =
          1.1 * ideal + 2 * Math.max(...costs) * p.slowest + (sizes.length * overheadMs) / p.workers;
        assert.ok(
          makespan <= allowed,
          `makespan ${makespan.toFixed(0)} ms > ${allowed.toFixed(0)} ms allowed (ideal ${ideal.toFixed(0)} ms, ` +
            `chunks ${sizes.slice(0, 12).join(", ")}, ...)`,
        );
      }),
      { seed: 42, numRuns: 100, includeErrorInReport: true },
    );
  });
});
