// Files on a cluster: the pool and every `weft worker` share a directory (a network file system
// mounted on each machine); the workers read the input, exchange a shuffle's records and write the
// output there, and only paths and small partials travel through Redis.
// Run it: start a Redis and workers with `--data-root <dir>` (see docs/large-data.md), then
// `WEFT_REDIS_URL=redis://127.0.0.1:6379 WEFT_DATA_ROOT=<dir> node --import tsx examples/cluster-files.ts`.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { weft } from "../src/index.ts";
import { one, splitWords, sum, theWord } from "./words.ts";

const redis = process.env.WEFT_REDIS_URL;
const dataRoot = process.env.WEFT_DATA_ROOT;
if (!redis || !dataRoot) {
  console.log(`WEFT_REDIS_URL and WEFT_DATA_ROOT must be set: a cluster whose workers share a directory.

  redis-server --port 6379 --save ""
  npx weft worker --redis redis://127.0.0.1:6379 --tasks examples/words.ts --data-root /tmp/weft-data
  WEFT_REDIS_URL=redis://127.0.0.1:6379 WEFT_DATA_ROOT=/tmp/weft-data node --import tsx examples/cluster-files.ts`);
  process.exit(0);
}

const dir = await mkdtemp(join(dataRoot, "example-"));
try {
  const lines = Array.from(
    { length: 20_000 },
    (_, i) => `the ${i % 7 === 0 ? "quick" : "lazy"} fox ${i % 100}`,
  );
  await writeFile(join(dir, "input.txt"), `${lines.join("\n")}\n`);

  // #region cluster-files
  const pool = await weft({ redis, dataRoot }); // dataRoot: the shared directory, as mounted here
  try {
    const written = await pool
      .readLines(join(dir, "input.txt"))
      .flatMap(splitWords)
      .reduceByKey(theWord, one, sum, { partitions: 4 })
      .writeJson(join(dir, "counts"));
    console.log(`${written.records} distinct words in ${written.files.length} part files`);
  } finally {
    await pool.close();
  }
  // #endregion

  const local = await weft({ backend: "sequential" });
  try {
    const counts = new Map(await local.readJson<[string, number]>(join(dir, "counts")).collect());
    const expected = await local
      .readLines(join(dir, "input.txt"))
      .flatMap(splitWords)
      .reduceByKey(theWord, one, sum);
    const agrees = counts.size === expected.size && [...expected].every(([w, n]) => counts.get(w) === n);
    console.log(`the sequential backend agrees: ${agrees}`);
  } finally {
    await local.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
