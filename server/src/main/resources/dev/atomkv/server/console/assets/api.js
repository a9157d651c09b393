// The console's JSON API (docs/console.md): every call is a POST of a JSON body with the bearer
// token, answered with JSON or with {"code", "message"} and an HTTP error status.

const TOKEN_KEY = 'atomkv.console.token';

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** An answer other than 200, with the server's code (a gRPC status name) and message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function headers() {
  const h = { 'Content-Type': 'application/json' };
  if (token()) h.Authorization = `Bearer ${token()}`;
  return h;
}

async function failure(response) {
  let body = {};
  try {
    body = await response.json();
  } catch (e) {
    body = { code: 'UNKNOWN', message: `HTTP ${response.status}` };
  }
  return new ApiError(response.status, body.code, body.message);
}

export async function call(path, body = {}) {
  const response = await fetch(`/api/${path}`, {
    method: 'POST', headers: headers(), body: JSON.stringify(body),
  });
  if (!response.ok) throw await failure(response);
  return response.json();
}

/**
 * Follows a few keys: onUpdate gets each message of the stream (the first has every key). Returns
 * a function that stops it; onEnd(error) is called once when it ends for another reason.
 */
export function watch(keys, onUpdate, onEnd) {
  const abort = new AbortController();
  (async () => {
    const response = await fetch('/api/watch', {
      method: 'POST', headers: headers(), body: JSON.stringify({ keys }), signal: abort.signal,
    });
    if (!response.ok) throw await failure(response);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) onUpdate(JSON.parse(line));
      }
    }
    onEnd(null);
  })().catch((e) => {
    if (!abort.signal.aborted) onEnd(e);
  });
  return () => abort.abort();
}
