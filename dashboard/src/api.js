// How the dashboard talks to the app: the HTTP API of docs/api.md, nothing else.

const TOKEN_KEY = 'lightning-token';

/** The bearer token: the one the server put in the page (loopback only), else
 * the one the user typed in this tab's session, else null. */
export function token() {
  const fromPage = document.querySelector('meta[name="lightning-token"]')?.content ?? '';
  if (fromPage && !fromPage.startsWith('__')) return fromPage;
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Asks the user for the token (written by the app to <run dir>/api-token). */
function askForToken() {
  const typed = window.prompt('This needs the app\'s token (in <run dir>/api-token):');
  if (typed) sessionStorage.setItem(TOKEN_KEY, typed.trim());
  return typed ? typed.trim() : null;
}

/** fetch() of an API path, with the token when there is one; a 401 asks for
 * the token once and tries again. Resolves to the Response. */
export async function apiFetch(path, options = {}) {
  const send = (bearer) => fetch(path, {
    ...options,
    headers: { ...(options.headers ?? {}), ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) },
  });
  let response = await send(token());
  if (response.status === 401 && askForToken()) response = await send(token());
  return response;
}

/** GET of a JSON resource; null when the app does not offer it (404). */
export async function getJson(path) {
  const response = await apiFetch(path);
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

export const stopApp = () => apiFetch('/api/v1/app/stop', { method: 'POST' });
export const stopWork = (path) =>
  apiFetch(`/api/v1/works/${encodeURIComponent(path)}/stop`, { method: 'POST' });

/** The state stream (Server-Sent Events): `onSnapshot({version, state})`, then
 * `onPatch(patch, version)` per batch of changes, `onStatus('live'|'reconnecting')`.
 * EventSource resumes with Last-Event-ID by itself. Returns the EventSource. */
export function openStateStream({ onSnapshot, onPatch, onStatus }) {
  const source = new EventSource('/api/v1/state/stream');
  source.addEventListener('open', () => onStatus('live'));
  source.addEventListener('error', () => onStatus('reconnecting'));
  source.addEventListener('snapshot', (e) => onSnapshot(JSON.parse(e.data)));
  source.addEventListener('patch', (e) => onPatch(JSON.parse(e.data), Number(e.lastEventId)));
  return source;
}

/** A work's log lines as they come (contract: GET /api/v1/works/{path}/logs?follow=1). */
export function followLogs(path, { onLine, onError }) {
  const source = new EventSource(`/api/v1/works/${encodeURIComponent(path)}/logs?follow=1&tail=200`);
  source.addEventListener('line', (e) => onLine(e.data));
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) onError();
  });
  return source;
}
