// The baseline of `npm run bench:pipe`: one Node.js process that reads the lines from standard
// input, runs the kernel on each and writes one result a line. It is written for speed, so that the
// ratio to `weft pipe` measures what running the lines in parallel saves and nothing else:
// - Each line is decoded from the bytes on its own, a flat string, as weft's workers receive theirs.
//   readline's lines are slices of a larger string, which the score kernel read about 1.8 times
//   slower (3.9 s against 2.2 s for the 400,000 lines, Node.js 24).
// - The kernel runs over a block's lines in a function of its own. In the body of a `for await`,
//   which sits in an implicit try/finally, V8 ran the inlined kernel about half as fast.
import { lengthKernel, scoreKernel } from "./kernels.js";

const kernel = process.argv[2] === "score" ? scoreKernel : lengthKernel;
const newline = 0x0a;
const carriageReturn = 0x0d;

/** One result a line for the lines in `bytes` before `end`, the last of which may lack its newline. */
function results(bytes, end) {
  let out = "";
  for (let start = 0; start < end;) {
    let stop = bytes.indexOf(newline, start);
    if (stop < 0 || stop > end) stop = end;
    const lineEnd = stop > start && bytes[stop - 1] === carriageReturn ? stop - 1 : stop;
    out += `${kernel(bytes.toString("utf8", start, lineEnd))}\n`;
    start = stop + 1;
  }
  return out;
}

async function write(text) {
  if (!process.stdout.write(text)) await new Promise((resolve) => process.stdout.once("drain", resolve));
}

// The start of a line that runs past the blocks read so far.
let carry = Buffer.alloc(0);
for await (const block of process.stdin) {
  const bytes = carry.length > 0 ? Buffer.concat([carry, block]) : block;
  const last = bytes.lastIndexOf(newline);
  if (last >= 0) await write(results(bytes, last + 1));
  carry = bytes.subarray(last + 1);
}
if (carry.length > 0) await write(results(carry, carry.length));
