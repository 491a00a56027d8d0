// The hand split's worker script: a raw worker_threads Worker running the message loop of serve.ts.
// Plain .mjs for the reason given in ../peers/worker.mjs: tsx must be registered before the .ts code loads.
import { register } from "tsx/esm/api";

register();

await import("./serve.ts");
