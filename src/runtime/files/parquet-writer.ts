// A sink's Parquet part (writeParquet): records are held until a row group's worth has come, then
// encoded by hyparquet-writer, so a part's bytes leave as each row group is done. The schema is the
// one the part's first row group shows (docs/parquet.md has the mapping): every later record must
// fit it, and one that does not fails as itself, naming the field, before anything of it is written.
import { brotliCompressSync, gzipSync, zstdCompressSync } from "node:zlib";
import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import type { ParquetType, SinkFormat } from "../../protocol/sinks.ts";
import type { PartEncoder } from "./part-encoders.ts";

type ParquetSink = SinkFormat & { type: "parquet" };
/** A schema element as hyparquet-writer takes it (it brings its own copy of hyparquet's types). */
type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]["schema"][number];

/** A leaf's Parquet type, by the JavaScript value that makes it. */
type Leaf = "INT64" | "DOUBLE" | "STRING" | "BOOLEAN" | "TIMESTAMP" | "BYTES";

/** What a field's values have shown so far; a field only ever null is "unknown" (written as text). */
type Shape =
  | { readonly kind: "unknown" }
  | { readonly kind: "leaf"; readonly type: Leaf }
  | { readonly kind: "list"; readonly element: Shape }
  | { readonly kind: "struct"; readonly fields: ReadonlyMap<string, Shape> };

const unknown: Shape = { kind: "unknown" };

/** The codecs weft writes, and Node's own compressors for those hyparquet-writer lacks (it has snappy). */
const compressors = {
  GZIP: (input: Uint8Array) => gzipSync(input),
  ZSTD: (input: Uint8Array) => zstdCompressSync(input),
  BROTLI: (input: Uint8Array) => brotliCompressSync(input),
};

export class ParquetEncoder implements PartEncoder {
  readonly #format: ParquetSink;
  /** The records' fields, in the order they first appeared. */
  #columns: ReadonlyMap<string, Shape> = new Map();
  #rows: Record<string, unknown>[] = [];
  readonly #bytes = new ByteWriter();
  /** Made with the first row group: from then on the schema is fixed. */
  #writer: ParquetWriter | undefined;

  constructor(format: ParquetSink) {
    this.#format = format;
    const given = Object.entries(format.schema ?? {});
    this.#columns = new Map(given.map(([name, type]) => [name, shapeOfType(type)]));
  }

  write(record: unknown): void {
    if (!isPlainObject(record))
      throw new TypeError(
        `writeParquet writes objects, one row each, and this item is ${describeValue(record)}`,
      );
    this.#columns = absorbFields(this.#columns, record, "", this.#writer !== undefined);
    this.#rows.push(record);
  }

  take(): Uint8Array | undefined {
    const size = this.#format.rowGroupSize;
    while (this.#rows.length >= size) this.#encode(this.#rows.splice(0, size));
    return this.#drain();
  }

  end(): Uint8Array | undefined {
    if (this.#rows.length > 0 || this.#writer === undefined) this.#encode(this.#rows.splice(0));
    void this.#writer!.finish();
    return this.#drain();
  }

  /** The columns and their types: every part of a dataset must have the same. */
  schema(): string {
    return describeFields(this.#columns);
  }

  #encode(rows: readonly Record<string, unknown>[]): void {
    this.#writer ??= new ParquetWriter({
      writer: this.#bytes,
      schema: schemaOf(this.#columns),
      codec: this.#format.compression,
      compressors,
      createdBy: "weft (hyparquet-writer)",
    });
    const columnData = [...this.#columns.keys()].map((name) => ({
      name,
      data: rows.map((row) => row[name] ?? null),
    }));
    void this.#writer.write({ columnData, rowGroupSize: Math.max(1, rows.length) });
  }

  /** The bytes encoded since the last call; the writer keeps counting offsets from the file's start. */
  #drain(): Uint8Array | undefined {
    if (this.#bytes.index === 0) return undefined;
    const bytes = this.#bytes.getBytes().slice();
    this.#bytes.index = 0;
    return bytes;
  }
}

/**
 * `fields` with `record`'s fields absorbed: a new field, or a field's first value, widens the shape;
 * a value of another type fails, naming its field. Once `fixed` (the schema is written), nothing
 * widens. Returns `fields` itself when nothing changed, and never changes it.
 */
function absorbFields(
  fields: ReadonlyMap<string, Shape>,
  record: Record<string, unknown>,
  path: string,
  fixed: boolean,
): ReadonlyMap<string, Shape> {
  let next: Map<string, Shape> | undefined;
  for (const key of Object.keys(record)) {
    const before = fields.get(key);
    const where = path === "" ? key : `${path}.${key}`;
    if (before === undefined && fixed)
      throw new TypeError(
        `field ${where} is not in this part's Parquet schema, which its first row group set (${describeFields(fields)})`,
      );
    const after = absorb(before ?? unknown, record[key], where, fixed);
    if (after !== before) (next ??= new Map(fields)).set(key, after);
  }
  return next ?? fields;
}

