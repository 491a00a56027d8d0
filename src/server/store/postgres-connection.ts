// PostgreSQL as the job store uses it (pg): a pool of connections that reads BIGINT columns as
// numbers, transactions, and the database's failures told as the store's.
import pg from "pg";
import type { Pool, PoolClient } from "pg";
import { StoreFailure } from "./errors.ts";

/** int8: times in ms and counts, well within a double's exact integers. */
const bigintOid = 20;

/** Connections to the database at `url`, each reading BIGINT as a number. */
export function connect(url: string): Pool {
  const pool = new pg.Pool({
    connectionString: url,
    // Enough for the API's reads beside the running jobs' progress; PostgreSQL's default limit is 100.
    max: 8,
    // An unreachable database fails a request within this, instead of holding it.
    connectionTimeoutMillis: 5000,
    types: { getTypeParser: readBigintAsNumber as typeof pg.types.getTypeParser },
  });
  // An idle connection the server drops (a restart, a failover) is replaced on the next query; its
  // error would otherwise be thrown from the pool's event emitter and end the process.
  pool.on("error", () => {});
  return pool;
}

function readBigintAsNumber(oid: number, format?: "text" | "binary"): (value: string) => unknown {
  const parse = pg.types.getTypeParser as (oid: number, format?: string) => (value: string) => unknown;
  return oid === bigintOid ? Number : parse(oid, format);
}

/** Runs `body` on one connection in a transaction: committed if it resolves, rolled back if it rejects. */
export async function withTransaction<T>(pool: Pool, body: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await body(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    try {
      await client.query("ROLLBACK");
    } catch (rollback) {
      // The connection is gone: there is nothing to undo, and it must not go back to the pool.
      broken = rollback as Error;
    }
    throw error;
  } finally {
    client.release(broken);
  }
}

/** PostgreSQL's SQLSTATE for a unique index refusing a row. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === "23505";
}

/** An error of the database or of the connection to it, as the store's failure (the API's 503). */
export function storeFailure(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof StoreFailure) return error;
  // The store's own refusals (JobStateError, TypeError, RangeError...) are not the database's.
  const fromDatabase =
    error instanceof pg.DatabaseError ||
    /^(ECONN|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE)/.test(String((error as { code?: unknown }).code)) ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(
      error.message,
    );
  return fromDatabase ? new StoreFailure(`PostgreSQL: ${error.message}`, { cause: error }) : error;
}
