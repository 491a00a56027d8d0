// How each part of the test run reports: straight to the terminal, one part after another.
import { spawn } from "node:child_process";
import { writeSync } from "node:fs";

/** Written at once, so it comes before the output of the part started next, which shares the terminal. */
export function line(text: string): void {
  writeSync(1, `${text}\n`);
}

/** Runs `command` with its output and errors on the terminal; resolves true if it exits with 0. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<boolean> {
  const child = spawn(command, args, { ...options, stdio: "inherit" });
  return new Promise((resolve) => {
    child.once("error", (error) => {
      line(`could not start ${command}: ${error.message}`);
      resolve(false);
    });
    child.once("close", (code) => resolve(code === 0));
  });
}
