// The generated access log's line format, and the field readers that the sequential loop and weft's
// tasks both call, so both run the same code on every line. dask_bag.py reads the same fields.
//
//   2024-01-01T00:00:07Z u0412345 GET /products/812 200 5321 kalo mine rusa tivo
//   0 time               1 user   2   3 route      4   5    6.. words (3 to 10)
//
// Fields are separated by single spaces; a line has no "\r" and always at least three words.

/** The index of the `n`-th space of `line` (n >= 1), counted from `from`. */
function space(line: string, n: number, from = 0): number {
  let at = from - 1;
  for (let i = 0; i < n; i++) at = line.indexOf(" ", at + 1);
  return at;
}

/** Field 1: the user id, `u` and seven digits. */
export function userOf(line: string): string {
  const start = line.indexOf(" ") + 1;
  return line.slice(start, line.indexOf(" ", start));
}

/** Field 3: the route, `/<section>/<item>`. */
export function routeOf(line: string): string {
  const start = space(line, 3) + 1;
  return line.slice(start, line.indexOf(" ", start));
}

/** Field 5: the response size in bytes. */
export function bytesOf(line: string): number {
  const start = space(line, 5) + 1;
  return Number(line.slice(start, line.indexOf(" ", start)));
}

/** Fields 6 on: the words of the message. */
export function wordsOf(line: string): string[] {
  return line.slice(space(line, 6) + 1).split(" ");
}

/** The user table's line `u0412345,DE`: the user and the country. */
export function parseUser(line: string): [user: string, country: string] {
  const comma = line.indexOf(",");
  return [line.slice(0, comma), line.slice(comma + 1)];
}
