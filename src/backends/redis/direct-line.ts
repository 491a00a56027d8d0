// A coordinator's calls to one worker by itself, beside the shared queue where any worker takes any
// chunk: a broadcast (every thread of a worker) and an actor's calls (one thread). Each call is pushed
// onto the worker's inbox and answered on this coordinator's own answers list. While calls are out,
// the workers they went to are watched as the holders of chunks are (presence.ts): a call whose worker
// is gone fails as a crash within seconds.
import type { RedisClient } from "./connection.ts";
import { InterruptedError, WorkerCrashedError, WorkerError } from "../../errors.ts";
import { holderCheckMs, workerPresenceTimes } from "./cluster-watch.ts";
import { answersKey, inboxKey, workerKey } from "./keys.ts";
import { mailbox, type Mailbox } from "./mailbox.ts";
import { isRefused, parseDirectAnswer, type DirectCall } from "./messages.ts";
import { every, PresenceWatch } from "./presence.ts";
import { decodeReply, MalformedMessageError, type ChunkMessage, type ChunkReply } from "./wire.ts";

/** How long an inbox or answers list outlives its last entry: its reader takes entries at once while it is there. */
export const mailboxTtlMs = 60_000;

interface PendingCall {
  readonly worker: string;
  resolve(replies: ChunkReply[]): void;
  reject(error: Error): void;
}

export class DirectLine {
  readonly #pending = new Map<number, PendingCall>();
  readonly #presence: PresenceWatch;
  #nextCall = 0;
  /** Started by the first call: most pools never make one, and need no connection for it. */
  #answers: Mailbox | undefined;
  #stopWatch: (() => void) | undefined;

  constructor(
    readonly control: RedisClient,
    /** Opens a connection of its own, for the blocking read of the answers. */
    readonly openReader: () => RedisClient,
    readonly prefix: string,
    readonly coordinator: string,
    /** `worker` is gone: the calls sent to it have failed. */
    readonly onGone: (worker: string) => void,
  ) {
    this.#presence = new PresenceWatch(control, prefix, (id) => workerKey(prefix, id), workerPresenceTimes);
  }

  /** The calls still out reject with InterruptedError; resolves once the reader stopped (its connection must be cut). */
  async stop(): Promise<void> {
    this.#stopWatch?.();
    for (const pending of this.#pending.values()) pending.reject(new InterruptedError("the pool closed"));
    this.#pending.clear();
    await this.#answers?.stop();
  }

  /** Sends `message` to `thread` of `worker` (or to all its threads); resolves with its replies, one per thread. */
  send(worker: string, thread: number | "all", message: ChunkMessage): Promise<ChunkReply[]> {
    if (!this.#answers) {
      const key = answersKey(this.prefix, this.coordinator);
      const answers = mailbox(this.openReader(), key, (text) => this.#answer(text));
      answers.start();
      this.#answers = answers;
      this.#stopWatch = every(
        holderCheckMs,
        () => this.#checkWorkers(),
        () => this.#presence.holdOff(),
      );
    }
    const call = this.#nextCall++;
    const text = JSON.stringify({
      call,
      coordinator: this.coordinator,
      thread,
      message,
    } satisfies DirectCall);
    return new Promise((resolve, reject) => {
      this.#pending.set(call, { worker, resolve, reject });
      const inbox = inboxKey(this.prefix, worker);
      this.control
        .multi()
        .rpush(inbox, text)
        .pexpire(inbox, mailboxTtlMs)
        .exec()
        .catch((error: Error) => {
          this.#pending.delete(call);
          reject(new WorkerError(`could not send a call to cluster worker ${worker}: ${error.message}`));
        });
    });
  }

  #answer(text: string): void {
    const answer = parseDirectAnswer(text);
    // Not an answer of weft's (anyone who can write to Redis can push one): passed over.
    if (isRefused(answer)) return;
    const pending = this.#pending.get(answer.call);
    if (!pending || pending.worker !== answer.worker) return;
    this.#pending.delete(answer.call);
    try {
      pending.resolve(answer.replies.map((reply) => decodeReply(reply, "call")));
    } catch (error) {
      if (!(error instanceof MalformedMessageError)) throw error;
      pending.reject(
        new WorkerError(`cluster worker ${answer.worker} answered unreadably: ${error.message}`),
      );
    }
  }

  async #checkWorkers(): Promise<void> {
    const workers = new Set([...this.#pending.values()].map((p) => p.worker));
    if (workers.size === 0) return;
    for (const worker of await this.#presence.check([...workers])) {
      this.#presence.forget(worker);
      for (const [call, pending] of this.#pending) {
        if (pending.worker !== worker) continue;
        this.#pending.delete(call);
        pending.reject(
          new WorkerCrashedError(
            `cluster worker ${worker} died (its connection to Redis closed or its heartbeat stopped)`,
          ),
        );
      }
      this.onGone(worker);
    }
  }
}
