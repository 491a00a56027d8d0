// docs/options.md holds every option in one table; this test keeps the table equal to the code. It
// reads the option interfaces from src/ (each `readonly name?:` member and the `@default` tag of its
// TSDoc) and fails if an option is missing from the table, if the table lists one the code does not
// have, or if the table's default is not the code's `@default` (written as it is there, backticks
// aside; "none" for an optional member without one, "required" for a required member without one).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);
const read = (path: string) => readFileSync(join(root, path), "utf8");

interface Option {
  readonly name: string;
  readonly optional: boolean;
  /** The `@default` tag's text, if the member has one. */
  readonly default: string | undefined;
}

/** The members of `export interface <name>` in `file`, with their `@default` tags. */
function interfaceMembers(file: string, name: string): Option[] {
  const source = read(file);
  const start = new RegExp(`^export interface ${name}\\b[^{]*\\{$`, "m").exec(source);
  assert.ok(start, `${file} should declare "export interface ${name}"`);
  const from = start.index + start[0].length;
  const end = source.indexOf("\n}", from);
  assert.ok(end > from, `${file}: interface ${name} never closes`);
  const body = source.slice(from, end);
  const members = [...body.matchAll(/(?:\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*)?readonly (\w+)(\?)?:/g)].map(
    ([, comment = "", member, optional]) => {
      const text = comment.replace(/^\s*\*\s?/gm, "");
      const tag = /@default\s+(.+?)\s*$/m.exec(text);
      return { name: member!, optional: optional === "?", default: tag?.[1] };
    },
  );
  assert.ok(members.length > 0, `${file}: found no members in interface ${name}`);
  return members;
}

/** Where each interface's options are set, as the table's "set with" column names it. */
const sources = [
  { file: "src/pool/options.ts", name: "WeftOptions", setWith: "weft()", prefix: "" },
  { file: "src/backends/redis/connection.ts", name: "RedisOptions", setWith: "weft()", prefix: "redis." },
  { file: "src/pool/collection.ts", name: "JobOptions", setWith: ".options()", prefix: "" },
  { file: "src/pool/pool.ts", name: "CallOptions", setWith: "submit()", prefix: "" },
  { file: "src/task/task.ts", name: "TaskOptions", setWith: "task()", prefix: "" },
  { file: "src/scheduler/retry.ts", name: "RetryPolicy", setWith: "retry policy", prefix: "" },
  { file: "src/pool/file-inputs.ts", name: "ReadOptions", setWith: "readLines()", prefix: "" },
  { file: "src/pool/file-inputs.ts", name: "CsvOptions", setWith: "readCsv()", prefix: "" },
  { file: "src/pool/sink-options.ts", name: "SinkOptions", setWith: "writeLines()", prefix: "" },
  { file: "src/pool/sink-options.ts", name: "CsvSinkOptions", setWith: "writeCsv()", prefix: "" },
  { file: "src/pool/file-inputs.ts", name: "ParquetOptions", setWith: "readParquet()", prefix: "" },
  { file: "src/pool/sink-options.ts", name: "ParquetSinkOptions", setWith: "writeParquet()", prefix: "" },
  { file: "src/pool/shuffle.ts", name: "KeyedOptions", setWith: "keyed", prefix: "" },
  { file: "src/pool/shuffle.ts", name: "SortOptions", setWith: "sortBy()", prefix: "" },
] as const;

interface Row {
  readonly line: number;
  readonly option: string;
  readonly setWith: string;
  readonly default: string;
}

/** The rows of the options table: option, set with, default, then the backends and the description. */
function tableRows(): Row[] {
  const lines = read("docs/options.md").split("\n");
  const header = lines.findIndex((l) => /^\|\s*option\s*\|\s*set with\s*\|\s*default\s*\|/.test(l));
  assert.ok(
    header >= 0,
    "docs/options.md should have a table whose columns start: option | set with | default",
  );
  const rows: Row[] = [];
  for (let i = header + 2; i < lines.length && lines[i]!.startsWith("|"); i++) {
    const cells = lines[i]!.split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((cell) => cell.replaceAll("`", "").trim());
    assert.ok(cells.length >= 3, `docs/options.md:${i + 1}: a row with fewer than three cells`);
    rows.push({ line: i + 1, option: cells[0]!, setWith: cells[1]!, default: cells[2]! });
  }
  return rows;
}

const rows = tableRows();
const documented = (setWith: string, option: string) =>
  rows.filter((r) => r.setWith === setWith && r.option === option);

test("docs/options.md has one table holding every kind of option", () => {
  assert.ok(rows.length > 20, `found only ${rows.length} rows`);
  for (const setWith of [
    "weft()",
    ".options()",
    ".chunks()",
    "submit()",
    "task()",
    "retry policy",
    "weft worker",
  ]) {
    assert.ok(
      rows.some((r) => r.setWith === setWith),
      `no row is set with ${setWith}`,
    );
  }
});

for (const { file, name, setWith, prefix } of sources) {
  describe(`${name} (${file})`, () => {
    const members = interfaceMembers(file, name);
    for (const member of members) {
      const option = prefix + member.name;
      test(`${option} is in the table, set with ${setWith}, with the code's default`, () => {
        const found = documented(setWith, option);
        assert.equal(
          found.length,
          1,
          `docs/options.md should have exactly one row for ${option} set with ${setWith} (${name} in ${file})`,
        );
        const expected = member.default ?? (member.optional ? "none" : "required");
        assert.equal(
          found[0]!.default,
          expected,
          `docs/options.md:${found[0]!.line}: the default of ${option} (${setWith}) should be what ${file} says`,
        );
      });
    }
    test(`the table lists no ${setWith} option that ${name} does not have`, () => {
      const known = new Set(
        sources
          .filter((s) => s.setWith === setWith)
          .flatMap((s) => interfaceMembers(s.file, s.name).map((m) => s.prefix + m.name)),
      );
      const stale = rows.filter((r) => r.setWith === setWith && !known.has(r.option));
      assert.deepEqual(
        stale.map((r) => `docs/options.md:${r.line}: ${r.option}`),
        [],
        "rows for options the code does not have",
      );
    });
  });
}

test("the parser reads @default tags as written", () => {
  const weftOptions = new Map(interfaceMembers("src/pool/options.ts", "WeftOptions").map((m) => [m.name, m]));
  assert.equal(weftOptions.get("backend")?.default, '"threads"');
  assert.equal(weftOptions.get("minChunk")?.default, "1");
  assert.equal(weftOptions.get("redis")?.default, undefined);
  assert.equal(weftOptions.get("redis")?.optional, true);
});

test("every weft worker option is in the table, and no other", async () => {
  const { stdout } = await run(process.execPath, [join(root, "bin/weft.js"), "worker", "--help"], {
    cwd: root,
  });
  const fromHelp = [...stdout.matchAll(/^ {2}(--[\w-]+(?: <[\w.]+>)?)/gm)]
    .map(([, flag]) => flag!)
    .filter((flag) => flag !== "--help")
    .sort();
  const inTable = rows
    .filter((r) => r.setWith === "weft worker")
    .map((r) => r.option)
    .sort();
  assert.deepEqual(inTable, fromHelp);
});
