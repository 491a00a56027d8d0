// What a web page can make a browser send to the service on this machine: requests through a name of
// the page's own that resolves to 127.0.0.1 (DNS rebinding), and changes sent from another site (a
// form or a fetch, with no token needed on loopback). Both are refused; the dashboard, curl and the
// names of this machine are served.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { JobView } from "../../src/server/api/types.ts";
import { checkLeaks } from "../support/leaks.ts";
import { assertError, rawGet, runJobs, serve, type ErrorBody } from "./http.ts";

checkLeaks();

const square = { type: "task", task: "tasks.square", input: { items: [1, 2, 3] } } as const;

describe("host names", { timeout: 60_000 }, () => {
  test("on loopback, a Host that is not a loopback name is 403, on every route; the loopback names are served", async () => {
    await using server = await serve();
    const { port } = new URL(server.url);
    for (const host of ["attacker.example", `attacker.example:${port}`, "127.0.0.1.attacker.example"]) {
      for (const path of ["/api/jobs", "/api/events", "/", "/metrics"]) {
        const reply = await rawGet(server, path, { host });
        assert.equal(reply.status, 403, `Host: ${host}, ${path}`);
        assert.equal((reply.body as ErrorBody).error.code, "host_not_allowed");
      }
    }
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `LocalHost:${port}`,
      `[::1]:${port}`,
      "localhost",
    ]) {
      assert.equal((await rawGet(server, "/api/jobs", { host })).status, 200, `Host: ${host}`);
    }
  });

  test("allowedHosts adds names, such as the one a reverse proxy forwards", async () => {
    await using server = await serve({ allowedHosts: ["weft.example.org"] });
    assert.equal((await rawGet(server, "/api/jobs", { host: "weft.example.org" })).status, 200);
    assert.equal((await rawGet(server, "/api/jobs", { host: "localhost" })).status, 200);
    assert.equal((await rawGet(server, "/api/jobs", { host: "other.example.org" })).status, 403);
  });
});

describe("changes from another site", { timeout: 60_000 }, () => {
  test("a cross-site POST, with a body or without, is 403 and changes nothing; the same origin and curl are served", async (t) => {
    await using server = await serve();
    const events = await server.events();
    const [job] = await runJobs(server, events, t, [square]);
    const resubmit = `/api/jobs/${job!.id}/resubmit`;
    const crossSite: Record<string, string>[] = [
      { "sec-fetch-site": "cross-site" },
      // Another port of localhost is the same site, not the same origin.
      { "sec-fetch-site": "same-site" },
      { origin: "http://attacker.example" },
      { origin: `http://localhost:1` },
      { origin: "null" },
    ];
    for (const headers of crossSite) {
      const what = JSON.stringify(headers);
      assertError(await server.request("POST", resubmit, { headers }), 403, "cross_site", /another site/);
      assertError(
        await server.request("POST", "/api/jobs", { body: square, headers }),
        403,
        "cross_site",
        /another site/,
      );
      // A form's body type, which a page may send without asking the server first.
      const form = { ...headers, "content-type": "text/plain" };
      assert.equal(
        (await server.request("POST", "/api/jobs", { body: JSON.stringify(square), headers: form })).status,
        403,
        what,
      );
    }
    const { body } = await server.request<{ jobs: JobView[] }>("GET", "/api/jobs");
    assert.deepEqual(
      body.jobs.map((j) => j.id),
      [job!.id],
      "nothing was submitted",
    );

    // The dashboard (the same origin) and a client that is no browser (curl) are served.
    const sameOrigin = { origin: server.url, "sec-fetch-site": "same-origin" };
    assert.equal((await server.request("POST", resubmit, { headers: sameOrigin })).status, 202);
    assert.equal((await server.request("POST", resubmit)).status, 202);
    // Reading is not a change: a GET with another site's headers is answered (the browser keeps the
    // answer from that site's page).
    assert.equal(
      (await server.request("GET", "/api/jobs", { headers: { "sec-fetch-site": "cross-site" } })).status,
      200,
    );
  });
});
