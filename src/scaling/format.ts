// How the reports write numbers and models, so the terminal table and the HTML report say the same thing
// in the same words.
import type { ModelFit } from "./analysis.ts";
import type { WorkloadResult } from "./results.ts";

export const noValue = "-";

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** Whole ms once they are large, where decimals would be noise; more digits for short runs. */
export function formatMs(ms: number): string {
  const digits = ms >= 100 ? 0 : ms >= 10 ? 1 : 2;
  return ms.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatSpeedup(speedup: number | undefined): string {
  return speedup === undefined ? noValue : `${speedup.toFixed(2)}x`;
}

export function formatPercent(ratio: number | undefined): string {
  if (ratio === undefined) return noValue;
  const percent = ratio * 100;
  return `${percent.toFixed(Math.abs(percent) < 10 ? 1 : 0)}%`;
}

/** Serial fractions and Karp–Flatt values: three decimals, as small fractions matter most. */
export function formatFraction(fraction: number | undefined): string {
  return fraction === undefined ? noValue : fraction.toFixed(3);
}

/** The name every report gives a fitted model: it is a model, and this is its fraction. */
export function modelLabel(fit: ModelFit): string {
  return `${fit.law.name} model, f = ${formatFraction(fit.serialFraction)}`;
}

/** Which measurements the model rests on, and how well it fits them. */
export function describeFit(fit: ModelFit): string {
  const [only, ...more] = fit.fittedWorkers;
  const basis =
    more.length === 0
      ? `fitted to the one point at ${only} workers`
      : `least-squares fit to ${fit.fittedWorkers.length} points (workers ${fit.fittedWorkers.join(", ")}), ` +
        `rms error ${fit.rmsError.toFixed(2)}x`;
  return `${modelLabel(fit)}: ${basis}`;
}

export function describePredictions(fit: ModelFit): string {
  const what = fit.law.name === "Gustafson" ? "a scaled speedup of " : "";
  const [first, ...rest] = fit.predictions.map((p) => `${formatSpeedup(p.speedup)} at ${p.workers}`);
  return `predicts ${what}${first} workers${rest.map((r) => `, ${r}`).join("")}`;
}

export function noFitReason(cores: number): string {
  const range = cores > 2 ? `2 to ${cores} workers` : `${cores} workers`;
  return `no model fitted: that needs a speedup measured with ${range} (at most one per core)`;
}

export function oversubscribedNote(cores: number): string {
  return `oversubscribed: more workers than the ${cores} cores; shown, not used in the model fit`;
}

/** How the workload was run: scaling, backend, knobs, and whether it was cut short. */
export function describeRun(result: WorkloadResult): string {
  const knobs = Object.entries(result.knobs ?? {}).map(([name, value]) => `${name} ${value}`);
  return [
    result.scaling === "weak"
      ? `weak scaling (size = base size x workers) on ${result.backend}`
      : `strong scaling on ${result.backend}`,
    ...(knobs.length > 0 ? [`knobs: ${knobs.join(", ")}`] : []),
    ...(result.interrupted === true ? ["INTERRUPTED, partial results"] : []),
  ].join("; ");
}
