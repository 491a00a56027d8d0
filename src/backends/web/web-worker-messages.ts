// What a web worker says besides the runtime protocol: the two events a Node.js worker's owner gets
// from the runtime itself (online, exit), which a page's Worker object does not give.
export type WebWorkerMessage = { readonly type: "ready" } | { readonly type: "exited" };
