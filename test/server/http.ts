// Helpers for the service's tests over real HTTP: a server that closes itself, the typed client
// (weft/client) on it, requests with JSON in and out (fetch) for what a client would not send, the
// Server-Sent Events stream parsed event by event, and jobs the tests share, awaited on that stream.
import assert from "node:assert/strict";
import { get, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { createClient, type WeftClient } from "../../src/client/index.ts";
import type { JobDefinition, JobState, JobView } from "../../src/server/api/types.ts";
import { startServer, type RunningServer, type ServeOptions } from "../../src/server/server.ts";

/** The fixtures' task module: the service names its tasks `tasks.square`, `tasks.isPrime`, ... */
export const fixtureTasks = fileURLToPath(new URL("../fixtures/tasks.ts", import.meta.url));

/** A valid task job whose definition is about 0.9 MiB (nine items of 100,000 characters, counted). */
export function largeDefinition(): JobDefinition {
  const big = "x".repeat(100_000);
  return {
    type: "task",
    task: "tasks.identity",
    reduce: "count",
    input: { items: Array.from({ length: 9 }, () => big) },
  };
}

/** What an error body looks like: `{ error: { code, message } }`. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

export interface Reply<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON, when it is JSON. */
  readonly body: T;
}

export interface RequestOptions {
  /** A value sent as JSON, or a string sent as it is (with a JSON content type). */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** A stack frame as V8 prints it: an error body must never hold one. */
const stackFrame = /^\s+at .+/m;

export class TestServer implements AsyncDisposable {
  readonly #server: RunningServer;
  readonly #streams = new Set<EventStream>();
  /** Sent with every request unless a request gives its own authorization. */
  readonly #headers: Record<string, string>;
  /** The typed client on this server, sending the same headers. */
  readonly client: WeftClient;
  #closed = false;

  constructor(server: RunningServer, headers: Record<string, string> = {}) {
    this.#server = server;
    this.#headers = headers;
    this.client = createClient({ url: server.url, headers });
  }

  get url(): string {
    return this.#server.url;
  }

  get interrupted(): number {
    return this.#server.interrupted;
  }

  get running(): RunningServer {
    return this.#server;
  }

  /**
   * One request. Every error reply is checked on the way: JSON `{ error: { code, message } }` and
   * no stack trace in it.
   */
  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...this.#headers, ...options.headers };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const response = await fetch(this.url + path, { method, headers, body });
    const text = await response.text();
    const json = (response.headers.get("content-type") ?? "").includes("json");
    const reply = {
      status: response.status,
      headers: response.headers,
      text,
      body: (json ? JSON.parse(text) : text) as T,
    };
    if (reply.status >= 400) assertErrorBody(reply, `${method} ${path}`);
    return reply;
  }

  /** Submits a job through the client; the queued job. A refusal throws the client's ServiceError. */
  submit(definition: JobDefinition | Record<string, unknown>): Promise<JobView> {
    return this.client.submit(definition as JobDefinition);
  }

  job(id: string): Promise<JobView> {
    return this.client.job(id);
  }

  /** Opens `GET /api/events` (the stream is closed with the server, if not before). */
  async events(query = "", headers: Record<string, string> = this.#headers): Promise<EventStream> {
    const stream = await EventStream.open(`${this.url}/api/events${query}`, headers);
    this.#streams.add(stream);
    return stream;
  }

  /** Closes the event streams it opened, then the server. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const stream of this.#streams) stream.close();
    await this.#server.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Starts a server on a free loopback port, with the fixtures' tasks and 2 workers unless told otherwise. */
export async function serve(
  options: Partial<ServeOptions> = {},
  headers: Record<string, string> = {},
): Promise<TestServer> {
  const server = await startServer({
    tasks: [fixtureTasks],
    port: 0,
    db: ":memory:",
    workers: 2,
    ...options,
  });
  return new TestServer(server, headers);
}

/** Asserts `reply` is a JSON error `{ error: { code, message } }` without a stack trace. */
export function assertErrorBody(reply: Reply<unknown>, what: string): void {
  assert.doesNotMatch(reply.text, stackFrame, `${what}: the error body holds a stack trace`);
  assert.doesNotMatch(reply.text, /\.ts:\d+:\d+/, `${what}: the error body names a source line`);
  const { error } = reply.body as Partial<ErrorBody>;
  assert.equal(typeof error?.code, "string", `${what}: error.code in ${reply.text}`);
  assert.equal(typeof error?.message, "string", `${what}: error.message in ${reply.text}`);
}

/** Asserts an error reply: its status, code and a message matching `message`. */
export function assertError(reply: Reply<unknown>, status: number, code: string, message: RegExp): void {
  assert.equal(reply.status, status, reply.text);
  const { error } = reply.body as ErrorBody;
  assert.equal(error.code, code, reply.text);
  assert.match(error.message, message);
}

export interface ServerEvent {
  readonly event: string;
  readonly data: unknown;
}

/**
 * `GET /api/events` read as it arrives: every event is kept, and {@link EventStream.next} waits for
 * the first one, seen or still to come, that a predicate accepts.
 *
 * Read with node:http on a connection of its own rather than fetch: aborting a fetch leaves its
 * connection open for undici's keep-alive time (4 s), and the server's close() waits for it.
 */
export class EventStream {
  readonly events: ServerEvent[] = [];
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly #request: ClientRequest;
  readonly #response: IncomingMessage;
  readonly #waiters = new Set<{ accept: (e: ServerEvent) => boolean; resolve: (e: ServerEvent) => void }>();
  /** Why reading stopped, once it has: waiters still waiting then fail with it. */
  #ended: Error | undefined;
  readonly #onEnd = new Set<(error: Error) => void>();

