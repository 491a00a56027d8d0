// The demo page: starts a pool of web workers, compares the two ways of rendering the set, draws the
// image and shows the speedup. The outcome is left on window.demo for the browser test.
import { weft } from "weft/browser";
import { compare } from "./render.ts";
import { scene } from "./tasks.ts";

const rounds = 3;
const pool = await weft();
const $ = (id) => document.getElementById(id);
$("workers").textContent = String(pool.workers);

const median = (times) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
const ms = (t) => `${t.toFixed(0)} ms`;

function draw(rows) {
  const canvas = $("image");
  canvas.width = scene.width;
  canvas.height = scene.height;
  const context = canvas.getContext("2d");
  const image = context.createImageData(scene.width, scene.height);
  rows.forEach((row, y) =>
    row.forEach((iterations, x) => {
      // Inside the set black; outside, the longer a point took to escape, the lighter.
      const inside = iterations === scene.maxIter;
      const light = Math.sqrt(iterations / scene.maxIter);
      const color = inside ? [0, 0, 0] : [20 + 235 * light, 30 + 225 * light, 90 + 165 * light];
      image.data.set([...color, 255], 4 * (y * scene.width + x));
    }),
  );
  context.putImageData(image, 0, 0);
}

async function run() {
  $("run").disabled = true;
  const { times, speedup, identical, rows } = await compare(pool, rounds);
  draw(rows);
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
