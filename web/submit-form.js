// The "Submit a job" form: a built-in workload at a size, a task from the service's task modules over
// a range, or a bench run. It builds a JobDefinition (src/server/api/types.ts) and leaves checking it
// to the API, whose errors it shows under the button.
import { api } from "./api.js";
import { byId, el } from "./dom.js";
import { formatCount } from "./format.js";

/** Fills the form from the catalog; `onSubmitted` gets the job the API accepted. */
export function initSubmitForm(catalog, onSubmitted) {
  const form = byId("submit-form");
  const workloadSelect = byId("workload-select");
  const sizeInput = byId("size-input");
  const workloadNamed = (name) => catalog.workloads.find((workload) => workload.name === name);

  workloadSelect.replaceChildren(
    ...catalog.workloads.map(({ name }) => el("option", { value: name, textContent: name })),
  );
  byId("task-select").replaceChildren(
    ...catalog.tasks.map((task) => el("option", { value: task, textContent: task })),
  );
  byId("bench-workloads").replaceChildren(
    ...catalog.workloads.map(({ name }) =>
      el("label", { className: "check" }, el("input", { type: "checkbox", value: name }), name),
    ),
  );
  // Without task modules (weft serve --tasks) there is no task to choose.
  byId("kind-task-label").hidden = catalog.tasks.length === 0;

  const showWorkload = () => {
    const workload = workloadNamed(workloadSelect.value);
    if (!workload) return;
    byId("workload-summary").textContent = workload.summary;
    byId("size-hint").textContent =
      `default ${formatCount(workload.defaultSize)} ${workload.unit}, quick ${formatCount(workload.quickSize)}`;
    sizeInput.value = String(workload.defaultSize);
  };
  workloadSelect.addEventListener("change", showWorkload);
  showWorkload();
  byId("quick-button").addEventListener("click", () => {
    sizeInput.value = String(workloadNamed(workloadSelect.value)?.quickSize ?? "");
  });

  const kind = () => form.elements.namedItem("kind").value;
  const showKind = () => {
    for (const section of form.querySelectorAll("[data-kinds]")) {
      section.hidden = !section.dataset.kinds.split(" ").includes(kind());
    }
  };
  form.addEventListener("change", (event) => {
    if (event.target.name === "kind") showKind();
  });
  showKind();

  // Disabled in index.html until now: submitted earlier, the form would reload the page.
  byId("submit-button").disabled = false;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const button = byId("submit-button");
    const error = byId("submit-error");
    const status = byId("submit-status");
    error.hidden = true;
    status.textContent = "";
    button.disabled = true;
    // Starting from a promise, a value definition() cannot read is shown like an error from the API.
    Promise.resolve()
      .then(() => api("/api/jobs", { method: "POST", body: definition(kind()) }))
      .then(({ job }) => {
        status.textContent = `Submitted: ${job.label}`;
        onSubmitted(job);
      })
      .catch((failure) => {
        error.textContent = failure.message;
        error.dataset.code = failure.code ?? "";
        error.hidden = false;
      })
      .finally(() => {
        button.disabled = false;
      });
  });
}

/** The JobDefinition the form describes; throws with a message for a value it cannot read. */
function definition(kind) {
  switch (kind) {
    case "workload":
      return {
        type: "workload",
        workload: byId("workload-select").value,
        size: number("size-input", "Size"),
        options: jobOptions(),
      };
    case "task": {
      const from = number("range-from", "Range from");
      const to = number("range-to", "Range to");
      if (from === undefined || to === undefined) throw new Error("Range: give both ends, from and to.");
      return {
        type: "task",
        task: byId("task-select").value,
        input: { range: { from, to } },
        op: byId("op-select").value,
        reduce: byId("reduce-select").value,
        options: jobOptions(),
      };
    }
    case "bench": {
      const workloads = [...byId("bench-workloads").querySelectorAll("input:checked")].map(
        (box) => box.value,
      );
      if (workloads.length === 0) throw new Error("Workloads: tick at least one.");
      const workers = byId("bench-workers")
        .value.split(",")
        .map((part) => part.trim())
        .filter((part) => part !== "")
        .map(Number);
      if (workers.length === 0 || !workers.every((n) => Number.isInteger(n) && n > 0)) {
        throw new Error("Worker counts: whole numbers above 0, separated by commas, such as 1,2.");
      }
      return {
        type: "bench",
        workloads,
        workers,
        repeat: number("bench-repeat", "Repeat"),
        quick: byId("bench-quick").checked || undefined,
      };
    }
    default:
      throw new Error(`Unknown kind of job: ${kind}`);
  }
}

/** The options every workload or task job takes, or undefined when none is set. */
function jobOptions() {
  const options = {
    retries: number("option-retries", "Retries"),
    timeoutMs: number("option-timeout", "Timeout"),
    workers: number("option-workers", "Workers"),
  };
  return Object.values(options).some((value) => value !== undefined) ? options : undefined;
}

/** A number input's value, or undefined when it is empty (the API's default applies). */
function number(id, name) {
  const input = byId(id);
  // A number input reads "" both when empty and when what was typed is not a number.
  if (input.validity.badInput) throw new Error(`${name}: not a number.`);
  return input.value === "" ? undefined : input.valueAsNumber;
}