  private constructor(request: ClientRequest, response: IncomingMessage) {
    this.#request = request;
    this.#response = response;
    this.status = response.statusCode ?? 0;
    this.headers = response.headers;
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<EventStream> {
    const request = get(url, { headers, agent: false });
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      request.once("response", resolve);
      request.once("error", reject);
    });
    const stream = new EventStream(request, response);
    if (stream.status === 200) stream.#read();
    else response.resume();
    return stream;
  }

  /** The first event, already received or yet to come, named `event` whose data `accept` takes. */
  next<T>(event: string, accept: (data: T) => boolean = () => true, signal?: AbortSignal): Promise<T> {
    const matches = (e: ServerEvent) => e.event === event && accept(e.data as T);
    const seen = this.events.find(matches);
    if (seen) return Promise.resolve(seen.data as T);
    if (this.#ended) return Promise.reject(this.#ended);
    return new Promise<T>((resolve, reject) => {
      const waiter = {
        accept: matches,
        resolve: (e: ServerEvent) => {
          cleanup();
          resolve(e.data as T);
        },
      };
      const fail = (error: Error) => {
        cleanup();
        reject(error);
      };
      const aborted = () =>
        fail(new Error(`gave up waiting for a ${event} event: ${String(signal?.reason)}`));
      const cleanup = () => {
        this.#waiters.delete(waiter);
        this.#onEnd.delete(fail);
        signal?.removeEventListener("abort", aborted);
      };
      this.#waiters.add(waiter);
      this.#onEnd.add(fail);
      signal?.addEventListener("abort", aborted, { once: true });
    });
  }

  /** The first `job` event of job `id` in state `state`. */
  jobIn(id: string, state: JobState, signal?: AbortSignal): Promise<JobView> {
    return this.next<JobView>("job", (job) => job.id === id && job.state === state, signal);
  }

  /** Ends the connection. */
  close(): void {
    this.#end(new Error("the test closed the event stream"));
    this.#request.destroy();
  }

  #read(): void {
    let buffered = "";
    this.#response.setEncoding("utf8");
    this.#response.on("data", (text: string) => {
      buffered += text;
      let end: number;
      while ((end = buffered.indexOf("\n\n")) >= 0) {
        this.#receive(buffered.slice(0, end));
        buffered = buffered.slice(end + 2);
      }
    });
    this.#response.once("close", () => this.#end(new Error("the server ended the event stream")));
  }

  /** One event's lines: `event: name`, `data: json`; comment lines (`: keep-alive`) are skipped. */
  #receive(block: string): void {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (data.length === 0) return;
    const received = { event, data: JSON.parse(data.join("\n")) as unknown };
    this.events.push(received);
    for (const waiter of this.#waiters) if (waiter.accept(received)) waiter.resolve(received);
  }

  #end(error: Error): void {
    if (this.#ended) return;
    this.#ended = error;
    for (const fail of this.#onEnd) fail(error);
  }
}

/** Fixture tasks that wait for cancellation (`crash-tasks.waitsForAbort`) or end their worker. */
export const crashTasks = fileURLToPath(new URL("../fixtures/crash-tasks.ts", import.meta.url));
/** A job that runs until it is cancelled: its one item waits for its chunk's signal. */
export const untilCancelled = {
  type: "task",
  task: "crash-tasks.waitsForAbort",
  input: { items: [1] },
} as const;
export const primes200k = { type: "workload", workload: "primes", size: 200_000 } as const;
/** π(200,000). */
export const primesBelow200k = 17_984;
export const unknownId = "00000000-0000-4000-8000-000000000000";
const finished = new Set(["completed", "failed", "cancelled", "interrupted"]);

/** The job's first event in a finished state, from the stream. */
export function settled(events: EventStream, id: string, t: TestContext): Promise<JobView> {
  return events.next<JobView>("job", (job) => job.id === id && finished.has(job.state), t.signal);
}

/** Submits each definition and waits for all of them to finish; the finished views, in order. */
export async function runJobs(
  server: TestServer,
  events: EventStream,
  t: TestContext,
  definitions: readonly Record<string, unknown>[],
): Promise<JobView[]> {
  const jobs = await Promise.all(definitions.map((definition) => server.submit(definition)));
  return Promise.all(jobs.map((job) => settled(events, job.id, t)));
}

/** The states a job went through, as the stream told them, without repeats. */
export function statesOf(events: readonly ServerEvent[], id: string): string[] {
  const states: string[] = [];
  for (const { event, data } of events) {
    const job = data as JobView;
    if (event === "job" && job.id === id && states.at(-1) !== job.state) states.push(job.state);
  }
  return states;
}

/** The fixture task that waits for a file: `gate-tasks.waitsForFile`. */
export const gateTasks = fileURLToPath(new URL("./fixtures/gate-tasks.ts", import.meta.url));

/** A job that runs until the file at `path` exists; it stores nothing (a count). */
export function gatedJob(path: string) {
  return {
    type: "task",
    task: "gate-tasks.waitsForFile",
    reduce: "count",
    input: { items: [path] },
  } as const;
}

/** A GET over node:http, which (unlike fetch) sends the Host header given. */
export async function rawGet(
  server: TestServer,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: unknown }> {
  const { hostname, port } = new URL(server.url);
  const request = get({ host: hostname, port, path, headers, agent: false });
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    request.once("response", resolve);
    request.once("error", reject);
  });
  let text = "";
  response.setEncoding("utf8");
  for await (const chunk of response) text += chunk as string;
  const json = (response.headers["content-type"] ?? "").includes("json");
  return { status: response.statusCode ?? 0, body: json ? (JSON.parse(text) as unknown) : text };
}
