// `weft resume <name>`: finishes a resumable job whose process died, from its ledger in the cluster's
// Redis, and prints its result as JSON (a Map as its [key, value] pairs, a bigint as a string).
import { weft } from "../../pool/weft.ts";

export async function resumeCommand(
  name: string,
  options: { redis: string; prefix: string; tasks: string[] },
): Promise<void> {
  await using pool = await weft({ redis: { url: options.redis, prefix: options.prefix } });
  const { result, items, done } = await pool.resume(name, options.tasks);
  console.error(
    `weft resume: the job "${name}" is done; ${done} of its ${items} items were done before, ${items - done} ran now`,
  );
  console.log(JSON.stringify(result, (_, value: unknown) => asJson(value)));
}

function asJson(value: unknown): unknown {
  if (value instanceof Map) return [...value];
  if (typeof value === "bigint") return String(value);
  return value;
}
