// Who may do what: the tokens the service accepts, each with a scope and its own quota. Tokens given
// on the command line may do everything; a tokens file (JSON, re-read on SIGHUP) holds only their
// SHA-256 digests, each with a name, a scope and a quota, so that a token can be added or revoked
// without a restart and the file gives none of them away.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

/** `read`: list and watch jobs; `submit`: also create jobs and cancel or resubmit its own; `admin`: also those of others. */
export type Scope = "read" | "submit" | "admin";
const scopes: readonly Scope[] = ["read", "submit", "admin"];

/** What a token may do, and which client its jobs belong to. */
export interface Grant {
  /** The client its jobs are recorded under (and counted against its quota). */
  readonly client: string;
  /** How refusals name it. */
  readonly name: string;
  readonly scope: Scope;
  /** Jobs it may have queued or running; undefined: the server's `maxPerClient`. */
  readonly quota: number | undefined;
}

/** Whether `grant` allows what `needed` allows. */
export function allows(grant: Grant, needed: Scope): boolean {
  return scopes.indexOf(grant.scope) >= scopes.indexOf(needed);
}

export function tokenDigest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** A tokens file's entry for `token`: what `weft token` prints to add to one. */
export function tokenEntry(name: string, token: string, scope: Scope, quota?: number) {
  return { name, sha256: tokenDigest(token), scope, ...(quota !== undefined && { quota }) };
}

export class TokenTable {
  #byDigest = new Map<string, Grant>();

  /** Throws, saying what is wrong, if the file cannot be read or holds a bad entry. */
  constructor(
    readonly commandLine: readonly string[],
    readonly file: string | undefined,
  ) {
    this.reload();
  }

  /** Whether any token is asked for. */
  get required(): boolean {
    return this.#byDigest.size > 0;
  }

  /** The grant of the token `given`, or undefined if it is none of them. */
  grantFor(given: string): Grant | undefined {
    return this.#byDigest.get(tokenDigest(given));
  }

  /** Reads the file again; on an error, keeps the tokens it had and throws the reason. */
  reload(): void {
    const table = new Map<string, Grant>();
    for (const token of this.commandLine) {
      const digest = tokenDigest(token);
      // The store keeps a client's key: a digest of its token, never the token.
      table.set(digest, {
        client: `token:${digest.slice(0, 16)}`,
        name: "a token of --token",
        scope: "admin",
        quota: undefined,
      });
    }
    if (this.file !== undefined)
      for (const [digest, grant] of readTokensFile(this.file)) table.set(digest, grant);
    this.#byDigest = table;
  }
}

function readTokensFile(file: string): Map<string, Grant> {
  const fail = (why: string): never => {
    throw new Error(`the tokens file ${file} ${why}`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    fail(`cannot be read as JSON: ${(error as Error).message}`);
  }
  const entries = (parsed as { tokens?: unknown } | null)?.tokens;
  if (!Array.isArray(entries)) fail('must be { "tokens": [ { "name", "sha256", "scope", "quota"? }, ... ] }');
  const grants = new Map<string, Grant>();
  const names = new Set<string>();
  (entries as unknown[]).forEach((entry, i) => {
    const { name, sha256, scope, quota } = (entry ?? {}) as Record<string, unknown>;
    const where = `entry ${i + 1}`;
    if (typeof name !== "string" || !/^[\w.-]{1,64}$/.test(name))
      fail(`${where}: name must be 1 to 64 letters, digits, "_", "." or "-"`);
    if (names.has(name as string)) fail(`${where}: the name ${String(name)} is used twice`);
    if (typeof sha256 !== "string" || !/^[0-9a-f]{64}$/.test(sha256))
      fail(`${where}: sha256 must be the token's SHA-256 in 64 lowercase hex digits (weft token prints it)`);
    if (!scopes.includes(scope as Scope)) fail(`${where}: scope must be read, submit or admin`);
    if (quota !== undefined && !(Number.isInteger(quota) && (quota as number) >= 0))
      fail(`${where}: quota must be a whole number of jobs, 0 or more`);
    names.add(name as string);
    grants.set(sha256 as string, {
      client: `token:${name as string}`,
      name: name as string,
      scope: scope as Scope,
      quota: quota as number | undefined,
    });
  });
  return grants;
}
