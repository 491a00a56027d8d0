#!/usr/bin/env node
// The `weft` command. In a checkout it runs the TypeScript sources through tsx; an installed package
// ships only the build in dist/.
import { existsSync } from "node:fs";
import { URL } from "node:url";

const source = new URL("../src/cli/main.ts", import.meta.url);
if (existsSync(source)) {
  const tsx = await import("tsx/esm/api");
  tsx.register();
  await import(source.href);
} else {
  await import(new URL("../dist/cli/main.js", import.meta.url).href);
}
