// node:util in a web page: `inspect`, which error messages use to preview the item that failed.

interface InspectOptions {
  readonly depth?: number;
  readonly maxArrayLength?: number;
  readonly maxStringLength?: number;
}

/** A one-line rendering of a value, close to Node's for the values tasks take: quoted strings, arrays, objects. */
export function inspect(value: unknown, options: InspectOptions = {}, depth = 0): string {
  const { depth: maxDepth = 2, maxArrayLength = 100, maxStringLength = Infinity } = options;
  if (typeof value === "string") {
    const shown = value.length > maxStringLength ? `${value.slice(0, maxStringLength)}...` : value;
    return `'${shown}'`;
  }
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return `[Function: ${value.name || "(anonymous)"}]`;
  if (typeof value !== "object" || value === null) return Object.is(value, -0) ? "-0" : String(value);
  if (depth > maxDepth) return Array.isArray(value) ? "[Array]" : "[Object]";
  const inner = (v: unknown) => inspect(v, options, depth + 1);
  if (Array.isArray(value)) {
    const shown = value.slice(0, maxArrayLength).map(inner);
    if (value.length > maxArrayLength) shown.push(`... ${value.length - maxArrayLength} more items`);
    return `[ ${shown.join(", ")} ]`;
  }
  if (value instanceof Map)
    return `Map(${value.size}) { ${[...value].map(([k, v]) => `${inner(k)} => ${inner(v)}`).join(", ")} }`;
  if (value instanceof Set) return `Set(${value.size}) { ${[...value].map(inner).join(", ")} }`;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  const entries = Object.entries(value).map(([k, v]) => `${k}: ${inner(v)}`);
  return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`;
}
