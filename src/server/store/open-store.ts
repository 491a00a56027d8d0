// The job store a server's settings name: SQLite in a file (the default, for one server), or
// PostgreSQL (for replicas), whose client is loaded only then.
import { loadFeature } from "../../optional-packages.ts";
import type { JobStore, JobStoreOptions } from "./job-store.ts";
import { SqliteJobStore } from "./sqlite-job-store.ts";

export type StoreLocation = { readonly postgres: string } | { readonly sqlite: string };

export async function openStore(location: StoreLocation, options: JobStoreOptions): Promise<JobStore> {
  if ("sqlite" in location) return SqliteJobStore.open(location.sqlite, options);
  const { PostgresJobStore } = await loadFeature(
    "postgres",
    "a job store in PostgreSQL (weft serve --store)",
    () => import("./postgres-job-store.ts"),
  );
  return PostgresJobStore.open(location.postgres, options);
}
