// The task stream: every finished chunk is a bar on its worker's row, over the last few seconds,
// coloured by what ran (the workload or task name). Bars arrive as "chunk" events; the chart is
// redrawn at most a few times a second, and only while something changed or is sliding out of view.
import { byId, el, reconcile } from "./dom.js";

/** Bars kept at most: older ones are dropped, so a long job does not slow the page. */
const maxBars = 2_000;
const redrawEveryMs = 250;

// Tableau 10: distinct at a glance, and readable on white.
const palette = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

const rowLabel = (worker) => `worker ${worker}`;

export class TaskStream {
  /** Chunks, oldest first: { jobId, worker, startedAt, endedAt, items, task }, times on the server's clock. */
  #bars = [];
  #workers = new Set();
  /** The catalog's names in order: each of the first ten gets its own palette colour. */
  #knownTasks = [];
  #seenTasks = new Set();
  /** The server's clock minus ours, in ms, or undefined before the first chunk: see add(). */
  #clockOffset;
  #latestEnd = -Infinity;
  #windowMs;
  /** How long a bar can stay on screen: the longest window on offer. */
  #keepMs;
  #dirty = true;
  #lastDraw = -Infinity;
  #chart;

  constructor() {
    const windowSelect = byId("stream-window");
    this.#windowMs = Number(windowSelect.value) * 1_000;
    this.#keepMs = Math.max(...[...windowSelect.options].map((option) => Number(option.value))) * 1_000;
    windowSelect.addEventListener("change", () => {
      this.#windowMs = Number(windowSelect.value) * 1_000;
      this.#dirty = true;
    });
    this.#chart = new Chart(byId("task-stream"), {
      type: "bar",
      data: { labels: [], datasets: [] },
      options: {
        indexAxis: "y",
        animation: false,
        maintainAspectRatio: false,
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items) => items[0].raw.bar.task,
              label: ({ raw: { bar } }) =>
                `${bar.items.toLocaleString("en-US")} items in ${bar.endedAt - bar.startedAt} ms, job ${bar.jobId}`,
            },
          },
        },
        scales: {
          x: {
            type: "linear",
            max: 0,
            title: { display: true, text: "seconds ago" },
            ticks: { callback: (value) => (value === 0 ? "now" : `${-value}`) },
          },
          y: { type: "category", grid: { display: false } },
        },
      },
    });
    requestAnimationFrame(this.#tick);
  }

  /** The workload and task names from the catalog, so each built-in gets its own colour. */
  setKnownTasks(names) {
    this.#knownTasks = names;
    this.#renderLegend();
    this.#dirty = true;
  }

  /** The pool's workers: each gets a row, busy or not. */
  setWorkers(workers) {
    for (const { worker } of workers) this.#workers.add(worker);
    this.#dirty = true;
  }

  add(chunk) {
    // The window ends at the server's "now", so a skewed browser clock does not shift every bar. A chunk
    // ended before its event arrived, so endedAt - Date.now() is at most the offset; the largest such
    // value seen is the best estimate of it.
    this.#clockOffset = Math.max(this.#clockOffset ?? -Infinity, chunk.endedAt - Date.now());
    this.#latestEnd = Math.max(this.#latestEnd, chunk.endedAt);
    this.#bars.push(chunk);
    // Capped here as well as by age when drawing: a hidden tab gets no animation frames.
    if (this.#bars.length > maxBars) this.#bars.shift();
    this.#workers.add(chunk.worker);
    if (!this.#seenTasks.has(chunk.task)) {
      this.#seenTasks.add(chunk.task);
      this.#renderLegend();
    }
    this.#dirty = true;
  }

  #tick = (time) => {
    requestAnimationFrame(this.#tick);
    if (time - this.#lastDraw < redrawEveryMs) return;
    const now = Date.now() + (this.#clockOffset ?? 0);
    // After the last change, bars keep sliding left until the newest one has left the window.
    if (!this.#dirty && this.#latestEnd + this.#windowMs + redrawEveryMs < now) return;
    this.#lastDraw = time;
    this.#dirty = false;
    this.#draw(now);
  };

  #draw(now) {
    const recent = this.#bars.findIndex((bar) => bar.endedAt >= now - this.#keepMs);
    this.#bars.splice(0, recent === -1 ? this.#bars.length : recent);

    const shownFrom = now - this.#windowMs;
    const byTask = new Map();
    for (const bar of this.#bars) {
      if (bar.endedAt < shownFrom) continue;
      if (!byTask.has(bar.task)) byTask.set(bar.task, []);
      byTask.get(bar.task).push({
        x: [(bar.startedAt - now) / 1_000, (bar.endedAt - now) / 1_000],
        y: rowLabel(bar.worker),
        bar,
      });
    }
    const chart = this.#chart;
    chart.data.labels = [...this.#workers].sort((a, b) => a - b).map(rowLabel);
    chart.data.datasets = [...byTask].map(([task, data]) => ({
      label: task,
      data,
      backgroundColor: this.#colour(task),
      // Bars of different tasks share a worker's row instead of each taking a slot of it.
      grouped: false,
      barPercentage: 0.8,
      categoryPercentage: 1,
      // A 5 ms chunk in a 30 s window is a tenth of a pixel: still show it.
      minBarLength: 2,
    }));
    chart.options.scales.x.min = -this.#windowMs / 1_000;
    chart.update("none");
  }

  #renderLegend() {
    reconcile(byId("task-legend"), [...this.#seenTasks].sort(), {
      keyName: "task",
      keyOf: (task) => task,
      create: (task) => el("li", { dataset: { task } }, el("span", { className: "swatch" }), task),
      update: (node, task) => {
        node.firstElementChild.style.backgroundColor = this.#colour(task);
      },
    });
  }

  #colour(task) {
    const index = this.#knownTasks.indexOf(task);
    if (index !== -1 && index < palette.length) return palette[index];
    // Any other name: a hue from its hash, the same on every page load.
    let hash = 0;
    for (const char of task) hash = (Math.imul(hash, 31) + char.codePointAt(0)) | 0;
    return `hsl(${Math.abs(hash) % 360} 55% 50%)`;
  }
}
