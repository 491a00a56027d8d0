// The kernels of `npm run bench:pipe`, shared by the plain loop and by weft's tasks.

/** About 5 µs of integer mixing over a line's characters: CPU-heavy work per record. */
export function scoreKernel(line) {
  let h = 0x811c9dc5;
  for (let round = 0; round < 60; round++) {
    for (let i = 0; i < line.length; i++) h = Math.imul(h ^ line.charCodeAt(i), 0x01000193);
    h ^= h >>> 13;
  }
  return h >>> 0;
}

/** A line's length: a trivial task, so the pipe's own cost is what is measured. */
export function lengthKernel(line) {
  return line.length;
}
