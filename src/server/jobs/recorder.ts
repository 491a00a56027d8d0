// A job's changes of state written to the store and told to the event stream. A store that cannot
// write (a full disk, an I/O error) fails the job it could not record, not the server: the failure
// is shown at once, and written to the store as soon as it takes writes again.
import type { JobView } from "../api/types.ts";
import { JobStateError } from "../store/errors.ts";
import type { JobStore } from "../store/job-store.ts";
import { publicMessage } from "./errors.ts";

export class Recorder {
  readonly #store: JobStore;
  readonly #emit: (job: JobView) => void;
  /** Jobs whose end the store could not record, as they are shown until it does. */
  readonly #unrecorded = new Map<string, JobView>();

  constructor(store: JobStore, emit: (job: JobView) => void) {
    this.#store = store;
    this.#emit = emit;
  }

  /** Makes a change to job `id` in the store and tells it; true if the store recorded it. Never rejects. */
  async record(id: string, change: (store: JobStore) => Promise<JobView>): Promise<boolean> {
    try {
      this.#emit(await change(this.#store));
      return true;
    } catch (error) {
      // The job changed state meanwhile (cancelled through the API): the store holds its end already.
      if (error instanceof JobStateError) return false;
      await this.fail(id, error);
      return false;
    }
  }

  /**
   * Job `id` failed because the store could not record it (`error`): recorded as failed if it can
   * be, else held and shown. Never rejects.
   */
  async fail(id: string, error: unknown): Promise<void> {
    console.error(`weft serve: the job store could not record job ${id}:`, error);
    const message = `the job store could not record this job: ${publicMessage(error)}`;
    try {
      this.#emit(await this.#store.fail(id, message));
      return;
    } catch (second) {
      if (second instanceof JobStateError) return;
    }
    const failed: JobView = {
      ...(await this.#lastView(id)),
      state: "failed",
      finishedAt: new Date().toISOString(),
      error: message,
    };
    this.#unrecorded.set(id, failed);
    this.#emit(failed);
  }

  /** How a job the store could not record ended, if it is one. */
  unrecorded(id: string): JobView | undefined {
    return this.#unrecorded.get(id);
  }

  /** Writes the ends the store could not take before, for as long as it takes them now. Never rejects. */
  async flush(): Promise<void> {
    for (const [id, view] of this.#unrecorded) {
      try {
        await this.#store.fail(id, view.error!);
      } catch (error) {
        if (!(error instanceof JobStateError)) return;
      }
      this.#unrecorded.delete(id);
    }
  }

  /** The job as the store last had it, without its definition; what the id alone says if it cannot be read. */
  async #lastView(id: string): Promise<JobView> {
    let stored: JobView | undefined;
    try {
      stored = await this.#store.get(id);
    } catch {
      // The store cannot even be read: the id is all there is.
    }
    if (stored) {
      const { definition: _definition, ...view } = stored;
      return view;
    }
    const now = new Date().toISOString();
    return { id, type: "task", label: id, state: "failed", createdAt: now, progress: { done: 0, rate: 0 } };
  }
}
