// The README's first steps, as a new user takes them: weft packed and installed into an empty project
// (bench/install/packed-install.ts: built in a copy, installed offline from this checkout's lock), and every
// file the README shows under <!-- first-steps: name --> written there as printed and run the ways
// the README says.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { installInto, packWeft } from "../../bench/install/packed-install.ts";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "weft-first-steps-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
const project = join(scratch, "my-job");
const [nodeMajor = 0, nodeMinor = 0] = process.versions.node.split(".").map(Number);
/** Node runs TypeScript files itself from 22.18 on (type stripping). */
const nativeTypeScript = nodeMajor > 22 || (nodeMajor === 22 && nodeMinor >= 18);

/** The README's first-steps files, by name, exactly as printed. */
function firstStepsFiles(): Map<string, string> {
  const lines = readFileSync(join(root, "README.md"), "utf8").split("\n");
  const files = new Map<string, string>();
  lines.forEach((line, i) => {
    const name = /^<!-- first-steps: ([\w.-]+) -->$/.exec(line.trim())?.[1];
    if (!name) return;
    const open = lines.findIndex((l, j) => j > i && l.startsWith("```"));
    const close = lines.findIndex((l, j) => j > open && l.startsWith("```"));
    files.set(name, lines.slice(open + 1, close).join("\n") + "\n");
  });
  return files;
}

/** Runs `args` (node, or the installed weft command) in `cwd`; resolves with what it printed. */
async function runIn(cwd: string, command: "node" | "weft", args: readonly string[]): Promise<string> {
  const [file, prefix] =
    command === "node"
      ? [process.execPath, []]
      : [process.execPath, [join(project, "node_modules/.bin/weft")]];
  const { stdout, stderr } = await run(file, [...prefix, ...args], { cwd, timeout: 120_000 });
  assert.doesNotMatch(stderr, /Warning|Error/, `${command} ${args.join(" ")} warned:\n${stderr}`);
  return stdout;
}

const files = firstStepsFiles();

before(async () => {
  await installInto(project, await packWeft(scratch));
  for (const [name, text] of files) writeFileSync(join(project, name), text);
});

test("the README shows the first-steps files", () => {
  assert.deepEqual([...files.keys()].sort(), ["job.mjs", "main.cjs", "main.ts", "tasks.ts"]);
});

test("one file: a task and the pool that runs it, with node", async () => {
  assert.match(
    await runIn(project, "node", ["job.mjs"]),
    /the longest Collatz sequence below a million takes 524 steps/,
  );
});

test(
  "two files in TypeScript, with node itself",
  { skip: !nativeTypeScript && "Node runs TypeScript from 22.18" },
  async () => {
    assert.match(await runIn(project, "node", ["main.ts"]), /348513 primes below 5 million/);
  },
);

test(
  "from CommonJS, through import()",
  { skip: !nativeTypeScript && "its tasks are TypeScript" },
  async () => {
    assert.match(await runIn(project, "node", ["main.cjs"]), /78498 primes below a million/);
  },
);

test("two files in TypeScript, with weft run", async () => {
  assert.match(await runIn(project, "weft", ["run", "main.ts"]), /348513 primes below 5 million/);
});

test("the install holds what threads need and no more; a cluster says what to install", async () => {
  for (const name of ["bullmq", "ioredis", "fastify", "chart.js"]) {
    assert.ok(!existsSync(join(project, "node_modules", name)), `${name} was installed with weft`);
  }
  const script = `import { weft } from "weft";
weft({ redis: "redis://127.0.0.1:1" }).catch((error) => console.log(error.name, error.message));`;
  writeFileSync(join(project, "cluster-check.mjs"), script);
  assert.match(
    await runIn(project, "node", ["cluster-check.mjs"]),
    /OptionError the redis backend needs ioredis, .*: npm install ioredis/,
  );
});

test("with weft run in a folder that has no package.json, and no weft installed", async () => {
  const bare = join(scratch, "bare");
  mkdirSync(bare);
  for (const name of ["main.ts", "tasks.ts", "job.mjs"]) writeFileSync(join(bare, name), files.get(name)!);
  assert.match(await runIn(bare, "weft", ["run", "main.ts"]), /348513 primes below 5 million/);
  assert.match(await runIn(bare, "weft", ["run", "job.mjs"]), /takes 524 steps/);
});
