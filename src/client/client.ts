// The typed client of the weft service (`weft serve`): openapi-fetch over the types generated from
// the service's OpenAPI document, each operation a method that resolves with what the service sent
// or throws an error that says what went wrong (the service's own message, with the HTTP status).
import createFetchClient from "openapi-fetch";
import {
  AbortError,
  JobNotCompletedError,
  OptionError,
  ServiceError,
  ServiceUnreachableError,
} from "../errors.ts";
import type { paths } from "./api-types.ts";
import { EventStream } from "./event-stream.ts";
import type {
  Catalog,
  JobDefinition,
  JobState,
  JobView,
  ListQuery,
  ResultPage,
  WorkersView,
} from "./types.ts";

export interface ClientOptions {
  /** The service's address, as `weft serve` prints it: `http://127.0.0.1:8787`. */
  readonly url: string;
  /** The token the service was started with (`--token`, `WEFT_TOKEN`, or one of its tokens file). @default none */
  readonly token?: string;
  /** Headers sent with every request besides the token, e.g. for a proxy in front of the service. @default none */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What every method takes: a signal that abandons the request (it then throws `AbortError`). */
export interface RequestOptions {
  readonly signal?: AbortSignal;
}

/** The states a job does not leave. */
const finished: ReadonlySet<JobState> = new Set(["completed", "failed", "cancelled", "interrupted"]);

/** The most entries a result page may hold: `result()` reads a large result in pages of this many. */
const largestPage = 10_000;

/**
 * A client of the weft service at `options.url`.
 *
 * @example
 * const service = createClient({ url: "http://127.0.0.1:8787", token: process.env.WEFT_TOKEN });
 * const job = await service.submit({ type: "workload", workload: "primes", size: 1_000_000 });
 * await service.waitFor(job.id, { signal: AbortSignal.timeout(60_000) });
 * console.log(await service.result(job.id)); // 78498
 */
export function createClient(options: ClientOptions): WeftClient {
  return new WeftClient(options);
}

export class WeftClient {
  /** The service's address, without a trailing slash. */
  readonly url: string;
  readonly #api: ReturnType<typeof createFetchClient<paths>>;

