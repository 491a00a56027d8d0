// How a Parquet file's values become JavaScript values, exactly (docs/parquet.md has the table).
// hyparquet decodes most of them as weft wants: int64 as bigint, strings, lists as arrays, structs
// as objects, nulls as null. Two it would round are taken over here: decimals, which it turns into
// floating-point numbers, come back as exact text; timestamps finer than a millisecond can come
// back as the bigint the file stores.
import {
  parquetSchema,
  type FileMetaData,
  type ParquetParsers,
  type SchemaElement,
  type SchemaTree,
} from "hyparquet";
import type { ParquetFormat } from "../../protocol/files.ts";

export type Convert = (value: unknown) => unknown;

/** A file's metadata as weft reads it, and what makes a decoded row's values exact. */
export interface ExactReading {
  /** The metadata with decimal columns' annotations taken off, so hyparquet hands over their raw integers. */
  readonly metadata: FileMetaData;
  /** For each column with decimals in it (at any depth), what turns its decoded value into exact text. */
  readonly converters: ReadonlyMap<string, Convert>;
}

export function exactReading(metadata: FileMetaData): ExactReading {
  const root = parquetSchema(metadata);
  const converters = new Map(
    root.children.flatMap((column) => {
      const convert = converterOf(column);
      return convert ? [[column.element.name, convert] as const] : [];
    }),
  );
  const schema = metadata.schema.map((element) =>
    isDecimal(element) ? { ...element, converted_type: undefined, logical_type: undefined } : element,
  );
  return { metadata: { ...metadata, schema }, converters };
}

const isDecimal = (element: SchemaElement) =>
  element.converted_type === "DECIMAL" || element.logical_type?.type === "DECIMAL";

/** What turns a column's decoded value into weft's, or undefined if it has no decimal in it. */
function converterOf(node: SchemaTree): Convert | undefined {
  const one = valueConverter(node);
  // A repeated field outside a LIST annotation (Parquet's older lists) decodes as an array.
  if (!one || node.element.repetition_type !== "REPEATED") return one;
  return (value) => (Array.isArray(value) ? value.map(one) : value);
}

/** Like {@link converterOf}, for one value of the field even if it repeats. */
function valueConverter(node: SchemaTree): Convert | undefined {
  return node.children.length === 0 ? leafConverter(node.element) : groupConverter(node);
}

function leafConverter(element: SchemaElement): Convert | undefined {
  if (!isDecimal(element)) return undefined;
  const scale = element.scale ?? (element.logical_type?.type === "DECIMAL" ? element.logical_type.scale : 0);
  return (value) => (value === null || value === undefined ? value : decimalText(unscaled(value), scale));
}

function groupConverter(node: SchemaTree): Convert | undefined {
  const { element, children } = node;
  const kind = element.logical_type?.type ?? element.converted_type;
  if (kind === "LIST") {
    // Three levels (list > repeated group > element), or two in older files (list > repeated element).
    const repeated = children[0]!;
    const convert =
      repeated.children.length === 1 ? converterOf(repeated.children[0]!) : valueConverter(repeated);
    return convert && ((value) => (Array.isArray(value) ? value.map(convert) : value));
  }
  if (kind === "MAP" || kind === "MAP_KEY_VALUE") {
    const value = children[0]?.children[1];
    const convert = value && converterOf(value);
    return (
      convert &&
      ((map) =>
        map && typeof map === "object"
          ? Object.fromEntries(Object.entries(map).map(([k, v]) => [k, convert(v)]))
          : map)
    );
  }
  const fields = children.flatMap((child) => {
    const convert = converterOf(child);
    return convert ? [[child.element.name, convert] as const] : [];
  });
  if (fields.length === 0) return undefined;
  return (struct) => {
    if (!struct || typeof struct !== "object") return struct;
    const fixed = { ...(struct as Record<string, unknown>) };
    for (const [name, convert] of fields) fixed[name] = convert(fixed[name]);
    return fixed;
  };
}

/** A decimal's unscaled integer, as stored: an int32, an int64, or big-endian two's-complement bytes. */
function unscaled(raw: unknown): bigint {
  if (typeof raw === "bigint") return raw;
  if (typeof raw === "number") return BigInt(raw);
  const bytes = raw as Uint8Array;
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  const bits = BigInt(bytes.length * 8);
  return bytes.length > 0 && bytes[0]! >= 0x80 ? value - (1n << bits) : value;
}

/** `unscaled / 10^scale` as text with `scale` digits after the point, as DuckDB and Spark print it: 1234n, 2 gives "12.34". */
export function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  if (scale <= 0) return `${negative ? "-" : ""}${digits}${"0".repeat(-scale)}`;
  const padded = digits.padStart(scale + 1, "0");
  return `${negative ? "-" : ""}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

/** Rounds toward minus infinity, so an instant before 1970 keeps its millisecond. */
const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));

/** How hyparquet turns timestamps into values: a Date to the millisecond, or the integer the file stores. */
export function timestampParsers(timestamps: ParquetFormat["timestamps"]): Partial<ParquetParsers> {
  if (timestamps === "bigint") {
    const same = (value: bigint) => value;
    return {
      timestampFromMilliseconds: same,
      timestampFromMicroseconds: same,
      timestampFromNanoseconds: same,
    };
  }
  return {
    timestampFromMilliseconds: (ms: bigint) => new Date(Number(ms)),
    timestampFromMicroseconds: (us: bigint) => new Date(Number(floorDiv(us, 1000n))),
    timestampFromNanoseconds: (ns: bigint) => new Date(Number(floorDiv(ns, 1_000_000n))),
  };
}
