// The component tree with live statuses and durations, and the selected
// component's details and state.
import { components, findComponent } from './store.js';

/** Seconds as "850 ms", "12.3 s", "4 min 5 s". */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** When each work's current call started, learnt from the stream (a running
 * status' timestamp) or from GET /api/v1/components (contract 1). */
export class Durations {
  constructor() { this.started = new Map(); this.known = new Map(); }

  /** Notes a running status' start time, per call. */
  see(path, status) {
    if (status?.stage === 'running') this.started.set(path, { call: status.call_id, us: status.timestamp_us });
  }

  /** Durations the components endpoint reported ({path: {duration_s, call_id}}). */
  learn(path, durationS, callId) { this.known.set(path, { s: durationS, call: callId }); }

  /** Seconds of the current or last call, or null when unknown. */
  of(path, status) {
    const start = this.started.get(path);
    const ownStart = start && start.call === status?.call_id ? start.us : null;
    if (status?.stage === 'running' && ownStart !== null) return (Date.now() * 1000 - ownStart) / 1e6;
    if (['succeeded', 'failed', 'stopped'].includes(status?.stage) && ownStart !== null) {
      return (status.timestamp_us - ownStart) / 1e6;
    }
    const known = this.known.get(path);
    return known && known.call === status?.call_id ? known.s : null;
  }
}

export class Tree {
  constructor(list, durations, onSelect) {
    this.list = list;
    this.durations = durations;
    this.onSelect = onSelect;
    this.selected = 'root';
    this.nodes = new Map();  // path -> li
  }

  render(state) {
    const seen = new Set();
    for (const c of components(state)) {
      seen.add(c.path);
      let li = this.nodes.get(c.path);
      if (!li) li = this.create(c);
      if (c.kind === 'work') {
        const status = c.node.status ?? {};
        this.durations.see(c.path, status);
        const stage = status.stage ?? 'not_started';
        if (li.dataset.stage !== stage) {
          li.dataset.stage = stage;
          li.dataset.stageSince = String(status.timestamp_us ?? 0);
          const badge = li.querySelector('.stage');
          badge.textContent = stage.replace('_', ' ');
          badge.className = `stage stage-${stage}`;
        }
      }
    }
    for (const [path, li] of this.nodes) {
      if (!seen.has(path)) { li.remove(); this.nodes.delete(path); }
    }
    this.tick(state);
  }

  /** Refreshes the durations (once a second while something runs). */
  tick(state) {
    for (const c of components(state)) {
      if (c.kind !== 'work') continue;
      const li = this.nodes.get(c.path);
      if (li) li.querySelector('.duration').textContent = formatDuration(this.durations.of(c.path, c.node.status));
    }
  }

  create(c) {
    const li = document.createElement('li');
    li.dataset.path = c.path;
    li.dataset.kind = c.kind;
    const row = document.createElement('div');
    row.className = 'node';
    row.setAttribute('role', 'treeitem');
    row.innerHTML = '<span class="name"></span><span class="kind"></span>' +
      (c.kind === 'work' ? '<span class="stage"></span><span class="duration"></span>' : '');
    row.querySelector('.name').textContent = c.name;
    row.querySelector('.kind').textContent = c.kind;
    row.addEventListener('click', () => this.select(c.path));
    li.append(row);
    if (c.kind === 'flow') li.append(document.createElement('ul'));
    const parentList = c.parent ? this.nodes.get(c.parent)?.querySelector('ul') : this.list;
    (parentList ?? this.list).append(li);
    this.nodes.set(c.path, li);
    if (c.path === this.selected) row.setAttribute('aria-selected', 'true');
    return li;
  }

  select(path) {
    this.selected = path;
    for (const [p, li] of this.nodes) li.firstChild.setAttribute('aria-selected', String(p === path));
    this.onSelect(path);
  }
}

/** The details of the selected component: its status (a work's) and a stop button. */
export function renderDetails(container, state, path, durations, onStop) {
  const c = findComponent(state, path);
  container.replaceChildren();
  const title = document.createElement('h2');
  title.textContent = c ? `${c.kind} ${path}` : path;
  container.append(title);
  if (!c) return;
  if (c.kind !== 'work') return;
  const status = c.node.status ?? {};
  const rows = [
    ['type', c.node.type], ['status', status.stage], ['reason', status.reason],
    ['message', status.message], ['call', status.call_id], ['attempt', status.attempt],
    ['duration', formatDuration(durations.of(path, status))],
  ];
  const dl = document.createElement('dl');
  for (const [name, value] of rows) {
    if (value === undefined || value === '' || value === null) continue;
    const dt = document.createElement('dt');
    dt.textContent = name;
    const dd = document.createElement('dd');
    dd.textContent = String(value);
    dd.dataset.field = name;
    dl.append(dt, dd);
  }
  const stop = document.createElement('button');
  stop.type = 'button';
  stop.className = 'danger stop-work';
  stop.textContent = `Stop ${c.name}`;
  stop.disabled = !['pending', 'running'].includes(status.stage);
  stop.addEventListener('click', () => onStop(path));
  container.append(dl, stop);
}

/** The state inspector: the selected component's fields as JSON. */
export function renderState(pre, state, path) {
  const c = findComponent(state, path);
  pre.textContent = c ? JSON.stringify(c.node.vars ?? {}, null, 2) : '';
}
