// The dashboard (docs/getting-started.md, "The dashboard"): live over the
// state stream, no polling. Wires the panels to the state store.
import { getJson, openStateStream, stopApp, stopWork } from './api.js';
import { Charts } from './charts.js';
import { LogsPanel } from './logs.js';
import { StateStore, findComponent } from './store.js';
import { Tabs } from './tabs.js';
import { Durations, Tree, renderDetails, renderState } from './tree.js';

const $ = (id) => document.getElementById(id);

const store = new StateStore();
const durations = new Durations();
const charts = new Charts($('charts'));
const logs = new LogsPanel($('logs'), $('logs-source'));
let selected = 'root';
let stream = null;
let stopping = false;

function setConnection(state, text = state) {
  $('connection').dataset.state = state;
  $('connection').textContent = text;
}

function renderSelected() {
  if (!store.state) return;
  renderDetails($('details'), store.state, selected, durations, onStopWork);
  renderState($('state-inspector'), store.state, selected);
}

function select(path) {
  selected = path;
  if (tree.selected !== path) tree.select(path);
  charts.show(path);
  logs.follow(path, findComponent(store.state, path)?.kind);
  renderSelected();
}

const tree = new Tree($('tree'), durations, select);
const tabs = new Tabs($('tabs'), $('overview'), $('tab-view'), { onComponent: select });

async function onStopWork(path) {
  const response = await stopWork(path);
  if (!response.ok) alert(`stopping ${path}: HTTP ${response.status}`);
}

$('stop-app').addEventListener('click', async () => {
  const response = await stopApp();
  if (!response.ok) { alert(`stopping the app: HTTP ${response.status}`); return; }
  stopping = true;
  $('stop-app').disabled = true;
  setConnection('stopping', 'stopping…');
});

/** Durations of calls that ran before this page opened, from GET /api/v1/components. */
async function learnDurations() {
  const tree = await getJson('/api/v1/components').catch(() => null);
  const walk = (node) => {
    if (!node) return;
    if (node.kind === 'work' && node.duration_s !== null && node.duration_s !== undefined) {
      durations.learn(node.path, node.duration_s, node.call_id);
    }
    for (const child of [...(node.flows ?? []), ...(node.works ?? [])]) walk(child);
  };
  walk(tree?.root);
}

store.subscribe((s, touched) => {
  tree.render(s.state);
  charts.update(s, touched);
  tabs.stateChanged(s.state);
  renderSelected();
  $('version').textContent = `version ${s.version}`;
});

stream = openStateStream({
  onSnapshot: (body) => { store.setSnapshot(body); if (!logs.path) select(selected); },
  onPatch: (patch, version) => store.applyPatch(patch, version),
  onStatus: (status) => {
    if (status === 'live') { setConnection(stopping ? 'stopping' : 'live', stopping ? 'stopping…' : 'live'); return; }
    if (stopping) {
      // The app closed the stream because it stopped: nothing to reconnect to.
      stream.close();
      logs.close();
      setConnection('stopped', 'app stopped');
    } else {
      setConnection('disconnected', 'reconnecting…');
    }
  },
});

setInterval(() => { if (store.state) tree.tick(store.state); }, 1000);
getJson('/api/v1/layout').then((layout) => tabs.setLayout(layout)).catch(() => tabs.setLayout(null));
learnDurations();
