// The Dockerfile and deploy/compose.yaml held to weft itself, without a container runtime: the image
// is built in stages on a supported Node.js line and runs as a user that is not root, its entry point
// is a file the package ships, and every command the image or a Compose service runs is a weft command
// with options it takes; secrets come from the environment, not the files.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { optionalPackages } from "../src/optional-packages.ts";
import { supportedLines } from "../scripts/test/node-lines.ts";
import { runWeft } from "./cluster/helpers.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");
const pkg = JSON.parse(read("package.json")) as {
  files: string[];
  bin: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The Dockerfile's instructions, continuation lines joined, comments left out. */
function instructions(): { op: string; args: string }[] {
  return read("Dockerfile")
    .replace(/\\\n/g, " ")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.trimStart().startsWith("#"))
    .map((line) => {
      const [op, ...rest] = line.trim().split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(" ") };
    });
}

/** Every `--flag` of `args` is one `weft <command> --help` lists. */
async function assertWeftCommand(args: readonly string[], where: string): Promise<void> {
  const [command] = args;
  assert.ok(
    command === "serve" || command === "worker",
    `${where} runs weft serve or weft worker, not ${command}`,
  );
  const help = await runWeft([command, "--help"]);
  assert.equal(help.code, 0, help.stderr);
  for (const flag of args.filter((arg) => arg.startsWith("--")))
    assert.match(help.stdout, new RegExp(`${flag}\\b`), `${where}: weft ${command} takes ${flag}`);
}

describe("the deployment files", () => {
  test("the Dockerfile: stages on a supported Node.js line, not root, an entry point the package ships", async () => {
    const steps = instructions();
    const froms = steps.filter((s) => s.op === "FROM");
    assert.ok(froms.length >= 2, "a build stage and a smaller final one");
    for (const { args } of froms) {
      const line = Number(/^node:(\d+)-/.exec(args)?.[1]);
      assert.ok(
        (supportedLines as readonly number[]).includes(line),
        `${args} is on a supported Node.js line`,
      );
    }
    const final = steps.slice(steps.lastIndexOf(froms.at(-1)!));
    const users = final.filter((s) => s.op === "USER").map((s) => s.args);
    assert.ok(
      users.length > 0 && !["root", "0"].includes(users.at(-1)!),
      "the final stage runs as a user, not root",
    );

    const entry = JSON.parse(final.find((s) => s.op === "ENTRYPOINT")!.args) as string[];
    assert.equal(entry[0], "node");
    const shipped = /\/node_modules\/weft\/(.+)$/.exec(entry[1]!)?.[1];
    assert.equal(`./${shipped}`, pkg.bin.weft, "the entry point is weft's command");
    assert.ok(
      pkg.files.includes(shipped!.split("/")[0]!) && existsSync(`${root}/${shipped}`),
      "the package ships it",
    );
    await assertWeftCommand(
      JSON.parse(final.find((s) => s.op === "CMD")!.args) as string[],
      "the image's CMD",
    );

    // It installs the optional packages of serve and worker by weft's own list, at the versions weft is developed with.
    assert.match(
      read("Dockerfile"),
      /optionalPackages as o .*\[\.\.\.o\.cluster, \.\.\.o\.service, \.\.\.o\.postgres\]/,
    );
    for (const name of [
      ...optionalPackages.cluster,
      ...optionalPackages.service,
      ...optionalPackages.postgres,
    ])
      assert.ok(pkg.devDependencies[name], `${name} has a version in devDependencies`);
  });

  test("deploy/compose.yaml: Redis, PostgreSQL, two workers and two service replicas on one job store, each running a weft command it has", async () => {
    interface Service {
      image: string;
      command: string[];
      environment?: Record<string, string>;
      healthcheck?: { test: string[] };
    }
    const compose = parse(read("deploy/compose.yaml")) as { services: Record<string, Service> };
    const services = Object.entries(compose.services);
    const weftServices = services.filter(([, s]) => s.image === "weft");
    assert.deepEqual(
      weftServices.map(([, s]) => s.command[0]),
      ["worker", "worker", "serve", "serve"],
    );
    const redis = services.find(([, s]) => s.image.startsWith("redis:"));
    assert.ok(redis, "a Redis");
    const postgres = services.find(([, s]) => s.image.startsWith("postgres:"));
    assert.ok(postgres, "a PostgreSQL");
    const database = postgres[1].environment!;
    assert.match(
      database.POSTGRES_PASSWORD!,
      /^\$\{WEFT_DB_PASSWORD:\?/,
      "its password comes from the environment",
    );
    for (const [name, service] of weftServices) {
      await assertWeftCommand(service.command, `the ${name} service`);
      assert.equal(
        service.environment?.WEFT_REDIS_URL,
        `redis://${redis[0]}:6379`,
        `${name} reaches the Redis`,
      );
    }
    for (const [name, server] of weftServices.filter(([, s]) => s.command[0] === "serve")) {
      assert.match(
        server.environment!.WEFT_TOKEN!,
        /^\$\{WEFT_TOKEN:\?/,
        `${name}: the token comes from the environment, and must be set`,
      );
      assert.match(server.healthcheck!.test.join(" "), /\/readyz/);
      // Replicas share one job store: PostgreSQL's, as its own user and database, not a SQLite file each.
      assert.ok(!server.command.includes("--db"), `${name} keeps no SQLite file`);
      const store = new URL(server.environment!.WEFT_STORE_URL!.replace("${WEFT_DB_PASSWORD}", "password"));
      assert.equal(store.protocol, "postgres:");
      assert.equal(
        `${store.hostname}:${store.port}`,
        `${postgres[0]}:5432`,
        `${name} reaches the PostgreSQL`,
      );
      assert.equal(store.username, database.POSTGRES_USER);
      assert.equal(store.pathname, `/${database.POSTGRES_DB}`);
      assert.match(
        server.environment!.WEFT_STORE_URL!,
        /:\$\{WEFT_DB_PASSWORD\}@/,
        `${name}: the password from the environment`,
      );
    }
  });
});
