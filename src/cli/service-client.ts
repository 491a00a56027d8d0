// The typed client for the commands that talk to a weft service elsewhere (submit, jobs, result):
// its address and token from the command line or the environment, and the client's errors told as
// what to do about them.
import {
  createClient,
  OptionError,
  ServiceError,
  ServiceUnreachableError,
  type WeftClient,
} from "../client/index.ts";
import { defaultServiceUrl } from "./service-address.ts";

export interface ServiceOptions {
  /** `--url`; else $WEFT_URL; else where `weft serve` listens by default. */
  readonly url?: string;
  /** `--token`; else $WEFT_TOKEN, which keeps the secret out of the process list. */
  readonly token?: string;
}

/** Runs `work` with a client of the service, telling a failure to reach it or a refused token as what to do. */
export async function withService<T>(
  options: ServiceOptions,
  work: (client: WeftClient) => Promise<T>,
): Promise<T> {
  const url = options.url ?? (process.env.WEFT_URL || defaultServiceUrl);
  const token = options.token ?? (process.env.WEFT_TOKEN || undefined);
  let client: WeftClient;
  try {
    client = createClient({ url, ...(token && { token }) });
  } catch (error) {
    if (!(error instanceof OptionError)) throw error;
    throw new Error(`${options.url === undefined ? "WEFT_URL" : "--url"}: ${error.message}`);
  }
  try {
    return await work(client);
  } catch (error) {
    if (error instanceof ServiceUnreachableError)
      throw new Error(`${error.message} (give its address with --url or WEFT_URL)`, { cause: error });
    if (error instanceof ServiceError && error.status === 401) {
      throw new Error(
        token === undefined
          ? `the service at ${client.url} requires a token (HTTP 401): set WEFT_TOKEN to it, or give --token`
          : `the service at ${client.url} refused the token (HTTP 401): give the one it was started with, in WEFT_TOKEN or with --token`,
        { cause: error },
      );
    }
    throw error;
  }
}
