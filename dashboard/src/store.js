// The app's state as the stream tells it: a snapshot, then RFC 6902 patches
// applied in order (fast-json-patch). Listeners hear each change with the
// pointers it touched.
import { applyPatch } from './vendor/fast-json-patch/core.mjs';

export class StateStore {
  constructor() {
    this.state = null;
    this.version = 0;
    this.listeners = [];
  }

  /** `listener(store, touched)`: touched is null for a snapshot (everything),
   * else the JSON Pointers the patch changed. */
  subscribe(listener) { this.listeners.push(listener); }

  setSnapshot({ version, state }) {
    this.state = state;
    this.version = version;
    this.notify(null);
  }

  applyPatch(patch, version) {
    if (this.state === null) return;
    // mutateDocument=true: the patch changes this.state in place.
    this.state = applyPatch(this.state, patch, false, true).newDocument;
    this.version = version;
    this.notify(patch.map((op) => op.path));
  }

  notify(touched) { for (const listener of this.listeners) listener(this, touched); }
}

/** Every component of a state tree, depth first:
 * {path, name, kind: 'flow'|'work', pointer, node, parent}. */
export function components(state, path = 'root', pointer = '', parent = null) {
  if (!state) return [];
  const self = { path, name: path.split('.').pop(), kind: 'flow', pointer, node: state, parent };
  const out = [self];
  for (const [name, work] of Object.entries(state.works ?? {})) {
    out.push({ path: `${path}.${name}`, name, kind: 'work', pointer: `${pointer}/works/${escape(name)}`,
      node: work, parent: path });
  }
  for (const [name, flow] of Object.entries(state.flows ?? {})) {
    out.push(...components(flow, `${path}.${name}`, `${pointer}/flows/${escape(name)}`, path));
  }
  return out;
}

/** The component at a dotted path, or undefined. */
export function findComponent(state, path) {
  return components(state).find((c) => c.path === path);
}

function escape(name) { return name.replace(/~/g, '~0').replace(/\//g, '~1'); }
