// Where a part of the test run writes: straight to the terminal, or, for a part that runs alongside
// another, into a file that is printed once the part has ended, so that two parts' reports do not
// interleave line by line.
import { spawn, type StdioOptions } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export class Report {
  private constructor(
    /** The terminal's standard output (1), or the kept file's descriptor. */
    private readonly fd: number,
    private readonly keptIn?: string,
  ) {}

  static live(): Report {
    return new Report(1);
  }

  static kept(): Report {
    const dir = mkdtempSync(join(tmpdir(), "weft-test-report-"));
    const path = join(dir, "report.txt");
    return new Report(openSync(path, "w"), dir);
  }

  line(text: string): void {
    writeSync(this.fd, `${text}\n`);
  }

  /** Runs `command`, its output and errors into this report; resolves true if it exits with 0. */
  run(
    command: string,
    args: readonly string[],
    options: { cwd: string; env: NodeJS.ProcessEnv },
  ): Promise<boolean> {
    const stdio: StdioOptions = this.keptIn === undefined ? "inherit" : ["ignore", this.fd, this.fd];
    const child = spawn(command, args, { ...options, stdio });
    return new Promise((resolve) => {
      child.once("error", (error) => {
        this.line(`could not start ${command}: ${error.message}`);
        resolve(false);
      });
      child.once("close", (code) => resolve(code === 0));
    });
  }

  /** What a kept report holds, and the file gone; "" for a live one. */
  close(): string {
    if (this.keptIn === undefined) return "";
    closeSync(this.fd);
    const text = readFileSync(join(this.keptIn, "report.txt"), "utf8");
    rmSync(this.keptIn, { recursive: true, force: true });
    return text;
  }
}
