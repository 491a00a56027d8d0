// Loaded with --import into every test file's process: a file still running after its time limit
// is hanging (a test that never settles, or a server, browser or timer it left open). It is ended
// with a message naming the file and what was still open, so the run reports a failure instead of
// waiting forever, and so do the processes it started, which would otherwise outlive it.
import { descendants } from "./process-tree.ts";

/** Set by the runner (scripts/test/run-files.ts). */
const limitMs = Number(process.env.WEFT_TEST_FILE_TIMEOUT_MS);
const file = process.argv.at(-1) ?? "(unknown file)";

if (limitMs > 0) {
  // Unreferenced: a file that finishes in time exits as if the watchdog were not there.
  setTimeout(() => {
    const open = process.getActiveResourcesInfo().filter((r) => r !== "Timeout");
    process.stderr.write(
      `\n${file} did not finish within ${limitMs / 1000} s: a test, or something a test left open, ` +
        `is hanging (still open: ${open.join(", ") || "nothing but timers"}). Close every server, ` +
        `browser, process and pool in t.after() or finally.\n`,
    );
    for (const pid of descendants(process.pid)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    process.exit(1);
  }, limitMs).unref();
}
