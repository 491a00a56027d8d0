// `weft run script.ts [-- args]`: runs a user's script in a Node.js process that loads TypeScript and
// resolves "weft" to this weft, so task modules load in workers with no build and no install.
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { weftEntryUrl, weftModuleVariable } from "../../task/script-loading.ts";

const fromSource = import.meta.url.endsWith(".ts");
const preload = new URL(fromSource ? "../run-preload.ts" : "../run-preload.js", import.meta.url);

/** Resolves with the exit code the script ended with (128 + n for a signal, as a shell reports it). */
export function runScript(script: string, args: readonly string[]): Promise<number> {
  // `weft run script.ts -- --flag` passes the separator through; the script should not see it.
  const scriptArgs = args[0] === "--" ? args.slice(1) : args;
  const child = spawn(
    process.execPath,
    ["--import", import.meta.resolve("tsx"), "--import", preload.href, script, ...scriptArgs],
    { stdio: "inherit", env: { ...process.env, [weftModuleVariable]: weftEntryUrl } },
  );
  // A terminal's Ctrl-C reaches the child itself; a signal sent to this process alone is passed on.
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM"];
  for (const signal of signals) process.on(signal, forward);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      for (const s of signals) process.off(s, forward);
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}
