// What the service tells a client went wrong: a request it refuses (with the HTTP status that says
// why), and a job's error in one line, written for the client and naming none of the server's files.

/** A request the service refuses, with the HTTP status that says why. */
export class RequestError extends Error {
  override name = "RequestError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A job's failure whose message is written for the client, and is shown as it is. */
export class JobError extends Error {
  override name = "JobError";
}

/**
 * The error's first line, with the server's file paths cut to file names: clients need what failed,
 * not where it lives. A {@link JobError}'s message is given as it is.
 */
export function publicMessage(error: unknown): string {
  if (error instanceof JobError) return error.message;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return message
    .split("\n")[0]!
    .replace(/file:\/\/\S*\/([^/\s)]+)/g, "$1")
    .slice(0, 2000);
}
