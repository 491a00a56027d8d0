// What telemetry costs: the same workloads on two pools of two worker threads, one without telemetry
// and one with a tracer (every span kept by an in-memory exporter) and a meter, timed in interleaved
// rounds (in turn first), every answer checked against the sequential one.
import { median } from "../../src/scaling/analysis.ts";
import { weft, type Pool } from "../../src/index.ts";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { collectGarbage, WrongAnswerError } from "../measure.ts";
import type { Workload } from "../workloads/workload.ts";

export interface TelemetryRow {
  readonly workload: string;
  readonly offMs: number;
  readonly onMs: number;
  /** Spans one run with telemetry made: a job's and one per chunk. */
  readonly spans: number;
  /** on / off - 1, as a fraction: what a traced run costs over an untraced one. */
  readonly cost: number;
}

export interface TelemetryReport {
  readonly workers: number;
  readonly rounds: number;
  readonly rows: readonly TelemetryRow[];
}

export async function measureTelemetry(
  workloads: readonly Workload<unknown>[],
  workers: number,
  rounds: number,
  beforePair: () => Promise<void>,
): Promise<TelemetryReport> {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const meterProvider = new MeterProvider();
  const telemetry = { tracer: tracerProvider.getTracer("bench"), meter: meterProvider.getMeter("bench") };
  const off = await weft({ backend: "threads", workers });
  const on = await weft({ backend: "threads", workers, telemetry }).catch(async (error: unknown) => {
    await off.close();
    throw error;
  });
  try {
    const rows: TelemetryRow[] = [];
    for (const workload of workloads) {
      const expected = workload.sequential();
      const timed = async (pool: Pool, samples: number[]) => {
        collectGarbage();
        const t0 = performance.now();
        const answer = await workload.weft(pool, undefined);
        samples.push(performance.now() - t0);
        const why = workload.mismatch(expected, { answer, items: workload.items });
        if (why !== undefined) throw new WrongAnswerError(`telemetry: ${workload.name}: ${why}`);
      };
      const offMs: number[] = [];
      const onMs: number[] = [];
      // Warm: the JIT, the workers' task modules, the tracer's first spans.
      await timed(off, []);
      await timed(on, []);
      spans.reset();
      for (let round = 0; round < rounds; round++) {
        await beforePair();
        if (round % 2 === 0) {
          await timed(off, offMs);
          await timed(on, onMs);
        } else {
          await timed(on, onMs);
          await timed(off, offMs);
        }
      }
      const offMedian = median(offMs);
      const onMedian = median(onMs);
      rows.push({
        workload: workload.name,
        offMs: offMedian,
        onMs: onMedian,
        spans: Math.round(spans.getFinishedSpans().length / rounds),
        cost: onMedian / offMedian - 1,
      });
      spans.reset();
    }
    return { workers, rounds, rows };
  } finally {
    await Promise.all([off.close(), on.close()]);
    await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
  }
}
