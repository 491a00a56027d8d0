// The parts of cluster messages that name files on the shared data root: sinks and shuffles in a
// plan, file ranges and partitions in a chunk, and what a worker reports it wrote. Each is checked
// on arrival like the rest of a message: paths are strings (resolved under the root later, see
// protocol/data-paths.ts) and every file name is a bare name of the form weft writes, so neither a
// worker nor a coordinator ever opens or removes a file a message chose.

import { isAttemptFolder, isPartPath, sinkExtensions } from "../../protocol/sinks.ts";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const isPath = (v: unknown) => typeof v === "string" && v !== "" && !v.includes("\0");
const isSortKey = (v: unknown) => typeof v === "string" || typeof v === "bigint" || Number.isFinite(v);
const keyedKinds = ["reduceByKey", "groupBy", "distinct", "join", "sortBy"];

/** The names a shuffle's map side writes (shuffle-combiner.ts) and a partition's split writes (hash-merge.ts). */
const shuffleFileName = /^s[01]-[0-9a-f]+-[pr]\d+\.bin$/;

function keyedProblem(keyed: unknown, isNamedTask: (ref: unknown) => boolean): string | undefined {
  if (!isObject(keyed) || !keyedKinds.includes(keyed.kind as string)) return "an unknown keyed operation";
  if (keyed.kind === "reduceByKey" && !isNamedTask(keyed.combine))
    return "a combine that is not a module task";
  if (keyed.kind === "sortBy" && typeof keyed.descending !== "boolean") return "a sort without a direction";
  return undefined;
}

/** What is wrong with a sink's or a shuffle's terminal, if anything. */
export function dataTerminalProblem(
  terminal: Record<string, unknown>,
  isNamedTask: (ref: unknown) => boolean,
): string | undefined {
  if (!isPath(terminal.directory)) return "a directory that is not a path";
  if (terminal.op === "write") {
    const format = terminal.format;
    if (!isObject(format) || !Object.hasOwn(sinkExtensions, format.type as string))
      return "a sink of an unknown format";
    if (format.type === "csv" && !(typeof format.delimiter === "string" && format.delimiter !== ""))
      return "a CSV sink without its delimiter";
    if (
      format.type === "parquet" &&
      !(
        ["UNCOMPRESSED", "SNAPPY", "GZIP", "ZSTD", "BROTLI"].includes(format.compression as string) &&
        Number.isSafeInteger(format.rowGroupSize) &&
        (format.rowGroupSize as number) >= 1 &&
        (format.schema === undefined || isObject(format.schema))
      )
    )
      return "a Parquet sink without its compression and row group size";
    const { partitionBy } = terminal;
    if (
      partitionBy !== undefined &&
      !(Array.isArray(partitionBy) && partitionBy.every((field) => typeof field === "string" && field !== ""))
    )
      return "a sink whose partitionBy is not a list of field names";
    return typeof terminal.token === "string" && /^[0-9a-f]+$/.test(terminal.token)
      ? undefined
      : "a sink without its token";
  }
  if (!isCount(terminal.partitions) || (terminal.partitions as number) < 1)
    return "a shuffle without partitions";
  if (terminal.side !== 0 && terminal.side !== 1) return "a shuffle side that is not 0 or 1";
  if (!(typeof terminal.budget === "number" && terminal.budget > 0)) return "a shuffle without a budget";
  for (const field of ["key", "value"]) {
    if (terminal[field] !== undefined && !isNamedTask(terminal[field]))
      return `a ${field} that is not a module task`;
  }
  return keyedProblem(terminal.keyed, isNamedTask);
}

