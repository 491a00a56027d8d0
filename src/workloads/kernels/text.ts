// A synthetic text corpus for the wordcount workload: line i follows from its number alone, its words drawn
// from a fixed vocabulary with Zipf-like frequencies, so a few words are everywhere and most are rare.
import { Mulberry32, streamSeed, unitScale } from "./random.ts";

/** Fixed, so every run of the workload, sequential or not, writes the same lines. */
export const textSeed = 0x7e47;

export const wordsPerLine = 12;

const syllables = "ka lo mi ne ru sa ti vo be da fu go hi jo pe zu".split(" ");

/** The word of rank r: r + 1 in bijective base 16, syllables for digits, so every rank has its own word. */
function wordOfRank(rank: number): string {
  let word = "";
  for (let r = rank + 1; r > 0; r = Math.floor((r - 1) / syllables.length)) {
    word = syllables[(r - 1) % syllables.length]! + word;
  }
  return word;
}

export const vocabulary: readonly string[] = Array.from({ length: 5000 }, (_, rank) => wordOfRank(rank));

// A rank drawn log-uniformly, floor(e^(u·ln(V+1))) - 1, has P(r) ∝ ln((r+2)/(r+1)), about 1/(r+1): Zipf with
// exponent 1, at the cost of one exp per word instead of a search through a cumulative table.
const logSpan = Math.log(vocabulary.length + 1);

/** Line `index` of the corpus: words separated by single spaces. */
export function textLine(index: number): string {
  const random = new Mulberry32(streamSeed(textSeed, index));
  const words = new Array<string>(wordsPerLine);
  for (let w = 0; w < wordsPerLine; w++) {
    const rank = Math.floor(Math.exp(random.next() * unitScale * logSpan)) - 1;
    words[w] = vocabulary[rank]!;
  }
  return words.join(" ");
}

/** The words of a line. */
export function wordsOf(line: string): string[] {
  return line.split(" ");
}
