// A service that answers every request after a fixed delay, as a remote API or a database would:
// run in a process of its own by bench/io/run.ts, so its work does not share the main thread with
// the contender that runs there. Prints the port it listens on, on 127.0.0.1.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const delayMs = Number(process.argv[2] ?? 20);
const server = createServer((request, response) => {
  setTimeout(() => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ path: request.url }));
  }, delayMs);
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  console.log((server.address() as AddressInfo).port);
});
process.on("disconnect", () => server.close(() => process.exit(0)));
