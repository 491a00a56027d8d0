// The docs cannot drift from the measurements. Every benchmark figure the README, the guide
// (docs/*.md) and the design notes quote comes from a run stored in docs/results/, written by the
// benchmark program's --publish:
//
// - every generated region (<!-- results: name args --> ... <!-- /results -->) holds exactly what
//   its renderer in scripts/docs-results/ makes of the stored files, so a new run followed by
//   `npm run docs:results` updates every page, and a hand edit or a stale page fails here;
// - outside the regions, text and code blocks included, the pages quote no benchmark figure
//   (speedups, times, rates, percentages, fitted fractions), apart from a short allow-list of
//   numbers that are settings of the code, not measurements;
// - each stored file says which command, commit and machine produced it;
// - comments in src/ quote no measured speedups, percentages or rates: they point here instead.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import * as prettier from "prettier";
import type { Measurement } from "../../bench/measure.ts";
import { overheadJobNames } from "../../bench/overhead/jobs.ts";
import { overheadRow, type OverheadReport } from "../../bench/overhead/stats.ts";
import { toRows, type Report } from "../../bench/report.ts";
import {
  speedupTarget,
  workloadNames,
  type Workload,
  type WorkloadName,
} from "../../bench/workloads/workload.ts";
import { renderPage } from "../../scripts/docs-results/pages.ts";
import {
  documents,
  findRegions,
  outsideRegions,
  RegionSyntaxError,
} from "../../scripts/docs-results/regions.ts";
import { render, renderers } from "../../scripts/docs-results/renderers.ts";
import {
  resultsFolder,
  root,
  storedFiles,
  StoredResults,
  type StoredName,
} from "../../scripts/docs-results/stored.ts";
import { commandLine, stringify } from "../../src/scaling/publish.ts";
import {
  coordinatorTtlMs,
  holderCheckMs,
  workerPresenceTimes,
  workerTtlMs,
} from "../../src/backends/redis/cluster-watch.ts";
import { targetChunkMs } from "../../src/scheduler/chunking.ts";
import { moduleLoadLimitMs } from "../../src/task/load.ts";

const read = (path: string) => readFileSync(join(root, path), "utf8");
const pages = documents(root);
const stored = new StoredResults();

/** Benchmark figures: what a page may only quote through a region. */
const figures: readonly { readonly what: string; readonly pattern: RegExp }[] = [
  { what: "a speedup or ratio", pattern: /\b\d+(?:\.\d+)?x\b/g },
  {
    what: "a time",
    pattern: /\b\d[\d,]*(?:\.\d+)?\s?(?:ms|µs|ns|s|seconds|milliseconds|nanoseconds)\b/g,
  },
  {
    what: "a rate",
    pattern:
      /\b\d[\d,]*(?:\.\d+)?\s?[KM]?(?:\s(?:tasks|items|calls|requests|jobs|numbers|rows|words|chunks))?\s?\/\s?s\b/g,
  },
  { what: "a rate", pattern: /\b\d[\d,]*(?:\.\d+)?\s?[KM]?\s(?:\w+\s)?per second\b/g },
  { what: "a count in thousands", pattern: /\b\d+(?:\.\d+)?K\b/g },
  { what: "a percentage", pattern: /\b\d+(?:\.\d+)?\s?%/g },
  { what: "a serial fraction or Karp-Flatt e", pattern: /\b[fe]\s?=\s?-?\d*\.\d+/g },
];

/**
 * Numbers that match a pattern above but are settings of the code or definitions, not measurements.
 * A figure is allowed when one of these matches around it on its line. Keep this short: a new
 * figure belongs in a region, not here.
 */
