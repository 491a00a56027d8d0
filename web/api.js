// The service's JSON API and its event stream, with the bearer token the server may require. On a 401
// the page asks for the token in a small dialog, keeps it in sessionStorage (this tab only) and retries.
import { byId } from "./dom.js";

const tokenKey = "weft-token";

/** An error response from the API: `{ error: { code, message } }` with a 4xx or 5xx status. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/** Fetches an /api path, asking for the token as often as the server refuses it; throws ApiError. */
export async function request(path, { method = "GET", body } = {}) {
  for (;;) {
    const token = sessionStorage.getItem(tokenKey);
    const headers = {};
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(path, { method, headers, body: body && JSON.stringify(body) });
    if (response.status !== 401) {
      if (!response.ok) throw await apiError(response);
      return response;
    }
    // A 401 that answers a token the user has replaced meanwhile only needs a retry.
    if (sessionStorage.getItem(tokenKey) === token) await askForToken(token !== null);
  }
}

/** `request`, with the response body parsed as JSON. */
export async function api(path, options) {
  return (await request(path, options)).json();
}

async function apiError(response) {
  const body = await response.json().catch(() => undefined);
  const error = body?.error;
  return new ApiError(
    response.status,
    error?.code ?? `http_${response.status}`,
    error?.message ?? `${response.status} ${response.statusText}`.trim(),
  );
}

// Every call that gets a 401 while the dialog is open waits for the same answer.
let tokenPrompt;

function askForToken(refused) {
  tokenPrompt ??= new Promise((resolve) => {
    const dialog = byId("token-dialog");
    const input = byId("token-input");
    sessionStorage.removeItem(tokenKey);
    byId("token-error").hidden = !refused;
    input.value = "";
    // The form has method="dialog": its button closes the dialog with returnValue "ok". Escape closes
    // it with nothing to retry with, and the page cannot work without the token, so it opens again.
    dialog.returnValue = "";
    dialog.onclose = () => {
      if (dialog.returnValue !== "ok") return dialog.showModal();
      sessionStorage.setItem(tokenKey, input.value.trim());
      tokenPrompt = undefined;
      resolve();
    };
    dialog.showModal();
  });
  return tokenPrompt;
}

/**
 * Opens the event stream and keeps it open, calling `handlers[name](data)` for each named event and
 * `onState("live" | "reconnecting")` as the connection comes and goes. EventSource reconnects by
 * itself after a dropped connection, but gives up for good on an HTTP error such as a 401 (it cannot
 * send headers, so the token travels as ?token=): then a plain request asks for the token, and the
 * stream is reopened with it.
 */
export function openEvents(handlers, onState) {
  let retryMs = 1_000;
  const open = () => {
    const token = sessionStorage.getItem(tokenKey);
    const source = new EventSource(
      token === null ? "/api/events" : `/api/events?token=${encodeURIComponent(token)}`,
    );
    source.addEventListener("open", () => {
      retryMs = 1_000;
      onState("live");
    });
    source.addEventListener("error", () => {
      onState("reconnecting");
      if (source.readyState !== EventSource.CLOSED) return;
      setTimeout(() => {
        request("/api/workers")
          .catch(() => undefined) // the server is down: the reopened stream fails and retries again
          .finally(open);
      }, retryMs);
      retryMs = Math.min(retryMs * 2, 15_000);
    });
    for (const [name, handle] of Object.entries(handlers)) {
      source.addEventListener(name, (event) => handle(JSON.parse(event.data)));
    }
  };
  open();
}
