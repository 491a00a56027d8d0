// weft as a user gets it: packed with `npm pack` from a built copy of the checkout (which is left as it
// was), and installed from the tarball into an empty project. The project's lock file pins weft's
// dependencies to the versions of this checkout's lock, so `npm ci --offline` takes them all from the
// npm cache that installing this checkout filled: nothing talks to the registry. Used by the
// first-steps test and the install benchmark.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));

/** Builds a copy of the checkout in `scratch` and packs it there; resolves with the tarball's path. */
export async function packWeft(scratch: string): Promise<string> {
  const copy = join(scratch, "weft");
  mkdirSync(copy);
  for (const entry of ["package.json", "tsconfig.json", "README.md", "src", "bin", "web"]) {
    cpSync(join(root, entry), join(copy, entry), { recursive: true });
  }
  symlinkSync(join(root, "node_modules"), join(copy, "node_modules"));
  await run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], {
    cwd: copy,
  });
  const { stdout } = await run("npm", ["pack", "--ignore-scripts", "--pack-destination", scratch], {
    cwd: copy,
  });
  return join(scratch, stdout.trim().split("\n").at(-1)!);
}

/** Makes `dir`, an ES module project named `name`, with weft installed from `tarball`. */
export async function installInto(dir: string, tarball: string, name = "my-job"): Promise<void> {
  mkdirSync(dir);
  cpSync(tarball, join(dir, "weft.tgz"));
  const weftPackage = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Record<string, unknown>;
  const weftLock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const integrity = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
  const dependency = { weft: "file:weft.tgz" };
  const packages: Record<string, unknown> = {
    "": { name, dependencies: dependency },
    "node_modules/weft": {
      version: weftPackage.version,
      resolved: "file:weft.tgz",
      integrity,
      license: weftPackage.license,
      dependencies: weftPackage.dependencies,
      peerDependencies: weftPackage.peerDependencies,
      peerDependenciesMeta: weftPackage.peerDependenciesMeta,
      bin: weftPackage.bin,
      engines: weftPackage.engines,
    },
  };
  for (const [path, entry] of Object.entries(weftLock.packages)) {
    if (path.startsWith("node_modules/") && !entry.dev) packages[path] = entry;
  }
  const manifest = { name, version: "1.0.0", type: "module", private: true, dependencies: dependency };
  writeFileSync(join(dir, "package.json"), JSON.stringify(manifest, null, 2));
  writeFileSync(
    join(dir, "package-lock.json"),
    JSON.stringify({ name, lockfileVersion: 3, requires: true, packages }, null, 2),
  );
  await run("npm", ["ci", "--offline", "--no-audit", "--no-fund"], { cwd: dir });
}
