// storefront/api.js: every call to the API (docs/api.md). Paths are the
// API's own, on this origin (nginx serves the shop and the API together).
// A 2xx resolves with {status, data, etag}; anything else rejects with a
// Problem, read from the application/problem+json body the API and nginx
// answer with (docs/api.md, "Errors"), so that the page can put it in
// words (problems.js).

import { session } from './session.js';

// Problem: an answer that is not a 2xx. status 0 is a request that got no
// answer at all (the network, or the server, is away).
export class Problem extends Error {
  constructor(status, body, retryAfter) {
    const b = body && typeof body === 'object' ? body : {};
    super(b.detail || b.title || `HTTP ${status}`);
    this.status = status;
    this.title = typeof b.title === 'string' ? b.title : '';
    this.detail = typeof b.detail === 'string' ? b.detail : '';
    this.errors = Array.isArray(b.errors) ? b.errors : [];
    this.retryAfter = retryAfter;
  }
}

let onSessionEnded = () => {};

// whenSessionEnds(fn): fn(problem) is called when a request that carried a
// token is answered 401: the token expired or was revoked (a new
// password, a logout elsewhere), and the user must log in again.
export function whenSessionEnds(fn) {
  onSessionEnded = fn;
}

// retrySeconds(header): Retry-After as seconds (the API sends seconds), or
// null.
function retrySeconds(header) {
  if (header === null || !/^\d+$/.test(header.trim())) return null;
  return Number(header.trim());
}

// api(method, path, {body, contentType, headers, noToken, loggingOut}):
// one request. The token, when there is one, goes as Authorization:
// Bearer (noToken: not even then). A 401 to a request with a token ends
// the session (whenSessionEnds), unless the request was the logout.
export async function api(method, path, options = {}) {
  const headers = new Headers(options.headers || {});
  const s = session();
  if (s && !options.noToken) headers.set('Authorization', `Bearer ${s.token}`);
  headers.set('Accept', 'application/json, application/problem+json');
  const init = { method, headers, cache: 'no-store', credentials: 'omit', redirect: 'error' };
  if (options.body !== undefined) {
    headers.set('Content-Type', options.contentType || 'application/json');
    init.body = JSON.stringify(options.body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new Problem(0, {
      title: 'No answer',
      detail: 'the shop could not be reached; check the connection and try again',
    });
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const problem = new Problem(res.status, data, retrySeconds(res.headers.get('Retry-After')));
    if (res.status === 401 && headers.has('Authorization') && !options.loggingOut) onSessionEnded(problem);
    throw problem;
  }
  return { status: res.status, data, etag: res.headers.get('ETag') };
}

// pages(path): every item of a paginated collection (GET /order,
// GET /order/products), following "next" until it is absent.
export async function pages(path) {
  const items = [];
  let next = path;
  for (let i = 0; next && i < 100; i++) {
    const { data } = await api('GET', next);
    items.push(...data.items);
    next = data.next;
  }
  return items;
}

// newKey(): a fresh Idempotency-Key, a random UUID (version 4). Made from
// crypto.getRandomValues, which every page has; crypto.randomUUID exists
// only on HTTPS and loopback.
export function newKey() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