const allowed: readonly { readonly pattern: RegExp; readonly why: string }[] = [
  {
    pattern: /\b40 ms\b/g,
    why: "the chunk-size target, targetChunkMs in src/scheduler/chunking.ts (a test below holds it to the code)",
  },
  { pattern: /(?:under|<) 1%/g, why: "what the chunk target aims the message cost at: a design goal" },
  { pattern: /\bdefault:? \d[\d,_]*(?:\.\d+)? ?(?:ms|s)\b/g, why: "an option's default, from the code" },
  {
    pattern: /\b\d+ (?:ms|s) by(?: default\b|$)/g,
    why: "an option's default, the sentence going on to say so",
  },
  { pattern: /\btimeout of \d+ ms\b/g, why: "an error message quoting the timeout the task was given" },
  {
    pattern: /\b10 s (?:in a worker|to load)\b/g,
    why: "the module-load limit, moduleLoadLimitMs in src/task/load.ts (a test below holds it to the code)",
  },
  {
    pattern:
      /^\| `(?:holderCheckMs|channelGraceMs|workerTtlMs|keyGraceMs|coordinatorTtlMs|holdOffMs)`.*\|\s*\d+ (?:ms|s)\s*\|$/g,
    why: "the cluster's presence settings, in docs/cluster.md's table of them (a test below holds it to the code)",
  },
  { pattern: /\bevery \d+ s\b/g, why: "a fixed interval of a protocol (heartbeats, keep-alive comments)" },
  { pattern: /\b1 ms to 10 s buckets\b/g, why: "the bucket bounds of a Prometheus histogram, a setting" },
  { pattern: /\bover the last 30 s\b/g, why: "the dashboard's time window, a setting" },
  { pattern: /\b100% as the ideal\b/g, why: "the definition of ideal efficiency" },
];

/** The figures on one line that no allow-list entry covers. */
function figuresIn(line: string): { what: string; text: string }[] {
  const cover = allowed.flatMap(({ pattern }) =>
    [...line.matchAll(pattern)].map((m) => [m.index, m.index + m[0].length] as const),
  );
  return figures.flatMap(({ what, pattern }) =>
    [...line.matchAll(pattern)]
      .filter((m) => !cover.some(([from, to]) => from <= m.index && m.index + m[0].length <= to))
      .map((m) => ({ what, text: m[0] })),
  );
}

describe("the stored runs in docs/results/", () => {
  for (const name of Object.keys(storedFiles) as StoredName[]) {
    test(`${storedFiles[name].file} says which command, commit and machine produced it`, () => {
      const { meta } = stored.get(name); // throws, naming the command to run, if missing or incomplete
      assert.ok(meta.command.includes("--publish"), `${name}: meta.command should be the publishing command`);
      assert.ok(
        meta.commit !== undefined,
        `${name}: meta.commit is missing (published outside a git checkout?)`,
      );
      assert.ok(Number.isInteger(meta.cores) && meta.cores >= 1);
      assert.ok(!Number.isNaN(Date.parse(meta.date)), `${name}: meta.date is not a date`);
    });
  }

  test("holds only the files of the benchmark programs, each quoted by some page", () => {
    const files = readdirSync(join(root, resultsFolder)).sort();
    assert.deepEqual(
      files,
      Object.values(storedFiles)
        .map((f) => f.file)
        .sort(),
    );
    const quoted = new Set(
      pages.flatMap((doc) => findRegions(read(doc), doc).map((region) => region.name.split(".")[0])),
    );
    assert.deepEqual(
      Object.keys(storedFiles).filter((name) => !quoted.has(name)),
      [],
      "a stored run no page quotes",
    );
  });
});

describe("generated regions hold what the stored runs say", () => {
  for (const doc of pages) {
    test(doc, () => {
      const { regions } = renderPage(doc, read(doc), stored);
      const stale = regions
        .filter(({ region, expected }) => region.content !== expected)
        .map(({ region, expected }) => ({
          where: `${doc}:${region.line}`,
          region: [region.name, ...region.args].join(" "),
          holds: region.content,
          expected,
        }));
      assert.deepEqual(
        stale,
        [],
        `${stale.length} region(s) of ${doc} differ from docs/results/ (edited by hand, or a new run was ` +
          "published): run `npm run docs:results`",
      );
    });
  }
});

