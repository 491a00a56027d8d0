// The notebook's charts and tables. Each chart is a Vega-Lite spec rendered to SVG here in Node, so the
// stored notebook shows it on a code host without running anything; tables are plain HTML.

/** Vega and Vega-Lite, loaded once and only when a chart is drawn (they are ES modules with top-level await). */
let libraries;

async function render(spec) {
  libraries ??= { vega: await import("vega"), vegaLite: await import("vega-lite") };
  const { vega, vegaLite } = libraries;
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const width = 560;
const config = {
  font: "Helvetica, Arial, sans-serif",
  view: { stroke: "#ddd" },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: "normal" },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: "normal", labelLimit: 320 },
  title: { fontSize: 14, fontWeight: "normal", anchor: "start" },
};

function chart(title, spec) {
  return render({ $schema: "https://vega.github.io/schema/vega-lite/v6.json", title, config, ...spec });
}

const workerColor = { field: "worker", type: "nominal", title: "worker", scale: { scheme: "tableau10" } };

/** Horizontal bars, one per row: `{ label, value }`. */
export function bars(rows, { title, valueTitle }) {
  return chart(title, {
    width,
    height: 28 * rows.length,
    data: { values: rows },
    mark: { type: "bar", color: "#4c78a8" },
    encoding: {
      y: { field: "label", type: "nominal", sort: null, title: null },
      x: { field: "value", type: "quantitative", title: valueTitle },
    },
  });
}

/** Chunk records from `pool.events.on("chunk")` relative to the first chunk's start, in ms. */
function relative(chunks, origin) {
  const t0 = origin ?? Math.min(...chunks.map((c) => c.startedAt));
  return chunks.map((c) => ({
    worker: c.worker,
    items: c.items,
    start: c.startedAt - t0,
    end: c.endedAt - t0,
    ms: c.endedAt - c.startedAt,
  }));
}

/** Items per chunk against the time the chunk started, one colour per worker, on a log scale. */
export function chunkSizes(chunks, { title }) {
  return chart(title, {
    width,
    height: 240,
    data: { values: relative(chunks) },
    mark: { type: "point", filled: true, size: 36, opacity: 0.8 },
    encoding: {
      x: { field: "start", type: "quantitative", title: "chunk started at (ms)" },
      y: {
        field: "items",
        type: "quantitative",
        scale: { type: "log" },
        title: "items in the chunk (log scale)",
      },
      color: workerColor,
      tooltip: [{ field: "items" }, { field: "ms", format: ".1f" }],
    },
  });
}

/**
 * One row per worker, one bar per chunk from its start to its end: where bars touch the worker was
 * busy, where they do not it waited. `marks` adds labelled vertical lines at moments (ms from `origin`).
 */
export function timeline(chunks, { title, origin, marks = [] }) {
  const bars = {
    data: { values: relative(chunks, origin) },
    mark: { type: "bar", stroke: "white", strokeWidth: 0.5, height: { band: 0.8 } },
    encoding: {
      y: { field: "worker", type: "ordinal", title: "worker" },
      x: { field: "start", type: "quantitative", title: "ms from the start of the job" },
      x2: { field: "end" },
      color: {
        field: "items",
        type: "quantitative",
        title: "items per chunk",
        scale: { type: "log", scheme: "viridis" },
      },
    },
  };
  const rules = {
    data: { values: marks },
    layer: [
      {
        mark: { type: "rule", color: "#d62728", strokeWidth: 2 },
        encoding: { x: { field: "at", type: "quantitative" } },
      },
      {
        mark: { type: "text", color: "#d62728", align: "left", dx: 4, dy: -4, baseline: "bottom" },
        encoding: { x: { field: "at", type: "quantitative" }, y: { value: 0 }, text: { field: "label" } },
      },
    ],
  };
  const workers = new Set(chunks.map((c) => c.worker)).size;
  return chart(title, {
    width,
    height: Math.max(60, 34 * workers),
    layer: marks.length > 0 ? [bars, rules] : [bars],
  });
}

/** A series of values by index, as an area: e.g. what each row of an image cost. */
export function profile(values, { title, xTitle, yTitle }) {
  return chart(title, {
    width,
    height: 160,
    data: { values: values.map((value, index) => ({ index, value })) },
    mark: { type: "area", line: true, opacity: 0.6 },
    encoding: {
      x: { field: "index", type: "quantitative", title: xTitle },
      y: { field: "value", type: "quantitative", title: yTitle },
    },
  });
}

