// wordcount: MapReduce over a text generated on the fly, one line per item. Words are counted per chunk on the
// workers and only the partial counts travel; word frequencies are Zipf-like, as in real text.
import type { Pool } from "../pool/pool.ts";
import { textLine, wordsOf, wordsPerLine } from "./kernels/text.ts";
import { checkSize } from "./size.ts";
import * as tasks from "./tasks.ts";
import type { Workload } from "./workload.ts";

const name = "wordcount";
const counts = "the lines of text";

export const wordcount: Workload<Map<string, number>> = {
  name,
  summary: "word counts over generated text with Zipf-like frequencies: flatMap and reduceByKey",
  unit: "lines",
  defaultSize: 1_500_000,
  quickSize: 50_000,
  describe: (size) =>
    `${checkSize(name, size, counts).toLocaleString("en-US")} lines of ${wordsPerLine} words`,
  items: (size) => checkSize(name, size, counts),
  sequential(size) {
    const lines = checkSize(name, size, counts);
    const tally = new Map<string, number>();
    for (let i = 0; i < lines; i++) {
      for (const word of wordsOf(textLine(i))) tally.set(word, (tally.get(word) ?? 0) + 1);
    }
    return tally;
  },
  async parallel(pool: Pool, size, _knobs, options = {}) {
    const lines = checkSize(name, size, counts);
    return await pool
      .range(0, lines)
      .map(tasks.textLine)
      .flatMap(tasks.words)
      .options(options)
      .reduceByKey(tasks.wordKey, tasks.one, tasks.add);
  },
  mismatch(expected, got) {
    for (const [word, count] of expected) {
      const gotCount = got.get(word);
      if (gotCount !== count) return `"${word}" counted ${gotCount ?? 0} times, expected ${count}`;
    }
    for (const word of got.keys()) {
      if (!expected.has(word)) return `"${word}" counted, but it is not in the text`;
    }
    return undefined;
  },
};
