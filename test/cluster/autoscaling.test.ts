// The Kubernetes manifest of docs/kubernetes/weft-worker.yaml held to weft itself: the worker it
// runs takes the options it passes, its secrets come from a Secret, and the list KEDA scales on is
// the one where a job's chunks wait for a worker on a real Redis, filled while no worker is there
// and emptied once one joins.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { queueKey } from "../../src/backends/redis/keys.ts";
import { weft } from "../../src/index.ts";
import { add, square } from "../fixtures/tasks.ts";
import { startCluster } from "../support/cluster.ts";
import { checkLeaks } from "../support/leaks.ts";
import { adminClient, pollUntil, runWeft, sequentialSumOfSquares, workerSettings } from "./helpers.ts";

checkLeaks();

const manifestPath = new URL("../../docs/kubernetes/weft-worker.yaml", import.meta.url);

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Container {
  command: string[];
  args: string[];
  env: EnvVar[];
  resources: { requests: { cpu: string } };
}
interface Deployment {
  kind: "Deployment";
  metadata: { name: string };
  spec: { template: { spec: { terminationGracePeriodSeconds: number; containers: Container[] } } };
}
interface ScaledObject {
  kind: "ScaledObject";
  spec: {
    scaleTargetRef: { name: string };
    triggers: { type: string; metadata: Record<string, string> }[];
  };
}

function manifest(): { deployment: Deployment; scaled: ScaledObject } {
  const docs = parseAllDocuments(readFileSync(manifestPath, "utf8"));
  for (const doc of docs) assert.deepEqual(doc.errors, [], "the manifest parses as YAML");
  const objects = docs.map((doc) => doc.toJS() as Deployment | ScaledObject);
  const deployment = objects.find((o): o is Deployment => o.kind === "Deployment");
  const scaled = objects.find((o): o is ScaledObject => o.kind === "ScaledObject");
  assert.ok(deployment && scaled, "a Deployment and a ScaledObject");
  return { deployment, scaled };
}

/** The value after `flag` in `args`. */
const flagValue = (args: readonly string[], flag: string) => args[args.indexOf(flag) + 1];

describe("the Kubernetes manifest in docs/kubernetes", () => {
  test("runs `weft worker` with options it takes, its secrets from a Secret, as many threads as cores", async () => {
    const { deployment, scaled } = manifest();
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    assert.deepEqual(container!.command.slice(-2), ["weft", "worker"]);
    const help = await runWeft(["worker", "--help"]);
    assert.equal(help.code, 0, help.stderr);
    for (const flag of container!.args.filter((arg) => arg.startsWith("--")))
      assert.match(help.stdout, new RegExp(`${flag}\\b`), `weft worker takes ${flag}`);
    assert.equal(flagValue(container!.args, "--concurrency"), container!.resources.requests.cpu);
    // SIGTERM lets running chunks finish: the grace period must leave time for that.
    assert.ok(pod.terminationGracePeriodSeconds >= 60);

    const env = new Map(container!.env.map((v) => [v.name, v]));
    for (const variable of env.values())
      assert.ok(variable.valueFrom?.secretKeyRef, `${variable.name} comes from a Secret, not the manifest`);
    assert.ok(env.has("WEFT_REDIS_URL"), "the worker finds Redis through WEFT_REDIS_URL");
    const [trigger] = scaled.spec.triggers;
    assert.equal(scaled.spec.scaleTargetRef.name, deployment.metadata.name);
    assert.equal(trigger!.type, "redis");
    for (const key of ["addressFromEnv", "passwordFromEnv"])
      assert.ok(env.has(trigger!.metadata[key]!), `KEDA's ${key} names a variable of the container`);
    const prefix = flagValue(container!.args, "--prefix");
    assert.equal(trigger!.metadata.listName, queueKey(prefix!));
  });

  test("the list KEDA scales on holds a job's chunks while no worker is there, and empties once one joins", async () => {
    const listName = manifest().scaled.spec.triggers[0]!.metadata.listName!;
    await using cluster = await startCluster(0, workerSettings);
    await using admin = await adminClient(cluster.redis.url);
    await using pool = await weft({ redis: cluster.redis.url });
    const sum = pool.range(0, 1000).map(square).reduce(add);
    // Two slots while no worker is there: a chunk waits in the list for each.
    assert.equal(pool.workers, 2);
    await pollUntil(
      async () => ((await admin.llen(listName)) === pool.workers ? true : undefined),
      20_000,
      `a chunk waiting in ${listName} for each of the pool's slots`,
    );
    await cluster.addWorker();
    assert.equal(await sum, await sequentialSumOfSquares(1000));
    assert.equal(await admin.llen(listName), 0);
  });
});
