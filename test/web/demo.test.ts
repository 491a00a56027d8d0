// The web demo (npm run demo:web) as a visitor sees it: built and served as the script does, opened in
// Chromium, where it renders the set on web workers and on the page's thread alike.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import type { Browser } from "playwright-core";
import { buildWebPage, serveWebPage, type ServedPage } from "../../scripts/web-page.ts";
import { launchChromium } from "../support/browser.ts";

const root = fileURLToPath(new URL("../../examples/web-mandelbrot/", import.meta.url));

interface DemoOutcome {
  readonly workers: number;
  readonly times: { readonly sequential: number[]; readonly parallel: number[] };
  readonly speedup: number;
  readonly identical: boolean;
}

test(
  "the web demo renders the same image on web workers and shows the speedup",
  { timeout: 180_000 },
  async () => {
    const directory = await mkdtemp(join(tmpdir(), "weft-demo-"));
    let served: ServedPage | undefined;
    let browser: Browser | undefined;
    try {
      const config = await buildWebPage(
        {
          root,
          tasks: { tasks: join(root, "tasks.ts") },
        },
        directory,
      );
      served = await serveWebPage(config);
      browser = await launchChromium();
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => void errors.push(error.stack ?? error.message));
      await page.goto(served.url);
      await page.waitForFunction(() => (globalThis as { demo?: unknown }).demo !== undefined);
      const demo = await page.evaluate(() => (globalThis as { demo?: Promise<DemoOutcome> }).demo!);
      assert.deepEqual(errors, []);
      assert.equal(demo.identical, true);
      assert.ok(demo.workers >= 1);
      assert.equal(demo.times.sequential.length, 3);
      assert.equal(demo.times.parallel.length, 3);
      assert.match(
        (await page.textContent("#speedup")) ?? "",
        new RegExp(`^\\d+\\.\\d\\d× faster on ${demo.workers} web workers, the same image\\.$`),
      );
      assert.equal(await page.getAttribute("canvas", "width"), "1200");
    } finally {
      await browser?.close();
      await served?.close();
      await rm(directory, { recursive: true, force: true });
    }
  },
);