describe("outside the regions, the pages quote no benchmark figures", () => {
  for (const doc of pages) {
    test(doc, () => {
      const text = read(doc);
      const found = outsideRegions(text, findRegions(text, doc))
        .split("\n")
        .flatMap((line, i) =>
          figuresIn(line).map(({ what, text: figure }) => `${doc}:${i + 1}: ${what}, "${figure}"`),
        );
      assert.deepEqual(
        found,
        [],
        "quote a benchmark figure through a region rendered from docs/results/ (see scripts/docs-results/renderers.ts, " +
          "then npm run docs:results), or leave it out; a setting of the code goes in the allow-list of this test",
      );
    });
  }

  test("the patterns catch figures as the docs used to quote them, and allow settings", () => {
    const flagged = [
      "| coarse | 3,354 ms | 1,720 ms, **1.95x** | 1.93x |",
      "**415K tasks/s** | 39.2K/s | 13.2K/s",
      "`POST /api/jobs` 2,510 requests/s, p99 24.5 ms",
      "4. The answers agree. Speedup 1.95x on 2 workers, parallel efficiency 98%.",
      "   1,270,607 primes in 3.24 s",
      "the fit measures f = 0.13, against 6.4K to 40.5K for the peers",
      "fine, items/s: 1.07M items/s against 6.7K items/s, **161x**",
    ];
    for (const line of flagged) assert.notDeepEqual(figuresIn(line), [], line);
    const settings = [
      "chunks of about 40 ms keep its cost under 1%",
      "If Redis stays unreachable longer than `unreachableTimeoutMs` (default 30 s), the job fails",
      "heartbeat every 2 s, and a comment line every 15 s",
      "a module still loading after 10 s in a worker; ran past its timeout of 500 ms",
      "`--lease` (ms, default 30000), `graceMs` (default 1000), `timeout: 30_000`",
      "a 2000x2000 image, seeds 0xa and 0xb, 20 million numbers",
    ];
    for (const line of settings) assert.deepEqual(figuresIn(line), [], line);
  });

  test("the settings the allow-list names are still the code's", () => {
    assert.equal(targetChunkMs, 40, "the docs say chunks of about 40 ms: update them and the allow-list");
    assert.equal(
      moduleLoadLimitMs,
      10_000,
      "the docs say 10 s to load a module: update them and the allow-list",
    );
    const code: Record<string, number> = {
      holderCheckMs,
      workerTtlMs,
      coordinatorTtlMs,
      ...workerPresenceTimes,
    };
    const documented = [...read("docs/cluster.md").matchAll(/^\| `(\w+)`.*\|\s*(\d+) (ms|s)\s*\|$/gm)];
    assert.deepEqual(
      Object.fromEntries(
        documented.map(([, name, n, unit]) => [name, Number(n) * (unit === "s" ? 1000 : 1)]),
      ),
      code,
      "docs/cluster.md's table of presence settings differs from src/backends/redis/cluster-watch.ts",
    );
  });
});

