// The contenders the tables treat apart from the peer pools, by the names the results store them under.

/** Plain code on the main thread: the reference answers and the baseline of every speedup. */
export const sequential = "sequential";
export const weftContender = "weft";
/** weft with retries and a deadline on (and nothing failing). */
export const faultsContender = "weft+faults";
/** Raw worker_threads Workers, each given an equal part of the input. */
export const handSplit = "hand split";

const ours: readonly string[] = [sequential, weftContender, faultsContender, handSplit];

/** How the tables name a contender: the sequential baseline is "plain loop", the code it stands for. */
export function shownName(contender: string): string {
  return contender === sequential ? "plain loop" : contender;
}

/** Whether `contender` is one of the peer pools (piscina, tinypool, workerpool), not weft or a baseline. */
export function isPeer(contender: string): boolean {
  return !ours.includes(contender);
}
