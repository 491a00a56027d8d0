// The client's API types as openapi-typescript writes them from the OpenAPI document the service
// serves: shared by `npm run client:types`, which writes them, and the test that fails when the
// committed file and the document have parted.
import { fileURLToPath } from "node:url";
import openapiTS, { astToString, type OpenAPI3 } from "openapi-typescript";
import { startServer } from "../../src/server/server.ts";

/** The generated file, committed so that neither a build nor a user needs the generator. */
export const clientTypesFile = fileURLToPath(new URL("../../src/client/api-types.ts", import.meta.url));

const header = `// The weft service's API as TypeScript types: paths, operations and schemas. Generated from the
// OpenAPI document the service serves by \`npm run client:types\` (openapi-typescript): do not edit.
// test/client/api-types.test.ts fails when this file and the document part.

`;

/** The text of src/client/api-types.ts for the service's document as its code builds it now. */
export async function generateClientTypes(): Promise<string> {
  return header + astToString(await openapiTS(await serviceDocument(), { silent: true }));
}

/**
 * The document as a client reads it from /openapi.json. It is built by the app as it starts, from the
 * routes' schemas, so a server is started for it: on loopback, on a free port, with an in-memory store
 * and one worker, and closed at once.
 */
async function serviceDocument(): Promise<OpenAPI3> {
  const server = await startServer({ tasks: [], host: "127.0.0.1", port: 0, db: ":memory:", workers: 1 });
  try {
    const response = await fetch(`${server.url}/openapi.json`);
    if (!response.ok)
      throw new Error(`GET /openapi.json answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as OpenAPI3;
  } finally {
    await server.close();
  }
}
