// `weft serve` as an operator runs it, in a process of its own that a test (or a bench) can SIGKILL:
// started on a free port, driven through the typed client, its output kept for assertion messages.
import { spawn, type ChildProcess } from "node:child_process";
import { createClient, type WeftClient } from "../../src/client/index.ts";
import { exited, pollUntil, weftBin } from "../cluster/helpers.ts";

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly client: WeftClient;
  /** What it printed so far, both streams. */
  output(): string;
  /** SIGKILL, unless it has exited already; resolves once it has. */
  kill(): Promise<void>;
}

/**
 * Starts `weft serve --port 0 <args>` (with `env` added to this process's environment) and resolves
 * once it says where its API is.
 */
export async function startServe(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<ServeProcess> {
  const child = spawn(process.execPath, [weftBin, "serve", "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let output = "";
  child.stdout.on("data", (data: Buffer) => (output += data.toString()));
  child.stderr.on("data", (data: Buffer) => (output += data.toString()));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited(child);
  };
  try {
    const url = await pollUntil(
      () => Promise.resolve(/API at (http:\/\/\S+)/.exec(output)?.[1]),
      30_000,
      "weft serve starting",
    );
    return { child, url, client: createClient({ url }), output: () => output, kill };
  } catch (error) {
    await kill();
    throw new Error(`${(error as Error).message}; it printed:\n${output}`, { cause: error });
  }
}
