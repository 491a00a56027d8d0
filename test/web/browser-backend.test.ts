// The web-workers backend in a real page: weft's browser build, bundled by Vite with a page that runs
// the conformance suite's results cases on web workers in Chromium, each checked against the same case
// on the sequential backend here.
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { buildWebPage, serveWebPage, type ServedPage } from "../../scripts/web-page.ts";
import { weft } from "../../src/index.ts";
import { launchChromium } from "../support/browser.ts";
import { encode, resultsCases } from "./page/results-cases.ts";

const pageRoot = fileURLToPath(new URL("./page/", import.meta.url));

interface CaseOutcome {
  readonly name: string;
  readonly value?: string;
  readonly error?: string;
}

describe("web-workers backend in Chromium", { timeout: 240_000 }, () => {
  let directory: string;
  let server: ServedPage | undefined;
  let browser: Browser | undefined;
  let outcomes: CaseOutcome[];
  let refusals: string[];
  let crash: [string, number];
  let withoutWorkerScript: string;
  const consoleErrors: string[] = [];

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), "weft-web-"));
    const config = await buildWebPage(
      {
        root: pageRoot,
        tasks: { tasks: join(pageRoot, "tasks.ts") },
      },
      directory,
    );
    server = await serveWebPage(config);
    browser = await launchChromium();
    const page = await browser.newPage();
    page.on("console", (message) => void (message.type() === "error" && consoleErrors.push(message.text())));
    page.on("pageerror", (error) => void consoleErrors.push(error.stack ?? error.message));
    await page.goto(server.url);
    outcomes = await page.evaluate(
      () => (globalThis as { weftResults?: Promise<CaseOutcome[]> }).weftResults!,
    );
    refusals = await page.evaluate(() => (globalThis as { weftRefusals?: Promise<string[]> }).weftRefusals!);
    crash = await page.evaluate(() => (globalThis as { weftCrash?: Promise<[string, number]> }).weftCrash!);
    const started = () =>
      page.evaluate(() => (globalThis as { weftStart?: () => Promise<string> }).weftStart!());
    assert.equal(await started(), "started");
    // A server that does not serve the workers' script (a bundler or a deployment that left it out).
    const assets = join(directory, "site", "assets");
    for (const file of await readdir(assets)) if (file.startsWith("web-worker")) await rm(join(assets, file));
    withoutWorkerScript = await started();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  for (const [name, run] of Object.entries(resultsCases)) {
    test(name, async () => {
      const inPage = outcomes.find((o) => o.name === name);
      assert.ok(inPage, `the page did not run "${name}"; its errors: ${consoleErrors.join("\n")}`);
      assert.equal(inPage.error, undefined, `on web workers: ${inPage.error}`);
      const sequential = encode(await run((options) => weft({ ...options, backend: "sequential" })));
      assert.equal(inPage.value, sequential);
    });
  }

  test("what needs Node.js, and inline functions, are refused with a reason", () => {
    const [backend, file, inline, shuffle] = refusals;
    assert.match(backend!, /the threads backend needs Node\.js; in a web page use "web-workers"/);
    assert.match(file!, /is not available in a web page: .*files/);
    assert.match(shuffle!, /is not available in a web page: .*shuffles \(distinct, join, sortBy/);
    assert.match(inline!, /is not a task: this backend runs only tasks defined in modules/);
  });

  test("a page whose workers' script cannot be loaded fails to start its pool, saying so", () => {
    assert.match(withoutWorkerScript, /^could not start web-workers workers: /);
  });

  test("a worker that throws outside any task is replaced; its chunk fails, and the pool goes on", () => {
    const [failed, sum] = crash;
    assert.match(
      failed,
      /^PoisonTaskError: .*crashed its worker \d+ times.*threw outside any task: .*thrown from a timer/,
    );
    assert.equal(sum, 328350);
  });
});
