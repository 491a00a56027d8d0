// `npm test`: installs what the suite needs and then runs it (scripts/test/main.ts). Plain JavaScript,
// so it starts on any Node.js, before the project's own packages (tsx among them) are installed.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
if (!existsSync(`${root}/node_modules/tsx/package.json`)) {
  console.log("npm test: installing the project's packages first (npm ci)");
  const npm = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (npm.status !== 0) process.exit(npm.status ?? 1);
}
const { register } = await import("tsx/esm/api");
register();
await import("./test/main.ts");
