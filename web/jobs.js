// The running jobs (progress, throughput, elapsed, Cancel) and the job history table (Resubmit, links
// to the result and the bench report), and what their buttons and links do.
import { api } from "./api.js";
import { byId, el, reconcile, showNotice } from "./dom.js";
import { formatCount, formatDuration, formatRate, formatSummary, formatTime, jobDuration } from "./format.js";
import { showReport, showResult } from "./viewer.js";

const resubmittable = new Set(["interrupted", "failed", "cancelled"]);

export const isActive = (job) => job.state === "queued" || job.state === "running";

const jobPath = (id, action = "") => `/api/jobs/${encodeURIComponent(id)}${action}`;

const setText = (root, selector, text) => {
  root.querySelector(selector).textContent = text;
};

function badge() {
  return el("span", { className: "badge" });
}

function setBadge(node, state) {
  const badge = node.querySelector(".badge");
  badge.textContent = state;
  badge.dataset.state = state;
}

/** `jobs` newest first; `now` moves the elapsed times on between events. */
export function renderRunning(jobs, now) {
  const active = jobs.filter(isActive);
  byId("running-empty").hidden = active.length > 0;
  reconcile(byId("running-jobs"), active, {
    keyName: "jobId",
    keyOf: (job) => job.id,
    create: (job) =>
      el(
        "li",
        { className: "running-job", dataset: { jobId: job.id } },
        el(
          "div",
          { className: "running-head" },
          el("span", { className: "job-label" }),
          badge(),
          el("button", {
            type: "button",
            className: "small",
            textContent: "Cancel",
            dataset: { action: "cancel", testid: "cancel-button" },
          }),
        ),
        el("progress", { max: 1 }),
        el(
          "div",
          { className: "running-stats" },
          el("span", { className: "done" }),
          el("span", { className: "rate" }),
          el("span", { className: "elapsed" }),
        ),
      ),
    update: (node, job) => {
      node.dataset.state = job.state;
      setText(node, ".job-label", job.label);
      setBadge(node, job.state);
      const { done, total, rate } = job.progress;
      const progress = node.querySelector("progress");
      if (total) {
        progress.max = total;
        progress.value = done;
      } else {
        progress.removeAttribute("value"); // an indeterminate bar: the total is not known yet
      }
      setText(
        node,
        ".done",
        total
          ? `${formatCount(done)} of ${formatCount(total)} (${Math.floor((100 * done) / total)}%)`
          : `${formatCount(done)} done`,
      );
      setText(node, ".rate", job.state === "running" ? formatRate(rate) : "");
      setText(
        node,
        ".elapsed",
        job.startedAt
          ? `${jobDuration(job, now)} elapsed`
          : `waiting ${formatDuration(now - Date.parse(job.createdAt))}`,
      );
    },
  });
}

/** `jobs` newest first. */
export function renderHistory(jobs, now) {
  byId("jobs-empty").hidden = jobs.length > 0;
  reconcile(byId("jobs-body"), jobs, {
    keyName: "jobId",
    keyOf: (job) => job.id,
    create: (job) =>
      el(
        "tr",
        { dataset: { jobId: job.id } },
        el(
          "td",
          { className: "job" },
          el("div", { className: "job-label" }),
          el("div", { className: "job-id", textContent: job.id }),
        ),
        el("td", {}, badge()),
        el("td", { className: "created" }),
        el("td", { className: "took number" }),
        el("td", { className: "summary" }),
        el("td", { className: "results number" }),
        el(
          "td",
          { className: "actions" },
          el("a", {
            href: `${jobPath(job.id, "/result")}?offset=0&limit=100`,
            textContent: "result",
            dataset: { action: "result", testid: "result-link" },
          }),
          el("a", {
            href: jobPath(job.id, "/report"),
            textContent: "report",
            dataset: { action: "report", testid: "report-link" },
          }),
          el("button", {
            type: "button",
            className: "small",
            textContent: "Resubmit",
            dataset: { action: "resubmit", testid: "resubmit-button" },
          }),
        ),
      ),
    update: (row, job) => {
      row.dataset.state = job.state;
      setText(row, ".job-label", job.label);
      row.querySelector(".job-label").title = job.label;
      setBadge(row, job.state);
      setText(row, ".created", formatTime(job.createdAt));
      setText(row, ".took", jobDuration(job, now));
      const summary = row.querySelector(".summary");
      summary.textContent = job.error ?? formatSummary(job.summary);
      summary.title = summary.textContent;
      summary.classList.toggle("error", job.error !== undefined);
      setText(row, ".results", job.resultEntries === undefined ? "" : formatCount(job.resultEntries));
      row.querySelector('[data-action="result"]').hidden = !job.resultEntries;
      row.querySelector('[data-action="report"]').hidden = job.type !== "bench" || job.state !== "completed";
      row.querySelector('[data-action="resubmit"]').hidden = !resubmittable.has(job.state);
    },
  });
}

/**
 * Handles the jobs' buttons and links, for every job row and card under `root`. The links are real
 * (a new tab opens them when no token is needed); a plain click shows them here instead, fetched with
 * the token. `onJob` gets the job that a cancel or resubmit returns.
 */
export function handleJobActions(root, jobs, onJob) {
  root.addEventListener("click", (event) => {
    const target = event.target.closest("[data-action]");
    const id = target?.closest("[data-job-id]")?.dataset.jobId;
    if (id === undefined || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    const label = jobs.get(id)?.label ?? id;
    const action = target.dataset.action;
    const done = (() => {
      switch (action) {
        case "result":
          return showResult(id, label);
        case "report":
          return showReport(id, label);
        default:
          target.disabled = true;
          return api(jobPath(id, `/${action}`), { method: "POST" })
            .then(({ job }) => onJob(job))
            .finally(() => {
              target.disabled = false;
            });
      }
    })();
    done.catch((error) => showNotice(`Could not ${action} ${label}: ${error.message}`));
  });
}
