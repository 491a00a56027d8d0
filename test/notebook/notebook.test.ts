// The notebook runs, every cell of it, the way a reader runs it: weft built (the notebook imports the
// build), its TypeScript kernel (tslab) installed into a temporary Jupyter prefix, a Redis of its own
// for the cluster cell, and the notebook executed headless by nbconvert. It all happens in a
// temporary copy of the checkout, which is left as it was: weft is built there, the notebook runs and
// is written there. A failed cell fails the test. The notebook's measurements are printed by the
// notebook, never asserted: this machine is shared and noisy. So the notebook runs quick
// (WEFT_NOTEBOOK_QUICK): its benchmarks timed once, its largest jobs a tenth of their size, which
// changes its times but none of the answers checked here.
import assert from "node:assert/strict";
import { execFile, type ExecFileOptions } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startRedis, type RedisServer } from "../support/redis-server.ts";

const execute = promisify(execFile);
// A command still running when the tests end is killed, so the file can exit: a before() hook that
// times out does not stop the command it was waiting for.
const commands = new AbortController();
after(() => commands.abort());
const run = (file: string, args: readonly string[], options: ExecFileOptions = {}) =>
  execute(file, args, { ...options, signal: commands.signal });
const root = fileURLToPath(new URL("../..", import.meta.url));
const notebooks = join(root, "notebooks");
const notebook = join(notebooks, "Distributed_Computing.ipynb");
/** Debian's Python, which has Jupyter; a `python3` earlier on PATH may not. */
const python = "/usr/bin/python3";
const cellTimeoutSeconds = 240;

interface Output {
  readonly output_type: string;
  readonly name?: string;
  readonly text?: string | string[];
  readonly data?: Record<string, string | string[]>;
  readonly ename?: string;
  readonly evalue?: string;
}

interface Cell {
  readonly id: string;
  readonly cell_type: string;
  readonly outputs?: Output[];
}

const joined = (text: string | string[] | undefined) => (Array.isArray(text) ? text.join("") : (text ?? ""));
const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

let scratch = "";
let cells: Cell[] = [];
let committedHash = "";
let redis: RedisServer | undefined;

/**
 * A copy of what the notebook reads and imports: weft's sources (built there), the README, and the
 * notebook folder. Installed packages are linked, except the notebook's links to weft itself, which
 * point at the copy.
 */
async function copyCheckout(into: string): Promise<string> {
  const copy = join(into, "weft");
  mkdirSync(copy);
  for (const entry of ["package.json", "tsconfig.json", "README.md", "src", "bin", "web"]) {
    cpSync(join(root, entry), join(copy, entry), { recursive: true });
  }
  cpSync(notebooks, join(copy, "notebooks"), {
    recursive: true,
    filter: (source) => !/notebooks\/(node_modules|\.jupyter)(\/|$)/.test(source),
  });
  symlinkSync(join(root, "node_modules"), join(copy, "node_modules"));
  const installed = join(notebooks, "node_modules");
  const linked = join(copy, "notebooks", "node_modules");
  mkdirSync(join(linked, "@types"), { recursive: true });
  for (const entry of readdirSync(installed)) {
    if (entry === "weft") symlinkSync("../..", join(linked, "weft"));
    else if (entry !== "@types") symlinkSync(join(installed, entry), join(linked, entry));
  }
  for (const entry of readdirSync(join(installed, "@types"))) {
    const target = entry === "weft" ? "../../types/weft" : join(installed, "@types", entry);
    symlinkSync(target, join(linked, "@types", entry));
  }
  await run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], {
    cwd: copy,
  });
  return copy;
}

/** Everything the cells printed (stdout) and displayed as HTML, by cell id. */
function textOf(id: string): string {
  const cell = cells.find((c) => c.id === id);
  assert.ok(cell, `the executed notebook has no cell "${id}"`);
  return (cell.outputs ?? [])
    .map((o) => (o.output_type === "stream" ? joined(o.text) : joined(o.data?.["text/html"])))
    .join("\n");
}

