// A discrete-event model of one coordinator, one Redis and many `weft worker` threads, driving weft's
// own Scheduler (the pure state machine the pool runs) with simulated time. What it models, each as
// in the cluster backend:
// - the coordinator keeps `slotsPerThread` chunks in flight per thread there (the elastic slots), and
//   posts one chunk per slot at a time, holding the next until the slot's chunk settles;
// - a chunk's life: posted to Redis, waiting in BullMQ's list, taken by a free thread, run, completed,
//   and its completion read by the coordinator; each step crosses the network (a round trip drawn
//   from `rttMs`) and costs the coordinator's or Redis's one core its share of the measured time per
//   chunk, so both can saturate and make everything behind them wait;
// - threads of different speeds, threads that join mid-job, and threads that die: a dead thread's
//   chunk is sent again once the coordinator sees it gone (`detectMs`), and the slots follow the
//   threads the heartbeats show (`countMs` after a join, `expireMs` after a death).
// It reads no clock and draws every random number from the seed, so a run is reproducible.
import { Scheduler } from "../../src/scheduler/scheduler.ts";
import type { Chunk } from "../../src/protocol/plan.ts";

export interface ModelSettings {
  /** Threads there when the job starts. */
  readonly threads: number;
  /** Prefix sums of the items' costs in ms on a thread of speed 1: `cost(a..b) = costs[b] - costs[a]`. */
  readonly costs: Float64Array;
  /** One network hop's round trip, in ms, drawn per hop. */
  readonly rttMs: (random: () => number) => number;
  /** A thread's time per unit of work: drawn once per thread (1 is nominal, 1.5 is a third slower). */
  readonly slowness: (random: () => number) => number;
  /** The coordinator's CPU per chunk (sending it and reading its completion), in ms. */
  readonly coordinatorMsPerChunk: number;
  /** Redis's CPU per chunk (BullMQ's add, take and completion scripts), in ms. */
  readonly redisMsPerChunk: number;
  /** Redis commands per chunk, for the load it reports. */
  readonly redisCommandsPerChunk: number;
  readonly slotsPerThread: number;
  /** What the scheduler is told a chunk's trip costs, as the Redis backend tells it. */
  readonly chunkTripMs: number;
  /** What the scheduler is told a chunk costs the shared path (0: the policy before it was told). */
  readonly chunkLoadMs: number;
  /** Threads that join mid-job, at times drawn over the first half of the ideal run. */
  readonly joins: number;
  /** Threads that die mid-job, at times drawn over the first half of the ideal run. */
  readonly deaths: number;
  /** How long the coordinator takes to see a dead thread's chunk and send it again. */
  readonly detectMs: number;
  /** How long after a join the coordinator counts the new thread; after a death, its heartbeat expires. */
  readonly countMs: number;
  readonly expireMs: number;
  readonly seed: number;
}

export interface ModelResult {
  readonly threads: number;
  /** Simulated ms from the job's start until the coordinator has every chunk's result. */
  readonly wallMs: number;
  /** The work divided evenly over the threads there at the start, at nominal speed: the floor. */
  readonly idealMs: number;
  /** Busy thread time over thread time available (threads alive × wall). */
  readonly efficiency: number;
  readonly chunks: number;
  /** Chunks run again after their thread died. */
  readonly rerun: number;
  /** Items whose results the coordinator counted: every item once. */
  readonly itemsCounted: number;
  /** Messages the coordinator handled (chunks sent and completions read) per second. */
  readonly coordinatorMessagesPerSecond: number;
  readonly coordinatorBusy: number;
  readonly redisCommandsPerSecond: number;
  readonly redisBusy: number;
  /** Median items per chunk, and the median chunk's run time in ms. */
  readonly medianChunkItems: number;
  readonly medianChunkMs: number;
}

/** mulberry32: uniform numbers in [0, 1) from a seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A min-heap of timed events; equal times run in the order they were scheduled. */
class Timeline {
  #heap: { at: number; order: number; run: () => void }[] = [];
  #order = 0;
  now = 0;

