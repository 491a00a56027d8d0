// Marker files for tasks that must fail only on their first attempt, wherever the next one runs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";

/** A fresh directory for this test file's markers, removed when the file's tests end. */
export function markerDirectory(): (name: string) => string {
  const dir = mkdtempSync(join(tmpdir(), "weft-markers-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let next = 0;
  return (name) => join(dir, `${name}-${next++}`);
}
