// The live dashboard that `weft serve` shows at /: workers, the task stream, running jobs, the job
// history and a form to submit jobs, kept current by the service's event stream (GET /api/events).
import { api, openEvents } from "./api.js";
import { byId, showNotice } from "./dom.js";
import { handleJobActions, isActive, renderHistory, renderRunning } from "./jobs.js";
import { initSubmitForm } from "./submit-form.js";
import { TaskStream } from "./task-stream.js";
import { initViewer } from "./viewer.js";
import { renderWorkers } from "./workers.js";

/** Jobs shown in the history, as GET /api/jobs?limit= returns them. */
const historyLength = 50;

/** Job id → JobView, from the last refetch and every "job" event since. */
const jobs = new Map();
let workers = { backend: "", workers: [] };
const stream = new TaskStream();

/** How far along a job's life a state is: a view never replaces one that is further along. */
const stateOrder = { queued: 0, running: 1, completed: 2, failed: 2, cancelled: 2, interrupted: 2 };

function upsertJob(job) {
  // The answer to a submit can arrive after the events of the job it created (a short job may already
  // have finished): the older view must not replace the newer one.
  const known = jobs.get(job.id);
  if (known && stateOrder[known.state] > stateOrder[job.state]) return;
  jobs.set(job.id, job);
  scheduleRender();
}

function setWorkers(view) {
  workers = view;
  stream.setWorkers(view.workers);
  scheduleRender();
}

// Events can come many times a second; the panels are redrawn at most once per frame.
let renderPending = false;

function scheduleRender() {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => {
    renderPending = false;
    render();
  });
}

function render() {
  const newestFirst = [...jobs.values()].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  // Older jobs leave the history, but a job still running stays on the page until it ends.
  for (const old of newestFirst.slice(historyLength)) if (!isActive(old)) jobs.delete(old.id);
  const now = Date.now();
  renderRunning(newestFirst, now);
  renderHistory(newestFirst.slice(0, historyLength), now);
  renderWorkers(workers, jobs);
}

/** Replaces what the page knows with the service's current jobs and workers. */
async function refetch() {
  const [{ jobs: list }, view] = await Promise.all([
    api(`/api/jobs?limit=${historyLength}`),
    api("/api/workers"),
  ]);
  jobs.clear();
  for (const job of list) jobs.set(job.id, job);
  setWorkers(view);
}

const connectionText = { connecting: "connecting…", live: "live", reconnecting: "reconnecting…" };

function showConnection(state) {
  const indicator = byId("connection-state");
  indicator.dataset.state = state;
  indicator.textContent = connectionText[state];
}

function onConnection(state) {
  showConnection(state);
  // Events sent while the stream was down are lost: every (re)connection starts from a refetch.
  if (state === "live") refetch().catch((error) => showNotice(`Could not load the jobs: ${error.message}`));
}

async function start() {
  byId("notice-close").addEventListener("click", () => {
    byId("notice").hidden = true;
  });
  initViewer((error) => showNotice(`Could not load the result: ${error.message}`));
  handleJobActions(document.body, jobs, upsertJob);
  showConnection("connecting");
  const catalog = await api("/api/catalog");
  stream.setKnownTasks([...catalog.workloads.map((workload) => workload.name), ...catalog.tasks]);
  initSubmitForm(catalog, upsertJob);
  openEvents({ job: upsertJob, chunk: (chunk) => stream.add(chunk), workers: setWorkers }, onConnection);
  // Elapsed times move on between events.
  setInterval(() => {
    if ([...jobs.values()].some(isActive)) scheduleRender();
  }, 1_000);
}

start().catch((error) => showNotice(`Could not start the dashboard (reload to retry): ${error.message}`));
