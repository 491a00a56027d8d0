// The task of bench/data/sink-parts.ts: a line of the generated access log as the record a data team
// would write out (log-format.ts has the line's format).
import { task } from "../../src/index.ts";

export interface Request {
  readonly time: string;
  readonly user: string;
  readonly method: string;
  readonly route: string;
  readonly status: number;
  readonly bytes: number;
}

export const requestOf = task(import.meta.url, (line: string): Request => {
  const [time, user, method, route, status, bytes] = line.split(" ", 6) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return { time, user, method, route, status: Number(status), bytes: Number(bytes) };
});
