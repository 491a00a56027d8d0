// `weft/server`: the HTTP service, for programs that start it themselves (the `weft serve` command uses the same).
export { startServer, type ServeOptions, type RunningServer } from "./server.ts";
