// The `setImmediate` global in a web page: the dispatcher pumps in a task of its own, after the
// messages already waiting (a resolved promise would run first; a zero timer is clamped to 4 ms once
// nested). A message to a channel of its own is what queues such a task in a browser.

const channel = new MessageChannel();
const waiting: Array<() => void> = [];
channel.port1.addEventListener("message", () => waiting.shift()?.());
channel.port1.start();

export function setImmediate(callback: () => void): void {
  waiting.push(callback);
  channel.port2.postMessage(undefined);
}
