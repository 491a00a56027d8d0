// How long a replica holds a running job without renewing its lease, and how often it renews: the
// defaults of `weft serve --lease` and `--lease-renewal`.

/**
 * A running job's lease, in ms: a replica that has not renewed it for this long is taken for dead,
 * and another takes its job over. Long enough that a busy event loop or a slow database does not
 * lose a live replica its jobs; short enough that a dead replica's jobs wait little.
 */
export const defaultLeaseMs = 15_000;

/** How often a replica renews the leases of the jobs it runs, and looks for jobs to take over, in ms. */
export const defaultLeaseRenewalMs = 5_000;
