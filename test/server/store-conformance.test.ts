// Every job store passes the same suite (store-conformance.ts): SQLite in memory.
import { describe } from "node:test";
import { SqliteJobStore } from "../../src/server/store/sqlite-job-store.ts";
import { checkLeaks } from "../support/leaks.ts";
import { manualClock, storeConformance } from "./store-conformance.ts";

checkLeaks();

describe("the SQLite job store", () => {
  storeConformance((clock = manualClock()) =>
    Promise.resolve(SqliteJobStore.open(":memory:", { now: clock.now })),
  );
});
