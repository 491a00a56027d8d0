// Splits a stream of bytes into lines: on "\n", without the newline, and without a "\r" before it.
//
// Splitting the bytes, not decoded text, is safe for UTF-8: a newline byte never occurs inside a
// multi-byte character. A final line with no newline after it is still a line; the empty text after
// a final newline is not (a file "a\nb\n" has two lines, as readline and `wc -l` count them).

const newline = 0x0a;
const carriageReturn = 0x0d;

/** Lines, one array per block of bytes read, so a huge range or a gzip file never sits in memory whole. */
export async function* lineBatches(blocks: AsyncIterable<Buffer>): AsyncGenerator<string[]> {
  // The start of a line that runs past the end of the blocks seen so far.
  let carry: Buffer[] = [];
  for await (const block of blocks) {
    const lines: string[] = [];
    let start = 0;
    for (let end = block.indexOf(newline); end >= 0; end = block.indexOf(newline, start)) {
      if (carry.length === 0) lines.push(decode(block, start, end));
      else {
        carry.push(block.subarray(start, end));
        const whole = Buffer.concat(carry);
        lines.push(decode(whole, 0, whole.length));
        carry = [];
      }
      start = end + 1;
    }
    if (start < block.length) carry.push(block.subarray(start));
    if (lines.length > 0) yield lines;
  }
  if (carry.length > 0) {
    const whole = Buffer.concat(carry);
    yield [decode(whole, 0, whole.length)];
  }
}

function decode(bytes: Buffer, start: number, end: number): string {
  if (end > start && bytes[end - 1] === carriageReturn) end--;
  return bytes.toString("utf8", start, end);
}
