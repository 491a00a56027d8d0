// `npm run client:types`: writes src/client/api-types.ts, the typed client's types, from the OpenAPI
// document the service's code builds now. Run it after changing a route or a schema of the API.
//
// Usage: node --import tsx scripts/client-types.ts
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { relative } from "node:path";
import { clientTypesFile, generateClientTypes } from "./client-types/generate.ts";

const generated = await generateClientTypes();
const name = relative(process.cwd(), clientTypesFile);
if (existsSync(clientTypesFile) && readFileSync(clientTypesFile, "utf8") === generated) {
  console.log(`${name} is up to date`);
} else {
  writeFileSync(clientTypesFile, generated);
  console.log(`wrote ${name}`);
}
