// Who may ask the service for what, checked before any route runs: the Host names it answers to
// (against DNS rebinding), no changes asked by another site's page, and the token when there is one;
// and which client a request is, for its quota: its token when tokens are used, else its address.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { RequestError } from "../jobs/errors.ts";
import { failure } from "./errors.ts";
import { allows, type Grant, type Scope, type TokenTable } from "./tokens.ts";

export interface GuardSettings {
  /** The tokens clients may send; none asked for when it is empty. */
  readonly tokens: TokenTable;
  /** The host names requests may carry; undefined: any. */
  readonly hosts: ReadonlySet<string> | undefined;
}

/** Which client a request is, and whether it may do what needs `scope` (to a job of `owner`'s, if given). */
export interface Access {
  clientOf(request: FastifyRequest): string;
  /** Throws a 403 RequestError, saying what the token may do, if the request may not. */
  require(request: FastifyRequest, scope: Scope, what: string, owner?: string): void;
  /** The request's token's own quota of jobs, if it has one. */
  quotaOf(request: FastifyRequest): number | undefined;
}

const stateChanging = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Where a browser cannot set a header: the event stream (EventSource) and links opened in a new tab
 * (a result page, a bench report). Everywhere else the token only travels in the header.
 */
const queryTokenRoutes = new Set(["/api/events", "/api/jobs/:id/result", "/api/jobs/:id/report"]);

/** Adds the checks to every request of `app`; what routes ask of a request's client. */
export function installGuard(app: FastifyInstance, settings: GuardSettings): Access {
  const grants = new WeakMap<FastifyRequest, Grant>();
  app.addHook("onRequest", async (request, reply) => {
    const refused = refusal(request, settings.hosts);
    if (refused) return reply.code(403).send(failure(refused.code, refused.message));
    if (!settings.tokens.required || isPublic(request)) return;
    const given = bearer(request) ?? (acceptsQueryToken(request) ? queryToken(request) : undefined);
    const grant = given === undefined ? undefined : settings.tokens.grantFor(given);
    if (grant === undefined) {
      return reply
        .code(401)
        .send(failure("unauthorized", "a valid token is required: Authorization: Bearer <token>"));
    }
    grants.set(request, grant);
  });
  const clientOf = (request: FastifyRequest) => grants.get(request)?.client ?? request.ip;
  return {
    clientOf,
    quotaOf: (request) => grants.get(request)?.quota,
    require(request, scope, what, owner) {
      const grant = grants.get(request);
      // Without tokens, anyone who reaches the service (on loopback) may do anything.
      if (!grant) return;
      const needed: Scope =
        owner !== undefined && owner !== grant.client && scope === "submit" ? "admin" : scope;
      if (allows(grant, needed)) return;
      const whose = needed !== scope ? " of another client" : "";
      throw new RequestError(
        403,
        "forbidden",
        `the token ${grant.name} has the ${grant.scope} scope: ${what}${whose} needs ${needed}`,
      );
    },
  };
}

/** The host names a server on `host` answers to; undefined: any (beyond loopback, a token is required). */
export function allowedHosts(
  host: string,
  loopback: boolean,
  extra: readonly string[] = [],
): ReadonlySet<string> | undefined {
  const names = extra.map((name) => name.toLowerCase());
  if (loopback) return new Set(["localhost", "127.0.0.1", "::1", ...names]);
  return names.length > 0 ? new Set([host.toLowerCase(), ...names]) : undefined;
}

/**
 * Why a request is refused before anything else, if it is: a Host the server does not answer to
 * (a page reaching it through a name of its own: DNS rebinding), or a change asked for by another
 * site's page (a form or fetch that the browser sends from the user's machine).
 */
function refusal(
  request: FastifyRequest,
  hosts: ReadonlySet<string> | undefined,
): { code: string; message: string } | undefined {
  const host = request.headers.host ?? "";
  if (hosts && !hosts.has(hostName(host))) {
    return {
      code: "host_not_allowed",
      message: `this service does not answer to the host name "${hostName(host)}" (weft serve --allowed-host adds one)`,
    };
  }
  if (!stateChanging.has(request.method)) return undefined;
  const site = request.headers["sec-fetch-site"];
  const origin = request.headers.origin;
  const crossSite =
    (site !== undefined && site !== "same-origin" && site !== "none") ||
    (origin !== undefined && originHost(origin) !== host.toLowerCase());
  return crossSite
    ? {
        code: "cross_site",
        message: "a page of another site cannot change this service's jobs; use the dashboard or the API",
      }
    : undefined;
}

/** The Host header's name, without the port or an IPv6 address's brackets. */
function hostName(header: string): string {
  const name = header.startsWith("[") ? header.slice(1, header.indexOf("]")) : header.replace(/:\d*$/, "");
  return name.toLowerCase();
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * The dashboard's page and its scripts hold no data; everything else needs the token. Decided on the
 * route the router matched, never on the raw URL, which can spell the same path other ways (%61pi).
 */
/** The dashboard's page and files, and the probes (which say nothing about jobs). */
function isPublic(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  return (
    route === "/" || route === "/healthz" || route === "/readyz" || route?.startsWith("/assets/") === true
  );
}

function acceptsQueryToken(request: FastifyRequest): boolean {
  return request.method === "GET" && queryTokenRoutes.has(request.routeOptions.url ?? "");
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith("Bearer ") ? header.slice("Bearer ".length) : undefined;
}

function queryToken(request: FastifyRequest): string | undefined {
  const token = new URL(request.url, "http://x").searchParams.get("token");
  return token ?? undefined;
}
