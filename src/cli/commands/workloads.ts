// `weft workloads`: the built-in workloads, one line each.
import { workloads } from "../../workloads/all.ts";

export function listWorkloads(): void {
  const width = Math.max(...[...workloads.keys()].map((name) => name.length));
  for (const w of workloads.values()) {
    console.log(`${w.name.padEnd(width)}  ${w.summary}`);
    console.log(`${"".padEnd(width)}  default size: ${w.describe(w.defaultSize)} (${w.unit})`);
  }
}
