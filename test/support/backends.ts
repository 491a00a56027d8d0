// The backends every conformance and property test runs against.
import type { WeftOptions } from "../../src/index.ts";

export const localBackends: readonly { name: string; options: WeftOptions }[] = [
  { name: "sequential", options: { backend: "sequential" } },
  { name: "threads", options: { backend: "threads", workers: 2 } },
  { name: "processes", options: { backend: "processes", workers: 2 } },
];
