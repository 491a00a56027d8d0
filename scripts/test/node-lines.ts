// The Node.js release lines weft supports, and a binary of each for the test run: this process's own
// when it is on that line, otherwise one installed from the npm registry (the node-<os>-<cpu>
// packages carry the official binaries) into node_modules/.cache, once.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The maintained LTS lines, newest first. Keep in step with `engines` in package.json and the README. */
export const supportedLines = [24, 22] as const;
export type Line = (typeof supportedLines)[number];

const root = fileURLToPath(new URL("../..", import.meta.url));
const currentLine = Number(process.versions.node.split(".")[0]);

/** The line the whole suite runs on: this Node.js if it is supported, else the newest line. */
export function primaryLine(): Line {
  return supportedLines.find((line) => line === currentLine) ?? supportedLines[0];
}

/** The path of a `node` binary of `line`, installing one if needed. */
export function nodeBinary(line: Line): string {
  if (line === currentLine) return process.execPath;
  const os = process.platform === "win32" ? "win" : process.platform;
  const pkg = `node-${os}-${process.arch}`;
  const prefix = join(root, "node_modules", ".cache", "weft-node", String(line));
  const binary = join(prefix, "node_modules", pkg, "bin", "node");
  if (!existsSync(binary)) {
    console.log(`npm test: installing Node.js ${line} from the npm registry (${pkg}@${line})`);
    execFileSync(
      "npm",
      [
        "install",
        "--prefix",
        prefix,
        "--no-save",
        "--no-package-lock",
        "--no-audit",
        "--no-fund",
        `${pkg}@${line}`,
      ],
      { stdio: "inherit" },
    );
  }
  return binary;
}
