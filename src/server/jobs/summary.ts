// A job's answer as JSON: the store and the API hold JSON, and answers can be BigInts, Maps or
// typed arrays, too big to show whole or not JSON at all.

const shownEntries = 20;

/**
 * As `"answer"` (the default): one value is kept as `{ value }`; a collection as its size and its
 * first entries (a Map's largest values first, as in a word count). As `"entry"`: one element of
 * a collected result, made JSON-safe.
 */
export function summarize(value: unknown, as: "answer" | "entry" = "answer"): unknown {
  if (as === "entry") return jsonSafe(value);
  if (value instanceof Map) {
    const top = [...value.entries()]
      .sort(([, a], [, b]) => (typeof a === "number" && typeof b === "number" ? b - a : 0))
      .slice(0, shownEntries)
      .map(([k, v]) => [jsonSafe(k), jsonSafe(v)]);
    return { entries: value.size, top };
  }
  if (Array.isArray(value))
    return { entries: value.length, first: value.slice(0, shownEntries).map(jsonSafe) };
  return { value: jsonSafe(value) };
}

function jsonSafe(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value === undefined || typeof value === "function" || typeof value === "symbol") return null;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const array = value as unknown as ArrayLike<number | bigint>;
    return {
      length: array.length,
      first: Array.from({ length: Math.min(array.length, shownEntries) }, (_, i) => jsonSafe(array[i])),
    };
  }
  if (value instanceof Map) return summarize(value);
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  }
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return value;
}
