// The stored benchmark results in docs/results/: one file per benchmark program, each written by
// that program's --publish. Every number the README and the guide quote is rendered from these.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ClusterReport } from "../../bench/cluster/report.ts";
import type { DataReport } from "../../bench/data/report.ts";
import type { ParquetReport } from "../../bench/data/parquet-report.ts";
import type { CsvReport } from "../../bench/data/csv-report.ts";
import type { PipeReport } from "../../bench/pipe/report.ts";
import type { InstallReport } from "../../bench/install/report.ts";
import type { IoReport } from "../../bench/io/report.ts";
import type { TransferReport } from "../../bench/transfer/report.ts";
import type { Report as BenchReport } from "../../bench/report.ts";
import type { ReplicasReport, ServerReport } from "../../bench/server-report.ts";
import type { SimulateReport } from "../../bench/simulate/report.ts";
import type { PublishedMeta } from "../../src/scaling/publish.ts";
import type { PublishedScaling } from "../../src/cli/commands/bench.ts";
import type { DemoReport } from "../../src/cli/commands/demo.ts";

export const root = fileURLToPath(new URL("../../", import.meta.url));
/** Relative to the repository root. */
export const resultsFolder = "docs/results";

/** Each stored file: its name, its type, and the command that writes it (what to run when it is missing). */
export const storedFiles = {
  bench: { file: "bench.json", publish: "npm run bench -- --repeat 5 --publish" },
  cluster: { file: "cluster.json", publish: "npm run bench:cluster -- --repeat 5 --publish" },
  server: { file: "server.json", publish: "npm run bench:server -- --publish" },
  replicas: { file: "server-replicas.json", publish: "npm run bench:server -- --replicas --publish" },
  scaling: { file: "scaling.json", publish: "npx weft bench --workers 1,2,4 --publish" },
  demo: { file: "demo.json", publish: "npm start -- --publish" },
  install: { file: "install.json", publish: "npm run bench:install -- --publish" },
  data: { file: "data.json", publish: "npm run bench:data -- --publish" },
  parquet: { file: "parquet.json", publish: "npm run bench:data -- --parquet --publish" },
  csv: { file: "csv.json", publish: "npm run bench:data -- --csv --publish" },
  pipe: { file: "pipe.json", publish: "npm run bench:pipe -- --publish" },
  io: { file: "io.json", publish: "npm run bench:io -- --publish" },
  transfer: { file: "transfer.json", publish: "npm run bench:transfer -- --publish" },
  simulate: { file: "simulate.json", publish: "npm run simulate -- --publish" },
} as const;

export type StoredName = keyof typeof storedFiles;

interface Contents {
  readonly bench: BenchReport;
  readonly cluster: ClusterReport;
  readonly server: ServerReport;
  readonly replicas: ReplicasReport;
  readonly scaling: PublishedScaling;
  readonly demo: DemoReport;
  readonly install: InstallReport;
  readonly data: DataReport;
  readonly parquet: ParquetReport;
  readonly csv: CsvReport;
  readonly pipe: PipeReport;
  readonly io: IoReport;
  readonly transfer: TransferReport;
  readonly simulate: SimulateReport;
}

/** The stored files, each read on first use, so a page that quotes only one run needs only that file. */
export class StoredResults {
  readonly #cache = new Map<StoredName, unknown>();

  /** `directory`: docs/results/ of this checkout unless told otherwise (to try new files first). */
  constructor(readonly directory = join(root, resultsFolder)) {}

  get<N extends StoredName>(name: N): Contents[N] {
    if (!this.#cache.has(name)) this.#cache.set(name, this.#read(name));
    return this.#cache.get(name) as Contents[N];
  }

  #read(name: StoredName): unknown {
    const { file, publish } = storedFiles[name];
    const path = join(this.directory, file);
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(path, "utf8"));
    } catch (error) {
      throw new Error(`cannot read ${path} (${(error as Error).message}): \`${publish}\` writes it`);
    }
    const meta = (data as { meta?: Partial<PublishedMeta> }).meta;
    const missing = metaFields.filter((field) => meta?.[field] === undefined);
    if (missing.length > 0) {
      throw new Error(`${path} lacks meta.${missing.join(", meta.")}: publish it again with \`${publish}\``);
    }
    return data;
  }
}

/** What every stored file must say about its run (commit may be absent only outside a git checkout). */
export const metaFields = [
  "command",
  "date",
  "node",
  "platform",
  "cpu",
  "cores",
  "loadAverage",
  "quick",
] as const satisfies readonly (keyof PublishedMeta)[];
