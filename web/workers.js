// The workers panel: one row per worker of the service's pool, busy or idle, and with which job.
import { byId, el, reconcile } from "./dom.js";

export function renderWorkers(view, jobs) {
  const busy = view.workers.filter((worker) => worker.busy).length;
  byId("workers-summary").textContent = view.backend
    ? `${view.backend} · ${busy} of ${view.workers.length} busy`
    : "";
  byId("workers-empty").hidden = view.workers.length > 0;
  reconcile(byId("workers-list"), view.workers, {
    keyName: "worker",
    keyOf: (worker) => String(worker.worker),
    create: ({ worker }) =>
      el(
        "li",
        { className: "worker", dataset: { worker: String(worker) } },
        el("span", { className: "dot" }),
        el("span", { className: "worker-name", textContent: `worker ${worker}` }),
        el("span", { className: "worker-state" }),
        el("span", { className: "worker-job" }),
      ),
    update: (node, worker) => {
      node.dataset.busy = String(worker.busy);
      node.querySelector(".worker-state").textContent = worker.busy ? "busy" : "idle";
      const job = worker.jobId === undefined ? undefined : jobs.get(worker.jobId);
      const jobText = node.querySelector(".worker-job");
      jobText.textContent = job?.label ?? worker.jobId ?? "";
      jobText.title = worker.jobId ?? "";
    },
  });
}
