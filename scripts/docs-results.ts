// `npm run docs:results`: renders the generated regions of the README and the guide from the stored
// benchmark runs in docs/results/ (each written by its program's --publish), and formats those files
// as prettier does. `--check` changes nothing and exits 1 if anything would change.
//
// Usage: node --import tsx scripts/docs-results.ts [--check]
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as prettier from "prettier";
import { renderPage } from "./docs-results/pages.ts";
import { documents } from "./docs-results/regions.ts";
import { resultsFolder, root, StoredResults } from "./docs-results/stored.ts";

const { values } = parseArgs({ options: { check: { type: "boolean", default: false } } });
const stale: string[] = [];

async function formatted(path: string, text: string): Promise<string> {
  const config = await prettier.resolveConfig(path);
  return prettier.format(text, { ...config, filepath: path });
}

function update(file: string, before: string, after: string, what: string): void {
  if (before === after) return;
  stale.push(`${file}: ${what}`);
  if (!values.check) writeFileSync(join(root, file), after);
}

// The stored files, as prettier writes JSON (the programs write plain JSON.stringify output).
for (const name of readdirSync(join(root, resultsFolder))
  .filter((n) => n.endsWith(".json"))
  .sort()) {
  const file = `${resultsFolder}/${name}`;
  const text = readFileSync(join(root, file), "utf8");
  update(file, text, await formatted(join(root, file), text), "formatted");
}

const stored = new StoredResults();
let regions = 0;
for (const doc of documents(root)) {
  const text = readFileSync(join(root, doc), "utf8");
  const page = renderPage(doc, text, stored);
  regions += page.regions.length;
  // A renderer must write Markdown as prettier would, or `npm run format` and this script would fight.
  const path = join(root, doc);
  if ((await formatted(path, page.text)) !== page.text && (await formatted(path, text)) === text) {
    throw new Error(
      `${doc}: prettier would change the rendered page; fix the renderer in scripts/docs-results/`,
    );
  }
  const changed = page.regions.filter((r) => r.region.content !== r.expected).length;
  update(doc, text, page.text, `${changed} of ${page.regions.length} regions rendered anew`);
}

for (const line of stale) console.log(`${values.check ? "stale" : "updated"} ${line}`);
console.log(
  `${regions} regions in ${documents(root).length} pages; ${stale.length === 0 ? "all up to date" : values.check ? `${stale.length} files out of date: run npm run docs:results` : `${stale.length} files updated`}`,
);
if (values.check && stale.length > 0) process.exitCode = 1;