  constructor(options: ClientOptions) {
    this.url = serviceUrl(options.url);
    this.#api = createFetchClient<paths>({
      baseUrl: this.url,
      headers: { ...options.headers, ...(options.token && { authorization: `Bearer ${options.token}` }) },
    });
  }

  /** The tasks (`<module file name>.<export>`) and built-in workloads jobs may name. */
  catalog(options: RequestOptions = {}): Promise<Catalog> {
    return this.#call(options, this.#api.GET("/api/catalog", { signal: options.signal }));
  }

  /** The service's workers and the job each is running. */
  workers(options: RequestOptions = {}): Promise<WorkersView> {
    return this.#call(options, this.#api.GET("/api/workers", { signal: options.signal }));
  }

  /** Submits a job; resolves with it queued. The service checks it and may refuse it (`ServiceError`, 400). */
  async submit(definition: JobDefinition, options: RequestOptions = {}): Promise<JobView> {
    const { job } = await this.#call(
      options,
      this.#api.POST("/api/jobs", { signal: options.signal, body: definition }),
    );
    return job as JobView;
  }

  /** Jobs, newest first, without their definitions. */
  async jobs(query: ListQuery = {}, options: RequestOptions = {}): Promise<JobView[]> {
    const { jobs } = await this.#call(
      options,
      this.#api.GET("/api/jobs", { signal: options.signal, params: { query } }),
    );
    return jobs as JobView[];
  }

  /** One job: its state, progress, summary or error, and its definition. */
  async job(id: string, options: RequestOptions = {}): Promise<JobView> {
    const { job } = await this.#call(
      options,
      this.#api.GET("/api/jobs/{id}", { signal: options.signal, params: { path: { id } } }),
    );
    return job as JobView;
  }

  /** Cancels a queued or running job; resolves with it cancelled. */
  async cancel(id: string, options: RequestOptions = {}): Promise<JobView> {
    const { job } = await this.#call(
      options,
      this.#api.POST("/api/jobs/{id}/cancel", { signal: options.signal, params: { path: { id } } }),
    );
    return job as JobView;
  }

  /** Runs a job's definition again, as a new job (queued) whose `resubmittedFrom` is `id`. */
  async resubmit(id: string, options: RequestOptions = {}): Promise<JobView> {
    const { job } = await this.#call(
      options,
      this.#api.POST("/api/jobs/{id}/resubmit", { signal: options.signal, params: { path: { id } } }),
    );
    return job as JobView;
  }

  /** A page of a completed job's stored result: `limit` entries (1 to 10,000; default 100) from `offset`. */
  resultPage(
    id: string,
    page: { readonly offset?: number; readonly limit?: number } = {},
    options: RequestOptions = {},
  ): Promise<ResultPage> {
    return this.#call(
      options,
      this.#api.GET("/api/jobs/{id}/result", {
        signal: options.signal,
        params: { path: { id }, query: page },
      }),
    );
  }

  /**
   * A completed job's result: every entry of a job that collected its outputs (read page by page),
   * the number of a count or a sum, a workload's answer (a large one as the service keeps it: its
   * size and first entries). A job that has not completed throws `JobNotCompletedError`.
   */
  async result(id: string, options: RequestOptions = {}): Promise<unknown> {
    const job = await this.job(id, options);
    if (job.state !== "completed") throw new JobNotCompletedError(job);
    if (job.resultEntries === undefined) return answerOf(job.summary);
    const entries: unknown[] = [];
    while (entries.length < job.resultEntries) {
      const page = await this.resultPage(id, { offset: entries.length, limit: largestPage }, options);
      if (page.entries.length === 0) break; // deleted meanwhile: what there was
      entries.push(...page.entries);
    }
    return entries;
  }

  /** The HTML report of a completed bench job. */
  report(id: string, options: RequestOptions = {}): Promise<string> {
    return this.#call(
      options,
      this.#api.GET("/api/jobs/{id}/report", {
        signal: options.signal,
        params: { path: { id } },
        parseAs: "text",
      }),
    );
  }

  /**
   * Opens the event stream: every job's changes and progress, chunks as they finish, the workers.
   * Iterate it with `for await`; leaving the loop (or `close()`) ends the connection.
   */
  async events(options: RequestOptions = {}): Promise<EventStream> {
    const connection = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, connection.signal]) : connection.signal;
    const body = await this.#call(options, this.#api.GET("/api/events", { signal, parseAs: "stream" }));
    if (!body) throw new ServiceUnreachableError(this.url, new Error("the event stream has no body"));
    return new EventStream(body, connection, options.signal);
  }

  /**
   * Resolves with job `id` once it has finished (completed, failed, cancelled or interrupted), told by
   * the event stream rather than by asking again and again. Nothing bounds the wait but the service's
   * job timeout: give a signal (`AbortSignal.timeout(ms)`) to bound it.
   */
  async waitFor(id: string, options: RequestOptions = {}): Promise<JobView> {
    // A service that ends the stream (one that drops a reader too slow for it) is asked again; one
    // that is gone throws on the next connection.
    for (;;) {
      using events = await this.events(options);
      // Asked once the stream is open, so that a job finishing in between is seen here or as an event.
      const job = await this.job(id, options);
      if (finished.has(job.state)) return job;
      for await (const { event, data } of events) {
        if (event === "job" && data.id === id && finished.has(data.state)) return this.job(id, options);
      }
    }
  }

  /** The data of a reply, or the error it is, told as one of weft's errors. */
  async #call<T>(
    options: RequestOptions,
    reply: Promise<{ data?: T; error?: unknown; response: Response }>,
  ): Promise<T> {
    let answer: Awaited<typeof reply>;
    try {
      answer = await reply;
    } catch (error) {
      if (options.signal?.aborted) throw new AbortError(options.signal.reason);
      throw new ServiceUnreachableError(this.url, error);
    }
    if (!answer.response.ok) throw serviceError(answer.response, answer.error);
    return answer.data as T;
  }
}

/** The service's error body as a `ServiceError`; an answer of another shape (a proxy's page) by its status. */
function serviceError(response: Response, body: unknown): ServiceError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (typeof error?.code === "string" && typeof error.message === "string")
    return new ServiceError(response.status, error.code, error.message);
  const text = typeof body === "string" ? body.trim().split("\n")[0]!.slice(0, 200) : "";
  const status = `${response.status} ${response.statusText}`.trim();
  return new ServiceError(
    response.status,
    `http_${response.status}`,
    `the service answered ${status}${text ? `: ${text}` : ""}`,
  );
}

/** A job's summary as its answer: a count's or sum's `{ value }` is the value itself. */
function answerOf(summary: unknown): unknown {
  const keys = typeof summary === "object" && summary !== null ? Object.keys(summary) : [];
  return keys.length === 1 && keys[0] === "value" ? (summary as { value: unknown }).value : summary;
}

/** `url` without a trailing slash, once it is known to be an http(s) address. */
function serviceUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OptionError(`the service's url must be an address such as http://127.0.0.1:8787, got "${url}"`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new OptionError(`the service's url must start with http:// or https://, got "${url}"`);
  return url.replace(/\/+$/, "");
}