function absorb(shape: Shape, value: unknown, where: string, fixed: boolean): Shape {
  if (value === null || value === undefined) return shape;
  const seen = shapeKind(value, where);
  if (shape.kind === "unknown") {
    if (fixed)
      throw new TypeError(
        `field ${where} was null in all of this part's first row group, so it is written as text, and here it is ${describeValue(value)}`,
      );
    return seen.kind === "leaf" ? seen : absorb(seen, value, where, fixed);
  }
  if (shape.kind !== seen.kind || (shape.kind === "leaf" && seen.kind === "leaf" && shape.type !== seen.type))
    throw new TypeError(
      `field ${where} is ${describeValue(value)} here and ${describeShape(shape)} before: a Parquet column has one type`,
    );
  if (shape.kind === "list") {
    let element = shape.element;
    (value as unknown[]).forEach((item, k) => (element = absorb(element, item, `${where}[${k}]`, fixed)));
    return element === shape.element ? shape : { kind: "list", element };
  }
  if (shape.kind === "struct") {
    const fields = absorbFields(shape.fields, value as Record<string, unknown>, where, fixed);
    return fields === shape.fields ? shape : { kind: "struct", fields };
  }
  return shape;
}

/** The shape of a value by its kind alone: a list's elements and a struct's fields are absorbed after. */
function shapeKind(value: unknown, where: string): Shape {
  switch (typeof value) {
    case "bigint":
      if (value < -(2n ** 63n) || value >= 2n ** 63n)
        throw new TypeError(`field ${where} is ${value}, beyond a Parquet int64 (a signed 64-bit integer)`);
      return { kind: "leaf", type: "INT64" };
    case "number":
      return { kind: "leaf", type: "DOUBLE" };
    case "string":
      return { kind: "leaf", type: "STRING" };
    case "boolean":
      return { kind: "leaf", type: "BOOLEAN" };
  }
  if (value instanceof Date) return { kind: "leaf", type: "TIMESTAMP" };
  if (value instanceof Uint8Array) return { kind: "leaf", type: "BYTES" };
  if (Array.isArray(value)) return { kind: "list", element: unknown };
  if (isPlainObject(value)) {
    if (Object.keys(value).length === 0)
      throw new TypeError(
        `field ${where} is an empty object, which Parquet cannot hold (a struct has fields)`,
      );
    return { kind: "struct", fields: new Map() };
  }
  throw new TypeError(
    `field ${where} is ${describeValue(value)}, which writeParquet cannot write: give a number, bigint, string, boolean, Date, Uint8Array, array or plain object`,
  );
}

/** The shape the `schema` option gives a column. */
function shapeOfType(type: ParquetType): Shape {
  if (typeof type === "string") {
    const leaf = type === "bytes" ? "BYTES" : (type.toUpperCase() as Leaf);
    return { kind: "leaf", type: leaf };
  }
  if (Array.isArray(type)) return { kind: "list", element: shapeOfType((type as readonly [ParquetType])[0]) };
  const fields = Object.entries(type as Record<string, ParquetType>);
  return { kind: "struct", fields: new Map(fields.map(([name, inner]) => [name, shapeOfType(inner)])) };
}

/** The Parquet schema of the fields, flattened as the format stores it (root first, then depth first). */
function schemaOf(columns: ReadonlyMap<string, Shape>): SchemaElement[] {
  const schema: SchemaElement[] = [{ name: "root", num_children: columns.size }];
  const add = (name: string, shape: Shape): void => {
    const repetition_type = "OPTIONAL";
    if (shape.kind === "list") {
      // The three-level list of the Parquet spec, which every reader takes.
      schema.push({ name, repetition_type, converted_type: "LIST", num_children: 1 });
      schema.push({ name: "list", repetition_type: "REPEATED", num_children: 1 });
      add("element", shape.element);
    } else if (shape.kind === "struct") {
      schema.push({ name, repetition_type, num_children: shape.fields.size });
      for (const [field, inner] of shape.fields) add(field, inner);
    } else {
      schema.push({ name, repetition_type, ...leafElement(shape.kind === "leaf" ? shape.type : "STRING") });
    }
  };
  for (const [name, shape] of columns) add(name, shape);
  return schema;
}

function leafElement(type: Leaf): Omit<SchemaElement, "name"> {
  switch (type) {
    case "STRING":
      return { type: "BYTE_ARRAY", converted_type: "UTF8" };
    case "BYTES":
      return { type: "BYTE_ARRAY" };
    case "TIMESTAMP":
      return {
        type: "INT64",
        converted_type: "TIMESTAMP_MILLIS",
        logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MILLIS" },
      };
    default:
      return { type };
  }
}

function describeFields(fields: ReadonlyMap<string, Shape>): string {
  return [...fields].map(([name, shape]) => `${name} ${describeShape(shape)}`).join(", ");
}

function describeShape(shape: Shape): string {
  switch (shape.kind) {
    case "unknown":
      // Written as text: the same column as a text one, for the pool's check that parts agree.
      return "STRING";
    case "leaf":
      return shape.type;
    case "list":
      return `LIST<${describeShape(shape.element)}>`;
    case "struct":
      return `STRUCT<${describeFields(shape.fields)}>`;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a Date";
  if (value instanceof Uint8Array) return "a Uint8Array";
  if (typeof value === "object")
    return isPlainObject(value) ? "an object" : `a ${value.constructor?.name ?? "object"}`;
  return `a ${typeof value}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
