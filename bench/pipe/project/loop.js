// The baseline of `npm run bench:pipe`: one Node.js process that reads the lines from standard
// input, runs the kernel on each and writes one result a line, as a hand-written script would.
import { createInterface } from "node:readline";
import { lengthKernel, scoreKernel } from "./kernels.js";

const kernel = process.argv[2] === "score" ? scoreKernel : lengthKernel;
let out = "";
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  out += `${kernel(line)}\n`;
  if (out.length > 1 << 16) {
    if (!process.stdout.write(out)) await new Promise((resolve) => process.stdout.once("drain", resolve));
    out = "";
  }
}
process.stdout.write(out);
