// piscina as its README shows it: one pool over an ESM worker file, one run() per task.
import { Piscina } from "piscina";
import type { Peer } from "./peer.ts";

const filename = new URL("./worker.mjs", import.meta.url).href;

export const piscina: Peer = {
  name: "piscina",
  start(workers) {
    // minThreads = maxThreads: all threads up front and none retired while idle, as for every contender.
    const pool = new Piscina({ filename, minThreads: workers, maxThreads: workers });
    return {
      call: (name, arg) => pool.run(arg, { name }),
      close: () => pool.destroy(),
    };
  },
};
