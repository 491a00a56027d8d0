// Entry point of a worker thread.
import { parentPort } from "node:worker_threads";
import { serve } from "../../runtime/serve.ts";
import { resolveWeftSpecifier } from "../../task/weft-specifier.ts";

if (!parentPort) throw new Error("weft's thread worker must be started as a worker thread");
resolveWeftSpecifier();
serve(parentPort);
