// Big results: each tile of an image is rendered on a worker into a buffer of its own, moved back
// to the pool with transfer() instead of copied, and checked against the sequential backend.
// Run it: `node --import tsx examples/tiles.ts`.
import { createHash } from "node:crypto";
import { weft, type WeftOptions } from "../src/index.ts";
import { renderTile, type Tile } from "./tile-tasks.ts";

const tiles = 16;
const size = 128;
const grid: Tile[] = Array.from({ length: tiles * tiles }, (_, k) => ({
  row: Math.floor(k / tiles),
  column: k % tiles,
  size,
  tiles,
}));

/** The image's tiles rendered on a pool, and a digest of their pixels in order. */
async function render(options: WeftOptions) {
  await using pool = await weft(options);
  await pool.from(grid).map(renderTile).count(); // warms the workers' code: the timed run is the second
  const started = performance.now();
  const pixels = await pool.from(grid).map(renderTile).collect();
  const ms = performance.now() - started;
  const hash = createHash("sha256");
  for (const tile of pixels) hash.update(tile);
  return {
    ms,
    workers: pool.workers,
    bytes: pixels.reduce((sum, tile) => sum + tile.byteLength, 0),
    digest: hash.digest("hex"),
  };
}

const parallel = await render({});
const sequential = await render({ backend: "sequential" });
console.log(
  `${grid.length} tiles of ${size}x${size} (${parallel.bytes.toLocaleString("en-US")} bytes) on ${parallel.workers} workers: ` +
    `${parallel.ms.toFixed(0)} ms warm, sequential ${sequential.ms.toFixed(0)} ms`,
);
console.log(`the sequential backend's pixels agree: ${parallel.digest === sequential.digest}`);