/** What is wrong with a chunk of file ranges or of partitions, if anything; and how many items it holds. */
export function dataInputProblem(
  input: Record<string, unknown>,
  isNamedTask: (ref: unknown) => boolean,
): string | number {
  if (input.kind === "file") {
    const format = input.format;
    if (!isObject(format) || !["lines", "json", "csv", "parquet"].includes(format.type as string))
      return "an unknown file format";
    if (format.type === "csv" && (typeof format.delimiter !== "string" || typeof format.split !== "boolean"))
      return "a CSV format without its settings";
    if (
      format.type === "parquet" &&
      (!(format.timestamps === "date" || format.timestamps === "bigint") ||
        !(
          format.columns === undefined ||
          (Array.isArray(format.columns) && format.columns.every((name) => typeof name === "string"))
        ))
    )
      return "a Parquet format without its settings";
    if (!Array.isArray(input.ranges)) return "file ranges that are not a list";
    for (const range of input.ranges as unknown[]) {
      if (!isObject(range) || !isPath(range.path) || !isCount(range.start) || !isCount(range.end))
        return "a file range without its path and bytes";
      if (typeof range.gzip !== "boolean") return "a file range that does not say if it is gzip";
      if (range.rowGroup !== undefined && !isCount(range.rowGroup))
        return "a file range whose row group is not a count";
      if (range.fields !== undefined && !isPartitionFields(range.fields))
        return "a file range whose partition fields are not names with a text, a number or null";
    }
    return input.ranges.length;
  }
  const keyed = keyedProblem(input.keyed, isNamedTask);
  if (keyed) return keyed;
  if (!(typeof input.budget === "number" && input.budget > 0)) return "partitions without a budget";
  if (!Array.isArray(input.partitions)) return "partitions that are not a list";
  for (const read of input.partitions as unknown[]) {
    if (!isObject(read) || !isCount(read.index) || !isPath(read.directory) || !Array.isArray(read.pieces))
      return "a partition without its index, directory and pieces";
    for (const piece of read.pieces as unknown[]) {
      if (!isObject(piece) || typeof piece.name !== "string" || !shuffleFileName.test(piece.name))
        return "a partition piece that is not a shuffle file's name";
      if (piece.side !== 0 && piece.side !== 1) return "a partition piece of no side";
      if (
        (piece.start !== undefined || piece.end !== undefined) &&
        !(isCount(piece.start) && isCount(piece.end))
      )
        return "a partition piece with a bad byte range";
    }
    for (const bound of [read.low, read.high]) {
      if (bound !== undefined && !(isObject(bound) && isSortKey(bound.key)))
        return "a partition bound that is not a key";
    }
  }
  return input.partitions.length;
}

/**
 * Whether a worker's report for a sink's or a shuffle's chunk has the shape the coordinator reads.
 * A sink's names only an attempt's folder and part paths (the sink checks they are of its job).
 */
export function dataPartialFits(partial: unknown, op: "write" | "shuffle"): boolean {
  if (!isObject(partial)) return false;
  if (op === "write") {
    const { attempt, files } = partial;
    const fileFits = (f: unknown) =>
      isObject(f) &&
      typeof f.path === "string" &&
      isPartPath(f.path) &&
      isCount(f.records) &&
      isCount(f.bytes) &&
      (f.schema === undefined || typeof f.schema === "string");
    return attempt === undefined
      ? Array.isArray(files) && files.length === 0
      : typeof attempt === "string" &&
          isAttemptFolder(attempt) &&
          Array.isArray(files) &&
          files.every(fileFits);
  }
  const { files, runs } = partial;
  if (!Array.isArray(files) || !Array.isArray(runs)) return false;
  const fileFits = (f: unknown) =>
    isObject(f) &&
    typeof f.name === "string" &&
    shuffleFileName.test(f.name) &&
    isCount(f.partition) &&
    (f.side === 0 || f.side === 1) &&
    isCount(f.records) &&
    isCount(f.bytes);
  const blockFits = (b: unknown) =>
    isObject(b) &&
    isCount(b.start) &&
    isCount(b.end) &&
    isCount(b.records) &&
    isSortKey(b.first) &&
    isSortKey(b.last);
  const runFits = (r: unknown) =>
    isObject(r) &&
    typeof r.name === "string" &&
    shuffleFileName.test(r.name) &&
    Array.isArray(r.blocks) &&
    r.blocks.every(blockFits);
  return files.every(fileFits) && runs.every(runFits);
}

function isPartitionFields(fields: unknown): boolean {
  return (
    isObject(fields) &&
    Object.values(fields).every((v) => v === null || typeof v === "string" || typeof v === "number")
  );
}