  at(time: number, run: () => void): void {
    const heap = this.#heap;
    heap.push({ at: Math.max(time, this.now), order: this.#order++, run });
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!this.#before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  run(): void {
    const heap = this.#heap;
    while (heap.length > 0) {
      const top = heap[0]!;
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        for (let i = 0; ;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < heap.length && this.#before(heap[l]!, heap[m]!)) m = l;
          if (r < heap.length && this.#before(heap[r]!, heap[m]!)) m = r;
          if (m === i) break;
          [heap[i], heap[m]] = [heap[m]!, heap[i]!];
          i = m;
        }
      }
      this.now = top.at;
      top.run();
    }
  }

  #before(a: { at: number; order: number }, b: { at: number; order: number }): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }
}

/** One core doing one thing at a time: work handed to it waits for what came before. */
class Server {
  #freeAt = 0;
  busyMs = 0;

  constructor(readonly timeline: Timeline) {}

  /** Runs `then` once `ms` of this server's time, queued behind earlier work, are done. */
  serve(arrival: number, ms: number, then: () => void): void {
    const start = Math.max(arrival, this.#freeAt);
    this.#freeAt = start + ms;
    this.busyMs += ms;
    this.timeline.at(this.#freeAt, then);
  }
}

interface SimChunk {
  readonly chunk: Chunk;
  readonly slot: number;
  readonly start: number;
  readonly end: number;
}

interface SimThread {
  readonly slowness: number;
  alive: boolean;
  running: SimChunk | undefined;
  joinedAt: number;
  diedAt: number | undefined;
}

const jobId = 1;

export function simulate(settings: ModelSettings): ModelResult {
  const random = seeded(settings.seed);
  const { costs } = settings;
  const items = costs.length - 1;
  const timeline = new Timeline();
  const coordinator = new Server(timeline);
  const redis = new Server(timeline);
  const hop = () => settings.rttMs(random) / 2;
  const { chunkTripMs, chunkLoadMs } = settings;
  const scheduler = new Scheduler({ prefetch: 2, chunkTripMs, chunkLoadMs });
  const slotsFor = (threads: number) => Math.max(2, settings.slotsPerThread * threads);

  const threads: SimThread[] = [];
  const addThread = (at: number) => {
    const thread: SimThread = {
      slowness: settings.slowness(random),
      alive: true,
      running: undefined,
      joinedAt: at,
      diedAt: undefined,
    };
    threads.push(thread);
    return thread;
  };
  for (let i = 0; i < settings.threads; i++) addThread(0);
  let slots = slotsFor(settings.threads);
  for (let s = 0; s < slots; s++) scheduler.addWorker(s);
  scheduler.addJob(jobId, { available: items, closed: true, bounds: { minChunk: 1, maxChunk: Infinity } });

  const lanes = new Map<number, SimChunk[]>();
  /** Chunks lost with their thread and requeued, by the scheduler's chunk, to run again. */
  const rerunOf = new Map<Chunk, SimChunk>();
  const waiting: SimChunk[] = [];
  let waitingHead = 0;
  const idle: SimThread[] = [...threads];
  let sent = 0;
  let seq = 0;
  let chunks = 0;
  let rerun = 0;
  let counted = 0;
  let lastResult = 0;
  let busy = 0;
  const chunkItems: number[] = [];
  const chunkMs: number[] = [];
  let pumping = false;

  const cost = (chunk: SimChunk) => costs[chunk.end]! - costs[chunk.start]!;
  const share = (total: number) => total / 2;

  /** The coordinator's turn: what the scheduler assigns goes out, a slot's first chunk at once. */
  const pump = () => {
    if (pumping) return;
    pumping = true;
    coordinator.serve(timeline.now, 0, () => {
      pumping = false;
      for (const { worker: slot, size, retry } of scheduler.assign()) {
        const lost = retry && rerunOf.get(retry);
        const chunk: SimChunk = lost
          ? { chunk: lost.chunk, slot, start: lost.start, end: lost.end }
          : { chunk: chunkOf(seq++, sent, size), slot, start: sent, end: sent + size };
        if (!lost) sent += size;
        const lane = lanes.get(slot) ?? [];
        lanes.set(slot, lane);
        lane.push(chunk);
        if (lane.length === 1) post(lane[0]!);
      }
    });
  };

  const post = (chunk: SimChunk) => {
    chunks++;
    coordinator.serve(timeline.now, share(settings.coordinatorMsPerChunk), () =>
      redis.serve(timeline.now + hop(), settings.redisMsPerChunk / 3, () => {
        waiting.push(chunk);
        dispatch();
      }),
    );
  };

  /** Free threads take waiting chunks, first come first served, as BullMQ hands them out. */
  const dispatch = () => {
    while (waitingHead < waiting.length && idle.length > 0) {
      const thread = idle.pop()!;
      if (!thread.alive) continue;
      const chunk = waiting[waitingHead++]!;
      take(thread, chunk);
    }
    if (waitingHead > 4096 && waitingHead * 2 > waiting.length) {
      waiting.splice(0, waitingHead);
      waitingHead = 0;
    }
  };

  const take = (thread: SimThread, chunk: SimChunk) => {
    thread.running = chunk;
    redis.serve(timeline.now, settings.redisMsPerChunk / 3, () => {
      const runMs = cost(chunk) * thread.slowness;
      timeline.at(timeline.now + hop() + runMs, () => {
        if (!thread.alive || thread.running !== chunk) return;
        busy += runMs;
        thread.running = undefined;
        chunkItems.push(chunk.end - chunk.start);
        chunkMs.push(runMs);
        redis.serve(timeline.now + hop(), settings.redisMsPerChunk / 3, () => {
          idle.push(thread);
          dispatch();
          coordinator.serve(timeline.now + hop(), share(settings.coordinatorMsPerChunk), () =>
            settle(chunk, runMs),
          );
        });
      });
    });
  };

  const settle = (chunk: SimChunk, runMs: number) => {
    counted += chunk.end - chunk.start;
    lastResult = timeline.now;
    scheduler.chunkDone(chunk.slot, jobId, chunk.end - chunk.start, runMs);
    next(chunk.slot);
  };

  /** The slot's chunk settled: its next one goes out, and the scheduler fills what is free. */
  const next = (slot: number) => {
    const lane = lanes.get(slot)!;
    lane.shift();
    if (lane.length > 0) post(lane[0]!);
    pump();
  };

  const resize = () => {
    const alive = threads.filter((t) => t.alive).length;
    const wanted = slotsFor(alive);
    if (wanted === slots) return;
    slots = wanted;
    scheduler.resize(slots);
    pump();
  };

  const work = costs[items]!;
  const idealMs = work / settings.threads;
  for (let j = 0; j < settings.joins; j++) {
    timeline.at(random() * idealMs * 0.5, () => {
      const thread = addThread(timeline.now);
      idle.push(thread);
      dispatch();
      timeline.at(timeline.now + settings.countMs, resize);
    });
  }
  for (let d = 0; d < settings.deaths; d++) {
    timeline.at(random() * idealMs * 0.5, () => {
      const victims = threads.filter((t) => t.alive);
      if (victims.length <= 1) return;
      const thread = victims[Math.floor(random() * victims.length)]!;
      thread.alive = false;
      thread.diedAt = timeline.now;
      const lost = thread.running;
      thread.running = undefined;
      if (lost) {
        timeline.at(timeline.now + settings.detectMs, () =>
          coordinator.serve(timeline.now, share(settings.coordinatorMsPerChunk), () => {
            rerun++;
            scheduler.chunkAbandoned(lost.slot);
            const lane = lanes.get(lost.slot)!;
            lane.shift();
            rerunOf.set(lost.chunk, lost);
            scheduler.requeue(lost.chunk);
            if (lane.length > 0) post(lane[0]!);
            pump();
          }),
        );
      }
      timeline.at(timeline.now + settings.expireMs, resize);
    });
  }

  pump();
  timeline.run();

  const wallMs = lastResult;
  const available = threads.reduce(
    (sum, t) => sum + Math.max(0, Math.min(t.diedAt ?? wallMs, wallMs) - t.joinedAt),
    0,
  );
  return {
    threads: settings.threads,
    wallMs,
    idealMs,
    efficiency: busy / available,
    chunks,
    rerun,
    itemsCounted: counted,
    coordinatorMessagesPerSecond: (2 * chunks) / (wallMs / 1000),
    coordinatorBusy: coordinator.busyMs / wallMs,
    redisCommandsPerSecond: (chunks * settings.redisCommandsPerChunk) / (wallMs / 1000),
    redisBusy: redis.busyMs / wallMs,
    medianChunkItems: median(chunkItems),
    medianChunkMs: median(chunkMs),
  };
}

function chunkOf(seq: number, start: number, size: number): Chunk {
  return { jobId, seq, start, input: { kind: "range", origin: start, step: 1, first: 0, count: size } };
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return sorted[sorted.length >> 1]!;
}
