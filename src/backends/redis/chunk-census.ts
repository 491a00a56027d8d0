// Where chunks are, by id. A chunk is always somewhere: in the queue, in the list of the worker that
// took it, or answered in its coordinator's replies. One that is in none of them was lost by Redis
// (restarted empty, or failed over to a replica that missed the last writes), and nobody will ever
// answer it; one in a worker's list that the worker is not running was moved there by a take whose
// answer the connection lost, and nobody will ever run it. Scripts, so that the lists are read at one
// instant and only the ids travel, never the chunks' data.
import type { RedisClient } from "./connection.ts";

const census = `
local found = {}
local prefix = ARGV[1]
for _, key in ipairs(KEYS) do
  for _, entry in ipairs(redis.call("LRANGE", key, 0, -1)) do
    local id = string.match(entry, "^[^\\n]*")
    if string.sub(id, 1, #prefix) == prefix then found[#found + 1] = id end
  end
end
return found`;

/**
 * The ids starting with `idPrefix` in the lists `keys` (the queue, workers' lists, replies). All keys
 * share the cluster's prefix, so on a Redis Cluster they share a hash slot, as one script needs.
 */
export async function chunksHeld(
  client: RedisClient,
  keys: readonly string[],
  idPrefix: string,
): Promise<Set<string>> {
  const ids = (await client.eval(census, keys.length, ...keys, idPrefix)) as string[];
  return new Set(ids);
}

const putBackScript = `
local wanted = {}
for _, id in ipairs(ARGV) do wanted[id] = true end
local moved = 0
for _, entry in ipairs(redis.call("LRANGE", KEYS[1], 0, -1)) do
  if wanted[string.match(entry, "^[^\\n]*")] then
    redis.call("LREM", KEYS[1], 1, entry)
    redis.call("RPUSH", KEYS[2], entry)
    moved = moved + 1
  end
end
return moved`;

/** Moves the chunks `ids` from the worker's list `taken` back to the end of `queue` taken next; resolves with how many. */
export async function putBack(
  client: RedisClient,
  taken: string,
  queue: string,
  ids: readonly string[],
): Promise<number> {
  return (await client.eval(putBackScript, 2, taken, queue, ...ids)) as number;
}
