// Tasks for the retries example: fetch a page and parse it, stopping when the chunk is cancelled.
import { task, taskSignal } from "../src/index.ts";

export interface Page {
  readonly url: string;
  readonly title: string;
  readonly words: number;
}

/** Fetches a JSON page. A 5xx answer throws an Error (worth retrying); a malformed body, a SyntaxError (not). */
export const fetchAndParse = task(import.meta.url, async (url: string): Promise<Page> => {
  const response = await fetch(url, { signal: taskSignal() });
  if (!response.ok) throw new Error(`${url} answered ${response.status} ${response.statusText}`);
  const { title, body } = JSON.parse(await response.text()) as { title: string; body: string };
  return { url, title, words: body.split(/\s+/).length };
});
