// The scaling laws (Amdahl, Gustafson) and the Karp–Flatt metric, and how a serial fraction is fitted to
// measured speedups. Pure arithmetic: no notion of workloads or samples.

/** A measured speedup at a worker count. */
export interface SpeedupPoint {
  readonly workers: number;
  readonly speedup: number;
}

/**
 * A model of speedup with one parameter, the serial fraction f in [0, 1]. Both laws below become
 * y = f·x after a change of variables, so f is fitted by least squares through the origin.
 */
export interface ScalingLaw {
  readonly name: "Amdahl" | "Gustafson";
  speedup(serialFraction: number, workers: number): number;
  /** The change of variables that makes the law y = f·x (x = 0 where the point says nothing about f). */
  linearize(point: SpeedupPoint): { x: number; y: number };
}

/**
 * Amdahl: a fixed job whose serial fraction f (of the sequential time) cannot be split,
 * S = 1 / (f + (1 − f)/p), which is 1/S − 1/p = f·(1 − 1/p).
 */
export const amdahl: ScalingLaw = {
  name: "Amdahl",
  speedup: (f, p) => 1 / (f + (1 - f) / p),
  linearize: ({ workers: p, speedup: s }) => ({ x: 1 - 1 / p, y: 1 / s - 1 / p }),
};

/**
 * Gustafson: a job that grows with the workers, f being the serial share of the parallel run's time,
 * S = p − f·(p − 1), which is p − S = f·(p − 1).
 */
export const gustafson: ScalingLaw = {
  name: "Gustafson",
  speedup: (f, p) => p - f * (p - 1),
  linearize: ({ workers: p, speedup: s }) => ({ x: p - 1, y: p - s }),
};

/**
 * The Karp–Flatt experimentally determined serial fraction, e = (1/S − 1/p) / (1 − 1/p): the Amdahl f
 * that would explain this one measurement. Undefined for one worker, where any f fits. Not clamped: a
 * negative e means a superlinear speedup (e.g. the parts fit in cache), and that is worth seeing.
 */
export function karpFlatt({ workers, speedup }: SpeedupPoint): number | undefined {
  if (workers <= 1) return undefined;
  return (1 / speedup - 1 / workers) / (1 - 1 / workers);
}

/**
 * The serial fraction that best fits the points under `law` (least squares on the law's linear
 * form), clamped to [0, 1]. Undefined when no point says anything about f (none with p > 1). With
 * one such point under Amdahl, this is that point's Karp–Flatt e (clamped).
 */
export function fitSerialFraction(law: ScalingLaw, points: readonly SpeedupPoint[]): number | undefined {
  let xy = 0;
  let xx = 0;
  for (const point of points) {
    const { x, y } = law.linearize(point);
    xy += x * y;
    xx += x * x;
  }
  if (xx === 0) return undefined;
  return Math.min(1, Math.max(0, xy / xx));
}

/** Root-mean-square distance, in speedup units, between the points and the law with this fraction. */
export function rmsError(law: ScalingLaw, serialFraction: number, points: readonly SpeedupPoint[]): number {
  if (points.length === 0) return 0;
  const squares = points.map((p) => (law.speedup(serialFraction, p.workers) - p.speedup) ** 2);
  return Math.sqrt(squares.reduce((a, b) => a + b, 0) / points.length);
}
