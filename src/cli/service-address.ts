// Where the commands that talk to a weft service (submit, jobs, result) find it unless told: where
// `weft serve` listens unless told.

/** The port `weft serve` listens on without `--port`. */
export const defaultServicePort = 8787;

/** The address `weft serve` answers at without `--host` and `--port`. */
export const defaultServiceUrl = `http://127.0.0.1:${defaultServicePort}`;
