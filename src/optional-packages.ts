// The packages weft uses for some features only, listed as optional peer dependencies so that a
// project that runs pools of threads installs none of them. Whoever loads a feature turns a missing
// package into an error that says what to install.
import { createRequire } from "node:module";

export const optionalPackages = {
  /** The cluster backend, `weft worker` and `weft cluster status`. */
  cluster: ["ioredis"],
  /** `weft serve`: the HTTP service, its dashboard and metrics. */
  service: ["fastify", "@fastify/static", "@fastify/swagger", "prom-client", "chart.js"],
  /** `weft serve --store postgres://...`: the job store in PostgreSQL, shared by replicas. */
  postgres: ["pg"],
  /** `weft bench --html`: the report's charts. */
  report: ["chart.js"],
} as const;

export type Feature = keyof typeof optionalPackages;

/**
 * If `error` says one of `feature`'s packages could not be found, the same failure told as what to
 * do: which package is missing and the command that installs them all. Otherwise undefined.
 */
export function missingPackageError(feature: Feature, what: string, error: unknown): Error | undefined {
  const packages: readonly string[] = optionalPackages[feature];
  const message = (error as Error | undefined)?.message ?? "";
  const missing = packages.find((name) => message.includes(`'${name}'`) || message.includes(`"${name}"`));
  if (!missing || !/Cannot find (package|module)/.test(message)) return undefined;
  return new Error(
    `${what} needs ${packages.join(", ")}, which weft installs only on request (${missing} is missing): ` +
      `npm install ${packages.join(" ")}`,
    { cause: error },
  );
}

/** `load()`, a feature's modules; a package of the feature that is not installed is told as what to install. */
export async function loadFeature<T>(feature: Feature, what: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw missingPackageError(feature, what, error) ?? error;
  }
}

/** Throws what to install if one of `feature`'s packages is missing, before any work starts. */
export function assertInstalled(feature: Feature, what: string): void {
  const require = createRequire(import.meta.url);
  for (const name of optionalPackages[feature]) {
    try {
      require.resolve(name);
    } catch (error) {
      throw missingPackageError(feature, what, error) ?? error;
    }
  }
}
