// The dashboard in a real browser (Debian's Chromium, driven by playwright-core; nothing downloaded):
// submit a job from the page, watch the task stream fill and the job finish.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import type { Browser } from "playwright-core";
import { startServer } from "../../src/server/server.ts";
import { launchChromium } from "../support/browser.ts";
import { checkLeaks } from "../support/leaks.ts";

checkLeaks();

/** The part of a Chart.js chart the test reads. */
interface BrowserChart {
  readonly data: { readonly datasets: readonly { readonly data: readonly unknown[] }[] };
}
const artifacts = fileURLToPath(new URL("../../test-artifacts/", import.meta.url));
const tasks = fileURLToPath(new URL("../fixtures/tasks.ts", import.meta.url));

test(
  "a job submitted from the dashboard fills the task stream and finishes",
  { timeout: 240_000 },
  async () => {
    const server = await startServer({ tasks: [tasks], port: 0, db: ":memory:", workers: 2 });
    // The launch is inside the try: a browser that fails to start must not leave the server running.
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      // A generous bound on each wait, inside the test's own, so a failure still closes what it started.
      page.setDefaultTimeout(120_000);
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(error.message));
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(message.text());
      });
      page.on("request", (request) => {
        if (!request.url().startsWith(server.url))
          problems.push(`request outside the server: ${request.url()}`);
      });

      await page.goto(server.url);
      await page.locator("#connection-state[data-state=live]").waitFor();
      await page.locator("#submit-button:enabled").waitFor();
      await page.selectOption("#workload-select", "primes");
      await page.fill("#size-input", "6000000");
      await page.click("#submit-button");

      const row = page.locator("#jobs-body tr[data-job-id]").first();
      await row.locator("xpath=self::*[@data-state='running' or @data-state='completed']").waitFor();
      await row.locator("xpath=self::*[@data-state='completed']").waitFor();
      assert.match((await row.textContent()) ?? "", /412,849/); // π(6,000,000)

      const bars = await page.evaluate(() => {
        // In the page, Chart.js is a global from its UMD bundle.
        const charts = (
          globalThis as unknown as { Chart: { getChart(id: string): BrowserChart | undefined } }
        ).Chart;
        const chart = charts.getChart("task-stream");
        return chart ? chart.data.datasets.reduce((n, d) => n + d.data.length, 0) : -1;
      });
      assert.ok(bars > 2, `the task stream shows ${bars} chunk bars`);
      assert.equal(await page.locator("#task-legend li[data-task=primes]").count(), 1);
      assert.equal(await page.locator("#workers-list li[data-worker]").count(), 2);

      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: `${artifacts}dashboard.png` });
      assert.deepEqual(problems, []);
    } finally {
      await browser?.close();
      await server.close();
    }
  },
);

test("with a token, the dashboard asks for it and then works", { timeout: 240_000 }, async () => {
  const server = await startServer({
    tasks: [tasks],
    port: 0,
    db: ":memory:",
    workers: 1,
    token: "open sesame",
  });
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage();
    page.setDefaultTimeout(120_000);
    await page.goto(server.url);
    await page.locator("#token-dialog").waitFor();
    await page.fill("#token-input", "wrong");
    await page.click("#token-submit");
    await page.locator("#token-error:not(:empty)").waitFor();
    await page.fill("#token-input", "open sesame");
    await page.click("#token-submit");
    await page.locator("#connection-state[data-state=live]").waitFor();
    await page.locator("#submit-button:enabled").waitFor();
    // And works: a job submitted with the token runs to its answer.
    await page.selectOption("#workload-select", "primes");
    await page.fill("#size-input", "100000");
    await page.click("#submit-button");
    const row = page.locator("#jobs-body tr[data-job-id]").first();
    await row.locator("xpath=self::*[@data-state='completed']").waitFor();
    assert.match((await row.textContent()) ?? "", /9,592/); // π(100,000)
  } finally {
    await browser?.close();
    await server.close();
  }
});