describe("the npm run bench regions, from runs with and without the newer measurements", () => {
  const peers = ["piscina", "workerpool"];
  const skewed: readonly WorkloadName[] = ["skewed", "skewed-middle", "skewed-random"];
  /** A run of every workload: the plain loop 1,000 ms, weft 520, the hand split 600, the peers 700 and 500. */
  function run(workloads: readonly WorkloadName[], withSplit: boolean, overhead?: OverheadReport): Report {
    const times: Record<string, number> = {
      sequential: 1000,
      weft: 520,
      "weft+faults": 530,
      "hand split": 600,
    };
    peers.forEach((peer, k) => (times[peer] = 700 - 200 * k));
    const measurements: Measurement[] = workloads.flatMap((workload) =>
      Object.entries(times)
        .filter(([contender]) => contender !== "hand split" || (withSplit && workload !== "submit"))
        .map(([contender, medianMs]) => ({
          workload,
          contender,
          samplesMs: [medianMs],
          measuredItems: 100,
          extrapolated: false,
          medianMs,
          minMs: medianMs,
          maxMs: medianMs,
        })),
    );
    const defs = workloads.map((name): Workload<unknown> => ({
      name,
      size: `${name} of 100 items`,
      items: 100,
      unit: "items",
      target: name === "submit" ? { kind: "rate", min: 150 } : speedupTarget,
      versusBestPeer: skewed.includes(name),
      sequential: () => 0,
      weft: () => Promise.resolve(0),
      peer: () => Promise.resolve({ answer: 0, items: 100 }),
      mismatch: () => undefined,
    }));
    return {
      meta: {
        ...stored.get("bench").meta,
        workloads,
      },
      startup: [],
      results: toRows(measurements, defs),
      ...(overhead && { overhead }),
    };
  }
  const overhead: OverheadReport = {
    kernel: "mix",
    items: 1_000_000,
    backend: "threads",
    workers: 1,
    rounds: 3,
    targetNsPerItem: 5,
    jobs: overheadJobNames.map((job) =>
      overheadRow(
        {
          job,
          code: `range(0, n).${job}()`,
          plainMs: [25, 26, 24],
          weftMs: job === "fold" ? [31, 32, 33] : [27, 28, 29],
        },
        1_000_000,
      ),
    ),
  };
  const directories: string[] = [];
  after(() => directories.forEach((d) => rmSync(d, { recursive: true, force: true })));
  function rendered(report: Report, region: "bench.table" | "bench.overhead"): string {
    const directory = mkdtempSync(join(tmpdir(), "weft-results-"));
    directories.push(directory);
    writeFileSync(join(directory, "bench.json"), JSON.stringify(report));
    return render({ stored: new StoredResults(directory), doc: "README.md" }, region, [], "block");
  }
  const markdown = async (text: string) => prettier.format(text, { parser: "markdown", printWidth: 110 });

  test("the table: the plain loop, weft, the hand split and each peer, and the best peer on the skewed workloads", async () => {
    const text = rendered(run(workloadNames, true, overhead), "bench.table");
    const lines = text.split("\n");
    assert.match(
      lines[0]!,
      /^\| workload +\| plain loop \| weft +\| hand split \| piscina \| workerpool \| target +\|$/,
    );
    const row = (workload: string) =>
      lines
        .find((l) => l.startsWith(`| ${workload}: `))!
        .split("|")
        .map((c) => c.trim());
    assert.deepEqual(row("coarse").slice(2, 8), [
      "1,000 ms",
      "520 ms, **1.92x**",
      "1.67x",
      "1.43x",
      "2.00x",
      ">= 1.90x: met",
    ]);
    for (const w of skewed) {
      assert.equal(row(w)[7], ">= 1.90x: met; best peer workerpool 2.00x: behind", w);
    }
    assert.equal(row("submit")[4], "-", "nothing to split on submit");
    assert.doesNotMatch(text, /Not measured yet/);
    assert.equal(await markdown(text), `${text}\n`, "as prettier writes it");
  });

  test("the table says what a run published before the hand split and the new workloads lacks", () => {
    const text = rendered(run(["coarse", "fine", "skewed", "submit"], false), "bench.table");
    assert.match(
      text,
      /Not measured yet: .* ran the hand split and the workloads tiny, skewed-middle and skewed-random; `npm run bench -- --repeat 5 --publish` measures them\./,
    );
    assert.equal(
      text
        .split("\n")
        .filter((l) => l.startsWith("| coarse: "))[0]!
        .split("|")[4]!
        .trim(),
      "-",
    );
  });

  test("the overhead: per job, the plain loop and weft per item and what weft adds, against the 5 ns target", async () => {
    const text = rendered(run(workloadNames, true, overhead), "bench.overhead");
    assert.match(
      text,
      /^Each job on 1,000,000 items of mix: a plain loop on the main thread against the weft job on a pool of 1 worker thread/,
    );
    const rows = text.split("\n").filter((l) => /^\| (map|filter|count|reduce|fold) /.test(l));
    assert.deepEqual(
      rows.map((l) => l.split("|").map((c) => c.trim())[1]),
      [...overheadJobNames],
    );
    assert.deepEqual(
      rows[0]!
        .split("|")
        .map((c) => c.trim())
        .slice(3, 7),
      ["25.0 ns", "28.0 ns", "**3.0 ns** (2.0 to 5.0)", "<= 5 ns: met"],
    );
    assert.match(rows[4]!, /\*\*7\.0 ns\*\* .* <= 5 ns: not met/);
    assert.equal(await markdown(text), `${text}\n`, "as prettier writes it");
  });

  test("the overhead of a run published before it was measured: not measured yet, and how to measure it", () => {
    const text = rendered(run(workloadNames, true), "bench.overhead");
    assert.match(
      text,
      /^Not measured yet: .*measured the overhead per item; `npm run bench -- --repeat 5 --publish` measures it\.$/,
    );
  });
});

