// Numbers, times and summaries in words, as the weft command prints them (en-US digits).

const whole = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

export const formatCount = (n) => whole.format(n);

export const formatRate = (perSecond) => `${compact.format(perSecond)} items/s`;

export function formatDuration(ms) {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1_000);
  if (seconds < 3_600) return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, "0")} s`;
  return `${Math.floor(seconds / 3_600)} h ${String(Math.floor(seconds / 60) % 60).padStart(2, "0")} min`;
}

/** A time of day; with the date too when it is not today. */
export function formatTime(iso) {
  const date = new Date(iso);
  const time = date.toLocaleTimeString("en-GB");
  return date.toDateString() === new Date().toDateString()
    ? time
    : `${date.toLocaleDateString("en-CA")} ${time}`;
}

/** How long a job ran (or has been running), or "" when it has not started. */
export function jobDuration(job, now = Date.now()) {
  if (!job.startedAt) return "";
  const end = job.finishedAt ? Date.parse(job.finishedAt) : now;
  return formatDuration(end - Date.parse(job.startedAt));
}

/**
 * A job's summary on one line. The server sends `{ value }` for a single answer, `{ entries, first | top }`
 * for a collection and `{ table }` for a bench (whose report has the details).
 */
export function formatSummary(summary) {
  if (summary === undefined || summary === null) return "";
  if (typeof summary !== "object") return formatValue(summary);
  if ("value" in summary) return formatValue(summary.value);
  if ("table" in summary) return "see the report";
  if ("entries" in summary) return `${formatCount(summary.entries)} entries`;
  return JSON.stringify(summary);
}

function formatValue(value) {
  if (typeof value === "number" && Number.isInteger(value)) return formatCount(value);
  if (typeof value === "string" && /^-?\d+$/.test(value)) return formatCount(Number(value)); // a BigInt, as text
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}
