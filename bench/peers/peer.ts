// The one interface the workloads see for every peer pool: call a worker export by name, and close.
import type * as handlers from "./handlers.ts";

export type Handlers = typeof handlers;
export type HandlerName = keyof Handlers;

export interface PeerPool {
  /** One task on the peer: its worker runs `handlers[name](arg)`. */
  call<N extends HandlerName>(name: N, arg: Parameters<Handlers[N]>[0]): Promise<ReturnType<Handlers[N]>>;
  close(): Promise<void>;
}

export interface Peer {
  readonly name: string;
  /** Creates the pool with exactly `workers` threads, kept alive between tasks. */
  start(workers: number): PeerPool;
}
