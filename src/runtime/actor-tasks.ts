// The worker's side of actors: weft's own tasks, which every worker's runtime defines (serve.ts
// imports this module), that make an actor with its factory task, call its methods one after
// another, and drop it. The actors a thread holds live here, by id.
import { builtinTask } from "../task/builtin-tasks.ts";
import { loadTask } from "../task/load.ts";
import type { TaskRef } from "../protocol/task-ref.ts";

interface Held {
  readonly instance: Record<string, unknown>;
  /** The last call made, settled or not: the next waits for it, so calls run in the order sent. */
  last: Promise<unknown>;
}

/**
 * By id: a UUID, since a cluster worker's threads hold the actors of many coordinators. On the global
 * object, so that every copy of weft in a thread (a page's bundle and its worker's) sees the same.
 */
const actors = ((globalThis as unknown as Record<symbol, Map<string, Held> | undefined>)[
  Symbol.for("weft.actors")
] ??= new Map<string, Held>());

/** This module's tasks, which a cluster worker serves beside the modules it was started with. */
export const actorTasksModule = "weft:actor-tasks";

/** Its plan passes it the factory (`with`), so that a cluster checks the factory as it checks any task. */
export const startActor = builtinTask(
  actorTasksModule,
  "startActor",
  0,
  async (factory: TaskRef, id: string, args: unknown[]) => {
    const { fn } = await loadTask(factory);
    const instance = await fn(...args);
    if (typeof instance !== "object" || instance === null) {
      throw new TypeError(`an actor's factory must return an object with methods, got ${typeof instance}`);
    }
    actors.set(id, { instance: instance as Record<string, unknown>, last: Promise.resolve() });
  },
);

export const callActor = builtinTask(
  actorTasksModule,
  "callActor",
  1,
  (id: string, method: string, args: unknown[]) => {
    const held = actors.get(id);
    if (!held)
      throw new Error(`actor ${id} is not on this worker: it was stopped, or its worker was replaced`);
    const fn = held.instance[method];
    if (typeof fn !== "function") throw new TypeError(`the actor has no method ${JSON.stringify(method)}`);
    const call = held.last.then(() => (fn as (...a: unknown[]) => unknown).apply(held.instance, args));
    held.last = call.catch(() => {});
    return call;
  },
);

export const stopActor = builtinTask(
  actorTasksModule,
  "stopActor",
  2,
  (id: string) => void actors.delete(id),
);
