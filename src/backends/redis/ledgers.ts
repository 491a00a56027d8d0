// Resumable jobs' ledgers in the cluster's Redis: one hash per job name, holding the job's plan,
// the coordinator that owns it, and one field per settled chunk. Only the owner writes (each write
// checks it, in one script), so a coordinator taken for dead that was only cut off cannot add chunks
// beside the one that resumed its job: no item is counted twice.
import { setTimeout as delay } from "node:timers/promises";
import { deserialize, serialize } from "node:v8";
import type { RedisClient } from "./connection.ts";
import { OptionError } from "../../errors.ts";
import type { LedgerEntry, LedgerStore } from "../../protocol/ledger.ts";
import { coordinatorKey, ledgerKey, presenceChannel } from "./keys.ts";
import { subscriberCounts } from "./presence.ts";

/** A ledger nobody finishes (its job failed, or was given up) goes this long after its last write. */
export const ledgerTtlMs = 7 * 24 * 3600 * 1000;
/** How long an owner's presence channel must stay empty before it is taken for dead: past a reconnection. */
const ownerGraceMs = 1000;
const entryPrefix = "done:";

/** Sets the owner if it is still `expected` (or none): KEYS ledger; ARGV expected ("" for none), owner, plan, digest, ttl. */
const claimScript = `
local owner = redis.call("HGET", KEYS[1], "owner")
if (owner or "") ~= ARGV[1] then return 0 end
redis.call("HSET", KEYS[1], "owner", ARGV[2], "plan", ARGV[3], "digest", ARGV[4])
redis.call("PEXPIRE", KEYS[1], ARGV[5])
return 1`;

/** Keeps an entry if `owner` still owns the ledger: KEYS ledger; ARGV owner, field, entry, ttl. */
const recordScript = `
if redis.call("HGET", KEYS[1], "owner") ~= ARGV[1] then return 0 end
redis.call("HSET", KEYS[1], ARGV[2], ARGV[3])
redis.call("PEXPIRE", KEYS[1], ARGV[4])
return 1`;

/** Removes the ledger if `owner` still owns it: KEYS ledger; ARGV owner. */
const dropScript = `
if redis.call("HGET", KEYS[1], "owner") ~= ARGV[1] then return 0 end
return redis.call("DEL", KEYS[1])`;

export class RedisLedgers implements LedgerStore {
  constructor(
    readonly redis: RedisClient,
    readonly prefix: string,
    /** This coordinator: the owner of the ledgers it claims. */
    readonly owner: string,
  ) {}

  async claim(name: string, plan: Uint8Array, digest: string): Promise<LedgerEntry[]> {
    const key = ledgerKey(this.prefix, name);
    const [kept = null, owner = null] = await this.redis.hmget(key, "digest", "owner");
    if (kept !== null && kept !== digest) {
      throw new OptionError(
        `a job named "${name}" is kept in the cluster's ledgers with another plan (other tasks, input or terminal): ` +
          `give this job another name, or remove the old one with redis-cli del ${key}`,
      );
    }
    if (owner !== null && owner !== this.owner && (await this.#running(owner))) {
      throw new OptionError(
        `the job "${name}" is running now, in the pool of coordinator ${owner}: it can be resumed once that process has stopped`,
      );
    }
    const args = [owner ?? "", this.owner, Buffer.from(plan), digest, ledgerTtlMs];
    if ((await this.redis.eval(claimScript, 1, key, ...args)) !== 1) {
      throw new OptionError(`another process took the job "${name}" at the same moment: only one may run it`);
    }
    const fields = await this.redis.hgetallBuffer(key);
    return Object.entries(fields).flatMap(([field, value]) =>
      field.startsWith(entryPrefix) ? [deserialize(value) as LedgerEntry] : [],
    );
  }

  async read(name: string): Promise<{ plan: Uint8Array; done: number } | undefined> {
    const key = ledgerKey(this.prefix, name);
    const [plan, fields] = await Promise.all([this.redis.hgetBuffer(key, "plan"), this.redis.hkeys(key)]);
    if (plan === null) return undefined;
    // An entry's field names its items, so they are counted without reading the partials.
    const done = fields
      .filter((field) => field.startsWith(entryPrefix))
      .reduce((sum, field) => sum + Number(field.split(":")[2]), 0);
    return { plan, done };
  }

  record(name: string, entry: LedgerEntry): void {
    const field = `${entryPrefix}${entry.start}:${entry.count}`;
    this.redis
      .eval(recordScript, 1, ledgerKey(this.prefix, name), this.owner, field, serialize(entry), ledgerTtlMs)
      .catch(() => {});
  }

  async drop(name: string): Promise<void> {
    await this.redis.eval(dropScript, 1, ledgerKey(this.prefix, name), this.owner);
  }

  /**
   * Whether coordinator `id` still runs: its heartbeat is there and its presence channel has a
   * subscriber, now and a moment later (Redis drops the subscription as soon as a process dies).
   */
  async #running(id: string): Promise<boolean> {
    for (let look = 0; look < 2; look++) {
      if (look > 0) await delay(ownerGraceMs);
      const channel = presenceChannel(this.prefix, id);
      const [exists, subscribers] = await Promise.all([
        this.redis.exists(coordinatorKey(this.prefix, id)),
        subscriberCounts(this.redis, [channel]),
      ]);
      if (exists === 0) return false;
      if (subscribers === undefined || subscribers.get(channel)! > 0) return true;
    }
    return false;
  }
}
