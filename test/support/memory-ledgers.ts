// A ledger store in this process's memory, for tests of resumable jobs without a cluster: it keeps
// what a cluster's Redis keeps (the plan, its digest, one entry per settled chunk), and lets a test
// lose entries, as a coordinator killed before its last writes landed would.
import type { LedgerEntry, LedgerStore } from "../../src/protocol/ledger.ts";

interface Kept {
  plan: Uint8Array;
  digest: string;
  readonly entries: Map<number, LedgerEntry>;
}

export class MemoryLedgers implements LedgerStore {
  readonly kept = new Map<string, Kept>();
  /** While set, a finished job's ledger stays: as if its process died before the result was delivered. */
  keepFinished = false;

  claim(name: string, plan: Uint8Array, digest: string): Promise<LedgerEntry[]> {
    const kept = this.kept.get(name);
    if (kept && kept.digest !== digest) return Promise.reject(new Error(`"${name}" holds another plan`));
    if (!kept) this.kept.set(name, { plan, digest, entries: new Map() });
    return Promise.resolve([...(kept?.entries.values() ?? [])]);
  }

  read(name: string): Promise<{ plan: Uint8Array; done: number } | undefined> {
    const kept = this.kept.get(name);
    if (!kept) return Promise.resolve(undefined);
    const done = [...kept.entries.values()].reduce((sum, entry) => sum + entry.count, 0);
    return Promise.resolve({ plan: kept.plan, done });
  }

  /** Forgets the entries of `name` that `keep` refuses: writes that never landed. */
  lose(name: string, keep: (entry: LedgerEntry, index: number) => boolean): void {
    const entries = this.kept.get(name)!.entries;
    [...entries.values()].forEach((entry, index) => {
      if (!keep(entry, index)) entries.delete(entry.start);
    });
  }

  /** A copy, as Redis keeps one: the merge here may change the partial it is given afterwards. */
  record(name: string, entry: LedgerEntry): void {
    this.kept.get(name)?.entries.set(entry.start, structuredClone(entry));
  }

  drop(name: string): Promise<void> {
    if (!this.keepFinished) this.kept.delete(name);
    return Promise.resolve();
  }
}
