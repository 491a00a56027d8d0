// Actors: two ledgers, each an object that lives on one worker with its balances, fed batches of
// payments (sharded by account) without waiting for each other, then checked against a plain loop.
// Run it: `node --import tsx examples/actors.ts`.
import { weft } from "../src/index.ts";
import { newLedger, type Payment } from "./ledger-tasks.ts";

const accounts = Array.from({ length: 50 }, (_, i) => `acct-${i}`);
const payments: Payment[] = Array.from({ length: 20_000 }, (_, i) => ({
  account: accounts[(i * 7) % accounts.length]!,
  amount: (i % 13) - 6,
}));
const shardOf = (account: string) => Number(account.slice(5)) % 2;

const pool = await weft();
try {
  // #region actors
  await using even = await pool.actor(newLedger, []);
  await using odd = await pool.actor(newLedger, []);
  const ledgers = [even, odd];
  // Batches go out at once; each ledger applies its own in the order sent.
  for (let at = 0; at < payments.length; at += 1_000) {
    const batch = payments.slice(at, at + 1_000);
    for (const [shard, ledger] of ledgers.entries()) {
      void ledger.apply(batch.filter((p) => shardOf(p.account) === shard));
    }
  }
  const balances = new Map([...(await even.balances()), ...(await odd.balances())]);
  // #endregion

  const expected = new Map<string, number>();
  for (const { account, amount } of payments) expected.set(account, (expected.get(account) ?? 0) + amount);
  const agree = accounts.every((a) => balances.get(a) === expected.get(a));
  console.log(
    `${payments.length.toLocaleString("en-US")} payments applied by 2 ledgers on ${pool.workers} workers`,
  );
  console.log(`every balance agrees with a plain loop: ${agree}`);
  console.log(`acct-7 holds ${await odd.balance("acct-7")}`);
} finally {
  await pool.close();
}
