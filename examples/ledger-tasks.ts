// An actor: a ledger of account balances that lives on one worker and keeps its state between calls.
import { task } from "../src/index.ts";

export interface Payment {
  readonly account: string;
  readonly amount: number;
}

export class Ledger {
  readonly #balances = new Map<string, number>();

  /** Applies the payments in order; returns how many accounts the ledger holds. */
  apply(payments: readonly Payment[]): number {
    for (const { account, amount } of payments) {
      this.#balances.set(account, (this.#balances.get(account) ?? 0) + amount);
    }
    return this.#balances.size;
  }

  balance(account: string): number {
    return this.#balances.get(account) ?? 0;
  }

  balances(): [string, number][] {
    return [...this.#balances];
  }
}

/** Makes a ledger on whichever worker the pool picks. */
export const newLedger = task(import.meta.url, () => new Ledger());
