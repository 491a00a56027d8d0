// The processes a process started, directly or not, read from /proc (Linux; elsewhere none): for the
// runner's watchdog, which ends what a hanging test file left running, and for tests that check that
// a command ended the processes it started (a machine-wide `ps` would see other tests' processes).
import { readdirSync, readFileSync } from "node:fs";

export function descendants(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const entry of entries) {
    try {
      // The parent is the 4th field of /proc/<pid>/stat, after the command name in parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // the process ended while the list was read
    }
  }
  const found: number[] = [];
  for (let queue = [pid]; queue.length > 0;) {
    for (const child of children.get(queue.pop()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Whether process `pid` still runs a command line containing `text` (a pid may be reused). */
export function stillRunning(pid: number, text: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(text);
  } catch {
    return false;
  }
}
