// The demo page: renders the set sequentially and with weft in alternating rounds, draws the image
// and shows the speedup. The outcome is left on window.demo for the browser test.
import { weft } from "weft/browser";
import { renderRow, scene } from "./tasks.ts";

const rounds = 3;
const pool = await weft();
const $ = (id) => document.getElementById(id);
$("workers").textContent = String(pool.workers);

const median = (times) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
const ms = (t) => `${t.toFixed(0)} ms`;

async function timed(render) {
  const start = performance.now();
  const rows = await render();
  return { rows, ms: performance.now() - start };
}

const sequential = () => Array.from({ length: scene.height }, (_, y) => renderRow(y));
const parallel = () => pool.range(0, scene.height).map(renderRow).collect();

function draw(rows) {
  const canvas = $("image");
  canvas.width = scene.width;
  canvas.height = scene.height;
  const context = canvas.getContext("2d");
  const image = context.createImageData(scene.width, scene.height);
  rows.forEach((row, y) =>
    row.forEach((iterations, x) => {
      const at = 4 * (y * scene.width + x);
      // Inside the set black; outside, the longer a point took to escape, the lighter.
      const inside = iterations === scene.maxIter;
      const light = Math.sqrt(iterations / scene.maxIter);
      image.data.set(
        inside ? [0, 0, 0, 255] : [20 + 235 * light, 30 + 225 * light, 90 + 165 * light, 255],
        at,
      );
    }),
  );
  context.putImageData(image, 0, 0);
}

const sameRows = (a, b) => a.length === b.length && a.every((row, y) => row.every((v, x) => v === b[y][x]));

async function run() {
  $("run").disabled = true;
  // One untimed round of each first, so both are timed warm.
  await timed(sequential);
  await timed(parallel);
  const times = { sequential: [], parallel: [] };
  let identical = true;
  let rows;
  for (let round = 0; round < rounds; round++) {
    const one = await timed(sequential);
    const many = await timed(parallel);
    times.sequential.push(one.ms);
    times.parallel.push(many.ms);
    identical &&= sameRows(one.rows, many.rows);
    rows = many.rows;
  }
  draw(rows);
  const speedup = median(times.sequential) / median(times.parallel);
  $("sequential").textContent = ms(median(times.sequential));
  $("parallel").textContent = ms(median(times.parallel));
  $("sequential-rounds").textContent = times.sequential.map(ms).join(", ");
  $("parallel-rounds").textContent = times.parallel.map(ms).join(", ");
  $("speedup").textContent = identical
    ? `${speedup.toFixed(2)}× faster on ${pool.workers} web workers, the same image.`
    : "The images differ: please report this.";
  $("run").disabled = false;
  return { workers: pool.workers, times, speedup, identical };
}

$("run").addEventListener("click", () => void (window.demo = run()));
window.demo = run();
