// Tasks for the file pipeline: parse lines of an access log and sum them up per route.
import { task } from "../src/index.ts";

/** One request, as parsed from a line like `2024-05-01T12:00:00.000Z GET /products/42?ref=mail 200 35ms`. */
export interface Request {
  readonly method: string;
  /** The path with ids and the query taken out: `/products/:id`. */
  readonly route: string;
  readonly status: number;
  readonly ms: number;
}

/** Requests, total milliseconds and server errors (5xx) of one route. */
export type RouteStats = [requests: number, totalMs: number, serverErrors: number];

const requestLine = /^\S+ (GET|POST|PUT|DELETE) (\S+) (\d{3}) (\d+)ms$/;

/** Whether a line is a request (logs also hold comments, blank lines and the odd truncated line). */
export const isRequestLine = task(import.meta.url, (line: string): boolean => requestLine.test(line));

export const parseRequest = task(import.meta.url, (line: string): Request => {
  const [, method, path, status, ms] = requestLine.exec(line)!;
  const route = path!.split("?")[0]!.replace(/\/\d+(?=\/|$)/g, "/:id");
  return { method: method!, route, status: Number(status), ms: Number(ms) };
});

export const routeOf = task(
  import.meta.url,
  (request: Request): string => `${request.method} ${request.route}`,
);

export const statsOf = task(import.meta.url, (request: Request): RouteStats => [
  1,
  request.ms,
  request.status >= 500 ? 1 : 0,
]);

export const addStats = task(import.meta.url, (a: RouteStats, b: RouteStats): RouteStats => [
  a[0] + b[0],
  a[1] + b[1],
  a[2] + b[2],
]);

/** The minute a request line was logged in, `2024-05-01T12:00`. */
export const minuteOf = task(import.meta.url, (line: string): string => line.slice(0, 16));

export const one = task(import.meta.url, (): number => 1);

export const add = task(import.meta.url, (a: number, b: number): number => a + b);

export const countOf = task(import.meta.url, ([, count]: [string, number]): number => count);
