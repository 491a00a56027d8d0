// The call the I/O benchmark makes: one GET to the slow service at $WEFT_IO_BENCH_URL (workers
// inherit it from the process that starts the pool), over kept-alive connections.
import { Agent, get } from "node:http";
import { task } from "../../src/index.ts";

const agent = new Agent({ keepAlive: true });

/** Fetches `/items/<n>` and resolves with the length of the body. */
export function fetchItem(n: number): Promise<number> {
  return new Promise((resolve, reject) => {
    get(`${process.env.WEFT_IO_BENCH_URL}/items/${n}`, { agent }, (response) => {
      let length = 0;
      response.on("data", (chunk: Buffer) => (length += chunk.length));
      response.on("end", () =>
        response.statusCode === 200 ? resolve(length) : reject(new Error(`status ${response.statusCode}`)),
      );
      response.on("error", reject);
    }).on("error", reject);
  });
}

export const fetchItemTask = task(import.meta.url, fetchItem);