/**
 * Measured speedups against a scaling law: the ideal (speedup = workers), the law with the fitted
 * serial fraction, optionally the law with another fraction for comparison, and the points, hollow
 * where more workers than cores were oversubscribed (shown, not fitted).
 */
export function scaling({ title, points, law, fitted, compare, maxWorkers, cores }) {
  const curve = (f, name) =>
    Array.from({ length: maxWorkers * 4 - 3 }, (_, i) => 1 + i / 4).map((p) => ({
      workers: p,
      speedup: law.speedup(f, p),
      line: name,
    }));
  const names = [
    "ideal",
    `${law.name}, fitted f = ${fitted.toFixed(3)}`,
    ...(compare ? [compare.label] : []),
  ];
  const lines = [
    ...Array.from({ length: maxWorkers }, (_, i) => ({ workers: i + 1, speedup: i + 1, line: names[0] })),
    ...curve(fitted, names[1]),
    ...(compare ? curve(compare.f, names[2]) : []),
  ];
  const x = {
    field: "workers",
    type: "quantitative",
    title: "workers",
    scale: { domain: [1, maxWorkers], nice: false },
  };
  const kinds = ["measured", `measured, more workers than the ${cores} cores`];
  const measured = points.map((p) => ({
    workers: p.workers,
    speedup: p.speedup,
    kind: kinds[p.oversubscribed ? 1 : 0],
  }));
  return chart(title, {
    width,
    height: 260,
    layer: [
      {
        data: { values: [{ from: cores, to: maxWorkers }] },
        mark: { type: "rect", color: "#f2f2f2" },
        encoding: { x: { ...x, field: "from" }, x2: { field: "to" } },
      },
      {
        data: { values: lines },
        mark: { type: "line", strokeWidth: 2 },
        encoding: {
          x,
          y: { field: "speedup", type: "quantitative", title: "speedup over sequential" },
          color: {
            field: "line",
            type: "nominal",
            title: null,
            scale: { domain: names, range: ["#999", "#4c78a8", "#f58518"] },
          },
          strokeDash: {
            field: "line",
            type: "nominal",
            legend: null,
            scale: {
              domain: names,
              range: [
                [4, 4],
                [1, 0],
                [2, 2],
              ],
            },
          },
        },
      },
      {
        data: { values: measured },
        mark: { type: "point", size: 90, strokeWidth: 2, color: "#d62728" },
        encoding: {
          x,
          y: { field: "speedup", type: "quantitative" },
          shape: { field: "kind", type: "nominal", title: null, scale: { domain: kinds } },
          fill: {
            field: "kind",
            type: "nominal",
            legend: null,
            scale: { domain: kinds, range: ["#d62728", "transparent"] },
          },
        },
      },
    ],
    resolve: { scale: { color: "independent" } },
  });
}

/** y against x with points, x on a log scale: e.g. speedup against the size of the job. */
export function logLine(rows, { title, x, y, xTitle, yTitle, series }) {
  return chart(title, {
    width,
    height: 220,
    data: { values: rows },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: x, type: "quantitative", scale: { type: "log", nice: false, padding: 16 }, title: xTitle },
      y: { field: y, type: "quantitative", title: yTitle },
      ...(series && { color: { field: series, type: "nominal", title: null } }),
    },
  });
}

const escapes = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
const escape = (value) => String(value).replace(/[&<>"]/g, (c) => escapes[c]);
const numeric = /^[-+]?[\d,.]+\s*(?:x|%|ms|s)?$|^-$/;

/** An HTML table; cells that read as numbers are right-aligned. */
export function table(headers, rows) {
  const cell = (tag, value) => {
    const align = numeric.test(String(value).trim())
      ? ' style="text-align:right"'
      : ' style="text-align:left"';
    return `<${tag}${align}>${escape(value)}</${tag}>`;
  };
  const head = `<tr>${headers.map((h) => cell("th", h)).join("")}</tr>`;
  const body = rows.map((row) => `<tr>${row.map((v) => cell("td", v)).join("")}</tr>`).join("");
  return `<table><thead>${head}</thead><tbody>${body}</tbody></table>`;
}
