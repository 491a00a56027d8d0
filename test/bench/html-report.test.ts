// The HTML report opened as a user opens it, from a file in headless Chromium: every chart drawn with its
// data, no script or console error, nothing fetched from the network, and a screenshot to look at.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { renderHtmlReport } from "../../src/scaling/html-report.ts";
import type { BenchResults } from "../../src/scaling/results.ts";
import { launchChromium } from "../support/browser.ts";
import { checkLeaks } from "../support/leaks.ts";
import { sampleResults } from "./sample-results.ts";

checkLeaks();

const screenshotPath = fileURLToPath(new URL("../../test-artifacts/bench-report.png", import.meta.url));

// Text that would break out of a <script> element or inject markup if any of it were not escaped.
const hostile = `primes below 2,000,000 </script><script>window.injected = true</script> <b>&amp;</b>`;
const results: BenchResults = {
  ...sampleResults,
  workloads: sampleResults.workloads.map((w, i) => (i === 0 ? { ...w, description: hostile } : w)),
};

interface ChartProbe {
  readonly id: string;
  readonly found: boolean;
  readonly datasets: readonly { label: string; points: number; drawn: number }[];
  /** Share of the canvas's pixels that are not transparent. */
  readonly painted: number;
}

// Runs in the page. A string, not a function, because the tests are type-checked without the DOM library.
const probeCharts = `[...document.querySelectorAll("canvas")].map((canvas) => {
  const chart = Chart.getChart(canvas);
  if (chart === undefined) return { id: canvas.id, found: false, datasets: [], painted: 0 };
  const { left, right, top, bottom } = chart.chartArea;
  const inside = (e) => e.x >= left - 1 && e.x <= right + 1 && e.y >= top - 1 && e.y <= bottom + 1;
  const datasets = chart.data.datasets.map((dataset, i) => ({
    label: dataset.label,
    points: dataset.data.length,
    drawn: chart.getDatasetMeta(i).data.filter(inside).length,
  }));
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let opaque = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) opaque++;
  return { id: canvas.id, found: true, datasets, painted: opaque / (pixels.length / 4) };
})`;

it("renders every chart with its data, offline, without errors", { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), "weft-bench-report-"));
  // The launch is inside the try: a browser that fails to start must not leave the directory behind.
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const file = join(dir, "report.html");
    await writeFile(file, renderHtmlReport(results));
    const url = pathToFileURL(file).href;

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") {
        errors.push(`console ${message.type()}: ${message.text()}`);
      }
    });
    await page.goto(url, { waitUntil: "load" });

    const charts = await page.evaluate<ChartProbe[]>(probeCharts);
    const expectedIds = results.workloads.flatMap((_, i) => [
      `speedup-${i}`,
      `efficiency-${i}`,
      `timeline-${i}`,
    ]);
    assert.deepEqual(
      charts.map((c) => c.id),
      expectedIds,
    );
    for (const chart of charts) {
      assert.ok(chart.found, `${chart.id}: no Chart.js chart on the canvas`);
      assert.ok(chart.datasets.length > 0, `${chart.id}: no datasets`);
      for (const dataset of chart.datasets) {
        assert.ok(dataset.points > 0, `${chart.id} "${dataset.label}": no data points`);
        assert.equal(
          dataset.drawn,
          dataset.points,
          `${chart.id} "${dataset.label}": points outside the plot`,
        );
      }
      assert.ok(chart.painted > 0.02, `${chart.id}: the canvas is nearly blank (${chart.painted})`);
    }

    const speedup = charts[0]!.datasets.map((d) => d.label);
    assert.ok(speedup.includes("Amdahl model, f = 0.090"), `speedup chart datasets: ${speedup.join(" | ")}`);
    assert.ok(speedup.some((label) => label.startsWith("measured, oversubscribed")));
    const weak = charts[3]!.datasets.map((d) => d.label);
    assert.ok(weak.includes("Gustafson model, f = 0.191"), `weak scaling datasets: ${weak.join(" | ")}`);

    // The hostile description is shown as text, and the embedded results read back unchanged.
    assert.equal(await page.evaluate("window.injected === undefined"), true);
    assert.ok((await page.textContent("h2"))?.includes(hostile));
    assert.deepEqual(
      await page.evaluate(`JSON.parse(document.getElementById("weft-bench-results").textContent)`),
      results,
    );

    assert.deepEqual(errors, []);
    assert.deepEqual(requests, [url], "the report must not fetch anything: it has to open offline");

    await mkdir(join(screenshotPath, ".."), { recursive: true });
    await page.screenshot({ path: screenshotPath, fullPage: true });
  } finally {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  }
});
