// Peak resident memory of a process and its weft workers, per run, from Linux's /proc: VmHWM is a
// process's peak RSS, and writing "5" to /proc/<pid>/clear_refs resets it to the current RSS, so a
// peak read after a run is that run's. (process.resourceUsage().maxRSS is the lifetime peak and
// cannot be reset.) Elsewhere than Linux every function here reports nothing.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";

type Pid = number | "self";

/** The peak RSS of `pid` in bytes, since it started or since its last {@link resetPeak}. */
export function peakRss(pid: Pid): number | undefined {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined; // gone, or not Linux
  }
}

/** The current RSS of `pid` in bytes. */
export function currentRss(pid: Pid): number | undefined {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/** Resets the peak RSS of `pid` to its current RSS; false if the kernel does not allow it. */
export function resetPeak(pid: Pid): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** The child processes of `pid`, from every thread's `children` list. */
export function childPids(pid: Pid = "self"): number[] {
  try {
    const tasks = readdirSync(`/proc/${pid}/task`);
    return tasks.flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8")
        .split(" ")
        .filter((s) => s.trim() !== "")
        .map(Number),
    );
  } catch {
    return [];
  }
}

/** The worker processes of this process's `processes` pool: its children running weft's child entry. */
export function weftWorkerPids(): number[] {
  return childPids().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("backends/processes/child");
    } catch {
      return false;
    }
  });
}