before(
  async () => {
    try {
      await run(python, ["-m", "nbconvert", "--version"]);
    } catch {
      assert.fail(
        `${python} -m nbconvert is not available: install Jupyter with ` +
          "`apt-get install jupyter-notebook python3-nbconvert` (CI installs them)",
      );
    }
    const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
    assert.ok(
      major > 22 || (major === 22 && minor >= 13),
      `the notebook needs Node.js 22.13 or newer (its kernel loads weft with require(), and its service keeps jobs in node:sqlite); this is ${process.version}`,
    );
    const { dependencies } = JSON.parse(readFileSync(join(notebooks, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const missing = Object.keys(dependencies).filter(
      (d) => !existsSync(join(notebooks, "node_modules", d, "package.json")),
    );
    assert.deepEqual(missing, [], "the notebook's packages are not installed: npm test installs them");

    committedHash = sha256(notebook);
    scratch = mkdtempSync(join(tmpdir(), "weft-notebook-test-"));
    const copy = await copyCheckout(scratch);
    redis = await startRedis();
    const bin = join(copy, "notebooks", "node_modules", ".bin");
    const env = {
      ...process.env,
      PATH: `${bin}${delimiter}${process.env.PATH ?? ""}`,
      JUPYTER_PATH: join(scratch, "share", "jupyter"),
      JUPYTER_RUNTIME_DIR: join(scratch, "runtime"),
      WEFT_REDIS_URL: redis.authUrl,
      WEFT_NOTEBOOK_QUICK: "1",
    };
    await run(join(bin, "tslab"), ["install", `--python=${python}`, `--prefix=${scratch}`], { env });

    // Run from the copy's notebooks/ (where the cells' relative imports point), with the executed
    // notebook written to the scratch directory.
    const args = [
      "-m",
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      // Keep going after a failed cell, so the checks below can say which cell failed and what it
      // printed; a cell over its timeout or a dead kernel still makes nbconvert fail.
      "--allow-errors",
      `--ExecutePreprocessor.timeout=${cellTimeoutSeconds}`,
      "--output-dir",
      scratch,
      "--output",
      "executed.ipynb",
      join(copy, "notebooks", "Distributed_Computing.ipynb"),
    ];
    try {
      await run(python, args, {
        cwd: join(copy, "notebooks"),
        env,
        timeout: 15 * 60_000,
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (error) {
      const { stderr = "", message } = error as { stderr?: string; message: string };
      assert.fail(`nbconvert failed to execute the notebook: ${message}\n${stderr.slice(-4000)}`);
    }
    const executed = JSON.parse(readFileSync(join(scratch, "executed.ipynb"), "utf8")) as { cells: Cell[] };
    cells = executed.cells;
  },
  { timeout: 20 * 60_000 },
);

after(async () => {
  await redis?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test("every code cell ran, and none failed", () => {
  const code = cells.filter((c) => c.cell_type === "code");
  assert.ok(code.length >= 15, `only ${code.length} code cells`);
  for (const cell of code) {
    // tslab reports no execution counts, but every cell of this notebook prints or shows something.
    assert.ok((cell.outputs ?? []).length > 0, `cell "${cell.id}" has no output: it did not run`);
    for (const output of cell.outputs ?? []) {
      assert.notEqual(
        output.output_type,
        "error",
        `cell "${cell.id}" failed: ${output.ename}: ${output.evalue}`,
      );
      // tslab reports compile errors and uncaught exceptions on stderr, not as error outputs.
      assert.ok(
        !(output.output_type === "stream" && output.name === "stderr"),
        `cell "${cell.id}" wrote to stderr:\n${joined(output.text)}`,
      );
    }
  }
});

test("the committed notebook was only read", () => {
  assert.equal(sha256(notebook), committedHash);
});

test("the answers agree across backends, chunkings and the fault", () => {
  assert.match(textOf("setup"), /\d+ cores .*, Node v\d+/);
  assert.match(textOf("s1-backends"), /All four answers agree\./);
  assert.match(textOf("s2-runs"), /every run found 348,513 primes: true/);
  assert.match(textOf("s3-timeline"), /the image is the sequential one pixel for pixel: true/);
  assert.match(textOf("s4-reduce"), /the sum of 1 to 10,000,000 is 50,000,005,000,000/);
  assert.match(textOf("s4-wordcount"), /the same counts as a plain loop: true/);
  assert.match(textOf("s4-dag"), /which add up to 283,146: the total is 283,146/);
  assert.match(textOf("s7b-crash"), /restart: WorkerCrashedError/);
  assert.match(
    textOf("s7b-crash"),
    /148,933 primes below 2,000,000 in [\d,]+ ms; a plain loop counts 148,933: exact/,
  );
  assert.match(textOf("s7e-large-data"), /the same as the workers: true/);
});

test("the measurements are reported: speedup tables, model fits, charts", () => {
  for (const id of ["s5-bench", "s6-amdahl"]) {
    const text = textOf(id);
    for (const header of ["median ms", "spread", "speedup", "efficiency", "Karp-Flatt e"]) {
      assert.ok(text.includes(`>${header}</th>`), `cell "${id}" has no "${header}" column`);
    }
    assert.match(text, />2 workers<\/td>/);
  }
  assert.match(textOf("s5-bench"), /2 workers: \d+\.\d\dx, efficiency \d+%/);
  assert.match(textOf("s6-amdahl"), /Amdahl model, f = \d\.\d{3}/);
  assert.match(textOf("s6-gustafson-code"), /Gustafson fit: f = \d\.\d{3}/);
  assert.match(textOf("s7c-sizes"), />1,200,000</); // the largest size, a tenth of it in a quick run
  const svgs = cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data?.["image/svg+xml"] !== undefined);
  assert.ok(svgs.length >= 10, `only ${svgs.length} charts`);
});

test("the cluster cell starts two weft workers on the test's Redis and gets the same answer", () => {
  const text = textOf("s7a-cluster");
  assert.match(text, /2 weft worker processes through Redis at redis:/);
  assert.match(text, /the same answer as on one machine: true/);
});

test("the service cell submits a job over HTTP and gets its answer", () => {
  const text = textOf("s7d-service");
  assert.match(text, /POST \/api\/jobs -> 202/);
  assert.match(text, /-> completed after [\d.]+ s: \{"value":148933\}/);
  assert.match(text, /service closed/);
});
