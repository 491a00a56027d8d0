// Debian's Chromium for the browser tests, launched the way this machine allows: headless, no
// sandbox (tests run as root), and none of the background traffic its closed network refuses.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

const chromiumPath = "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  assert.ok(
    existsSync(chromiumPath),
    `${chromiumPath} is missing: apt-get install chromium (CI installs it)`,
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