describe("regions are well-formed", () => {
  test("every page parses, and names only renderers that exist", () => {
    for (const doc of pages) {
      for (const region of findRegions(read(doc), doc)) {
        assert.ok(region.name in renderers, `${doc}:${region.line}: no renderer named ${region.name}`);
      }
    }
  });

  test("block and inline regions, and the mistakes that would show on GitHub", () => {
    const page = [
      "Prose with <!-- results: demo.speedup -->1.95x<!-- /results --> inside.",
      "",
      "<!-- results: bench.table -->",
      "",
      "| a   |",
      "| --- |",
      "",
      "<!-- /results -->",
    ].join("\n");
    const [inline, block] = findRegions(page, "page.md");
    assert.deepEqual(
      [inline?.kind, inline?.name, inline?.content, inline?.line],
      ["inline", "demo.speedup", "1.95x", 1],
    );
    assert.deepEqual(
      [block?.kind, block?.name, block?.content, block?.line],
      ["block", "bench.table", "| a   |\n| --- |", 3],
    );
    const broken = {
      "starts a line": "<!-- results: demo.speedup -->1.95x<!-- /results --> is fast.",
      "never closed": "Prose <!-- results: demo.speedup -->1.95x",
      nested: "A <!-- results: demo.speedup --> <!-- results: demo.efficiency -->1<!-- /results -->",
      "closed without opening": "Prose <!-- /results -->",
      "half a block": "<!-- results: bench.table -->\n| a |\nand more <!-- /results -->",
    };
    for (const [what, text] of Object.entries(broken)) {
      assert.throws(() => findRegions(text, "page.md"), RegionSyntaxError, what);
    }
  });
});

describe("comments in src/ quote no measured figures", () => {
  const comment = /^\s*(?:\/\/|\/?\*)(.*)$/;
  const measured = figures.filter((f) => /speedup|rate|percentage|thousands/.test(f.what));
  const files = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? files(join(dir, entry.name))
        : entry.name.endsWith(".ts")
          ? [join(dir, entry.name)]
          : [],
    );
  test("src/**/*.ts", () => {
    const found = files("src").flatMap((file) =>
      read(file)
        .split("\n")
        .flatMap((line, i) => {
          const text = comment.exec(line)?.[1];
          if (text === undefined) return [];
          return measured.flatMap(({ what, pattern }) =>
            [...text.matchAll(pattern)].map((m) => `${file}:${i + 1}: ${what}, "${m[0]}"`),
          );
        }),
    );
    assert.deepEqual(
      found,
      [],
      "a comment should give the reasoning and point to the README's Benchmarks section or docs/results/, where the figures are kept",
    );
  });
});

describe("publishing a run", () => {
  test("records the command as typed, arguments after -- under npm", () => {
    assert.equal(
      commandLine("npm run bench", ["--repeat", "5", "--publish"]),
      "npm run bench -- --repeat 5 --publish",
    );
    assert.equal(commandLine("npm start", []), "npm start");
    assert.equal(
      commandLine("npx weft bench", ["--workers", "1,2,4", "--publish"]),
      "npx weft bench --workers 1,2,4 --publish",
    );
    assert.equal(commandLine("npx weft demo", ["--size", "5 000"]), "npx weft demo --size '5 000'");
  });

  test("writes plain objects on one line, which prettier keeps so", async () => {
    const data = {
      meta: { command: "npm run bench -- --publish", quick: false, commit: undefined },
      samplesMs: [3354.123456789, 3360.5, 3349.25],
      timeline: [
        { worker: 0, startMs: 0.536865234375, endMs: 40.5419921875, items: 1 },
        { worker: 1, startMs: 0.616455078125, endMs: 41.619873046875, items: 20_000 },
      ],
      empty: { list: [], object: {} },
    };
    const text = `${stringify(data, "")}\n`;
    assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(data)));
    assert.ok(
      text.includes(`{ "worker": 0, "startMs": 0.536865234375, "endMs": 40.5419921875, "items": 1 }`),
    );
    const config = await prettier.resolveConfig(join(root, resultsFolder, "bench.json"));
    const formatted = await prettier.format(text, { ...config, parser: "json" });
    // prettier packs short arrays of numbers onto one line, and keeps the one-line objects as written
    assert.deepEqual(JSON.parse(formatted), JSON.parse(text));
    assert.ok(
      formatted.includes(`{ "worker": 0, "startMs": 0.536865234375, "endMs": 40.5419921875, "items": 1 }`),
    );
  });
});
