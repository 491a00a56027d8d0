// The server bench's load generator: a fixed number of clients, each sending its next request as soon
// as the last one answered (a closed loop over keep-alive connections), with latencies per route.
import type { ChildProcess } from "node:child_process";
import { request, type Agent } from "node:http";
import type { RouteResult } from "./server-report.ts";

export interface Sent {
  readonly method: string;
  readonly path: string;
  readonly body?: string;
}

export interface Load {
  readonly connections: number;
  readonly requests: number;
  readonly deadlineMs: number;
}

/**
 * `load.connections` clients at once, each sending `next(i)` as soon as its last request answered,
 * until `load.requests` are sent or the deadline passes.
 */
export async function run(
  route: string,
  load: Load,
  next: (i: number) => Sent,
  send: (sent: Sent) => Promise<{ status: number; body: string }>,
  onReply?: (status: number, body: string) => void,
): Promise<RouteResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let issued = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + load.deadlineMs;
  const client = async () => {
    while (issued < load.requests && performance.now() < deadline) {
      const sent = next(issued++);
      const t0 = performance.now();
      try {
        const { status, body } = await send(sent);
        latencies.push(performance.now() - t0);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status < 200 || status >= 300) errors++;
        onReply?.(status, body);
      } catch (error) {
        errors++;
        statuses[(error as NodeJS.ErrnoException).code ?? "error"] =
          (statuses[(error as NodeJS.ErrnoException).code ?? "error"] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: load.connections }, client));
  const durationMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    route,
    requests: latencies.length,
    errors,
    statuses,
    durationMs,
    requestsPerSecond: latencies.length / (durationMs / 1000),
    latencyMs: {
      mean: latencies.reduce((sum, ms) => sum + ms, 0) / Math.max(1, latencies.length),
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? 0,
    },
  };
}

export function sendRequest(
  agent: Agent,
  url: string,
  sent: Sent,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${sent.path}`,
      {
        method: sent.method,
        agent,
        headers: sent.body === undefined ? {} : { "content-type": "application/json" },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (text: string) => (body += text));
        res.once("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.once("error", reject);
      },
    );
    req.once("error", reject);
    req.end(sent.body);
  });
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The address a bench's server process prints (a line of JSON with its `url`) once it serves. */
export function servedUrl(child: ChildProcess, what: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (bytes: Buffer) => {
      out += bytes.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once("exit", (code) => reject(new Error(`${what} exited with ${code} before it served`)));
  });
}
