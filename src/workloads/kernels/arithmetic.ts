// The small arithmetic the workloads map and reduce with.

export function add(a: number, b: number): number {
  return a + b;
}

/** Addition modulo 2^32: exact and order-free for any number of 32-bit values, unlike a sum past 2^53. */
export function addUint32(a: number, b: number): number {
  return (a + b) >>> 0;
}

/** i² as a BigInt, so a sum of squares stays exact long after doubles would round it. */
export function squareBigInt(i: number): bigint {
  const b = BigInt(i);
  return b * b;
}

export function addBigInts(a: bigint, b: bigint): bigint {
  return a + b;
}

export function one(): number {
  return 1;
}
