// A cheap estimate of the memory a value holds, to keep a worker's records and the results a pool
// holds back for their turn within their budgets.
// It need not be exact, only proportional: it is compared with the budget, never reported as a size.

/** Bytes of a heap entry's header and pointers, counted once per value. */
const slotBytes = 16;

/** About how many bytes `value` takes on the heap; nested values are counted to a small depth. */
export function approximateBytes(value: unknown, depth = 3): number {
  switch (typeof value) {
    case "string":
      return slotBytes + value.length * 2;
    case "number":
    case "boolean":
    case "undefined":
      return 8;
    case "bigint":
      return slotBytes + 8;
    case "object": {
      if (value === null) return 8;
      if (ArrayBuffer.isView(value)) return slotBytes + value.byteLength;
      if (depth === 0) return 64;
      let bytes = slotBytes;
      if (Array.isArray(value)) {
        for (const element of value) bytes += approximateBytes(element, depth - 1);
      } else {
        for (const key in value)
          bytes += 8 + approximateBytes((value as Record<string, unknown>)[key], depth - 1);
      }
      return bytes;
    }
    default:
      return slotBytes;
  }
}
