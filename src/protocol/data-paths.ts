// Paths on a cluster's shared data root. A coordinator sends paths relative to the root, as every
// machine may mount it elsewhere; a worker resolves them under its own root and refuses any that
// would leave it, so a message in Redis can name no file outside the data the cluster shares.
import { isAbsolute, relative, resolve, sep } from "node:path";
import type { Chunk, ChunkInput, JobSpec, Terminal } from "./plan.ts";

/** Every path a job's plan and chunks carry, rewritten by `map`. */
export function mapSpecPaths(spec: JobSpec, map: (path: string) => string): JobSpec {
  const t = spec.terminal;
  if (t.op !== "write" && t.op !== "shuffle") return spec;
  const terminal: Terminal = { ...t, directory: map(t.directory) };
  return { ...spec, terminal };
}

export function mapChunkPaths(chunk: Chunk, map: (path: string) => string): Chunk {
  const input: ChunkInput = chunk.input;
  if (input.kind === "file")
    return { ...chunk, input: { ...input, ranges: input.ranges.map((r) => ({ ...r, path: map(r.path) })) } };
  if (input.kind === "partition") {
    const partitions = input.partitions.map((p) => ({ ...p, directory: map(p.directory) }));
    return { ...chunk, input: { ...input, partitions } };
  }
  return chunk;
}

/** Whether a plan or chunk reads or writes files. */
export function usesFiles(spec: JobSpec, chunk: Chunk): boolean {
  return (
    spec.terminal.op === "write" ||
    spec.terminal.op === "shuffle" ||
    chunk.input.kind === "file" ||
    chunk.input.kind === "partition"
  );
}

/** `path` (absolute, on this machine) as a path under `root`, for a message; refuses one outside it. */
export function underRoot(root: string, path: string): string {
  const inside = relative(root, path);
  if (inside === "" || inside.startsWith(`..${sep}`) || inside === ".." || isAbsolute(inside)) {
    throw new Error(
      `${path} is not under the cluster's data root ${root}: the workers see only files under it ` +
        "(give paths under dataRoot, and spillDirectory too)",
    );
  }
  return inside.split(sep).join("/");
}

/** A path from a message, resolved under this worker's `root`; refused if absolute or if it leaves the root. */
export function resolveUnderRoot(root: string, path: string): string {
  if (typeof path !== "string" || path === "" || isAbsolute(path) || path.includes("\0"))
    throw new Error(`a path that is not relative to the data root: ${JSON.stringify(path)}`);
  const absolute = resolve(root, path);
  const inside = relative(root, absolute);
  if (inside === "" || inside === ".." || inside.startsWith(`..${sep}`) || isAbsolute(inside))
    throw new Error(`a path that leaves the data root: ${JSON.stringify(path)}`);
  return absolute;
}
