// Debian's Chromium for the browser tests, launched the way this machine allows: headless, no
// sandbox (tests run as root), and none of the background traffic its closed network refuses.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/**
 * Launches Chromium from `WEFT_CHROMIUM` when set (read at each launch: a test points it at a missing
 * binary to check that a browser test then fails and still ends), else from /usr/bin/chromium. Async,
 * so a missing binary rejects as a failed launch does instead of throwing before the caller awaits.
 */
export async function launchChromium(): Promise<Browser> {
  const chromiumPath = process.env.WEFT_CHROMIUM || "/usr/bin/chromium";
  assert.ok(
    existsSync(chromiumPath),
    `Chromium is missing at ${chromiumPath}: apt-get install chromium (npm test installs it), or set WEFT_CHROMIUM to a Chromium binary`,
  );
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
