// Charts of every numeric state field over time: a field whose value is a
// number (a work's `loss`, a flow's `epoch`) gets a uPlot line chart as soon
// as it appears, and a point each time it changes.
import uPlot from './vendor/uPlot.esm.js';
import { components } from './store.js';

/** Points kept per field; older ones are dropped. */
const MAX_POINTS = 10000;

/** The numeric fields of a state: [{key: 'root.train.loss', pointer, value}]. */
function numericFields(state) {
  const fields = [];
  for (const c of components(state)) {
    for (const [name, value] of Object.entries(c.node.vars ?? {})) {
      if (typeof value === 'number' && Number.isFinite(value)) {
        fields.push({ key: `${c.path}.${name}`, component: c.path, pointer: `${c.pointer}/vars/${name}`, value });
      }
    }
  }
  return fields;
}

function touches(pointer, touched) {
  return touched === null || touched.some((p) => pointer === p || pointer.startsWith(`${p}/`));
}

export class Charts {
  constructor(container) {
    this.container = container;
    this.series = new Map();  // key -> {times, values, figure, plot}
    this.filter = 'root';     // show the fields of this component's subtree
    this.frame = null;
  }

  /** Adds a point for each numeric field the change touched. */
  update(store, touched) {
    const now = Date.now() / 1000;
    for (const field of numericFields(store.state)) {
      if (!touches(field.pointer, touched)) continue;
      const s = this.series.get(field.key) ?? this.create(field);
      if (s.values.length > 0 && s.values[s.values.length - 1] === field.value && touched === null) continue;
      s.times.push(now);
      s.values.push(field.value);
      if (s.times.length > MAX_POINTS) { s.times.shift(); s.values.shift(); }
      s.dirty = true;
    }
    this.scheduleDraw();
  }

  /** Shows only the charts of `path` and the components under it. */
  show(path) {
    this.filter = path;
    for (const [key, s] of this.series) s.figure.hidden = !this.visible(key);
    this.scheduleDraw();
  }

  visible(key) { return key.startsWith(`${this.filter}.`); }

  create(field) {
    const figure = document.createElement('figure');
    figure.className = 'chart';
    figure.dataset.field = field.key;
    figure.dataset.points = '0';
    figure.hidden = !this.visible(field.key);
    const caption = document.createElement('figcaption');
    caption.textContent = field.key;
    figure.append(caption);
    this.container.append(figure);
    const s = { times: [], values: [], figure, plot: null, dirty: true };
    this.series.set(field.key, s);
    return s;
  }

  scheduleDraw() {
    if (this.frame === null) this.frame = requestAnimationFrame(() => { this.frame = null; this.draw(); });
  }

  draw() {
    for (const [key, s] of this.series) {
      if (!s.dirty || s.figure.hidden) continue;
      s.dirty = false;
      const data = [s.times, s.values];
      if (s.plot === null) {
        const width = Math.max(300, s.figure.clientWidth || 360);
        s.plot = new uPlot({
          width, height: 180,
          scales: { x: { time: true } },
          legend: { show: false },
          series: [{}, { label: key, stroke: '#1f6feb', width: 2 }],
        }, data, s.figure);
      } else {
        s.plot.setData(data);
      }
      s.figure.dataset.points = String(s.values.length);
    }
  }
}
