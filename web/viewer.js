// The viewer dialog: a job's result, a page of entries at a time as JSON, or a bench job's HTML report.
import { api, request } from "./api.js";
import { byId } from "./dom.js";
import { formatCount } from "./format.js";

const pageSize = 100;

// What the pager's buttons turn to: the job shown and the page it is on.
let shown;

function open(title, kind) {
  byId("viewer-title").textContent = title;
  byId("viewer").dataset.kind = kind;
  byId("viewer-json").hidden = kind !== "result";
  byId("viewer-pager").hidden = kind !== "result";
  byId("viewer-report").hidden = kind !== "report";
  if (!byId("viewer").open) byId("viewer").showModal();
}

export async function showResult(id, label, offset = 0) {
  const page = await api(`/api/jobs/${encodeURIComponent(id)}/result?offset=${offset}&limit=${pageSize}`);
  shown = { id, label, offset: page.offset, total: page.total };
  byId("viewer-json").textContent = JSON.stringify(page.entries, null, 2);
  byId("viewer-range").textContent =
    page.entries.length === 0
      ? `no entries (of ${formatCount(page.total)})`
      : `entries ${formatCount(page.offset + 1)} to ${formatCount(page.offset + page.entries.length)} of ${formatCount(page.total)}`;
  byId("viewer-prev").disabled = page.offset === 0;
  byId("viewer-next").disabled = page.offset + page.entries.length >= page.total;
  open(`Result of ${label}`, "result");
}

export async function showReport(id, label) {
  const html = await (await request(`/api/jobs/${encodeURIComponent(id)}/report`)).text();
  // The report is a whole page with its own scripts (Chart.js inlined). In a sandbox without
  // allow-same-origin its scripts run, but they cannot reach this page or the token it keeps.
  byId("viewer-report").srcdoc = html;
  open(`Report of ${label}`, "report");
}

/** Wires the dialog's buttons; `onError` gets what a page turn failed with. */
export function initViewer(onError) {
  const turn = (delta) => {
    showResult(shown.id, shown.label, Math.max(0, shown.offset + delta)).catch(onError);
  };
  byId("viewer-prev").addEventListener("click", () => turn(-pageSize));
  byId("viewer-next").addEventListener("click", () => turn(pageSize));
  byId("viewer").addEventListener("close", () => {
    byId("viewer-report").srcdoc = ""; // stops the report's scripts
  });
}
