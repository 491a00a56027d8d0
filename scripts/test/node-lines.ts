// The Node.js release lines weft supports, and a binary of each for the test run: this process's own
// when it is on that line, otherwise one installed from the npm registry (the node-<os>-<cpu>
// packages carry the official binaries).
import { registryBinary } from "./registry-binary.ts";

/** The maintained LTS lines, newest first. Keep in step with `engines` in package.json and the README. */
export const supportedLines = [24, 22] as const;
export type Line = (typeof supportedLines)[number];

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
  return registryBinary(`weft-node/${line}`, `${pkg}@${line}`, "bin/node", `Node.js ${line}`);
}
