// The layout's tabs (GET /api/v1/layout, Flow::configure_layout): "Overview"
// first, then each tab the root flow declared. A component tab shows the
// overview of that component; a URL tab the page its work published (in an
// iframe, once it has); a static tab the app's folder.
import { findComponent } from './store.js';

export class Tabs {
  constructor(nav, overview, view, { onComponent }) {
    this.nav = nav;
    this.overview = overview;
    this.view = view;
    this.onComponent = onComponent;
    this.tabs = [{ name: 'Overview', kind: 'overview' }];
    this.active = 0;
    this.state = null;
  }

  setLayout(layout) {
    this.tabs = [{ name: 'Overview', kind: 'overview' }, ...(layout?.tabs ?? [])];
    this.nav.replaceChildren(...this.tabs.map((tab, i) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.role = 'tab';
      button.textContent = tab.name;
      button.dataset.kind = tab.kind;
      button.addEventListener('click', () => this.activate(i));
      return button;
    }));
    this.activate(this.active < this.tabs.length ? this.active : 0);
  }

  /** A work's published URL: its node's `url` in the live state, else the layout's. */
  urlOf(tab) {
    const work = this.state ? findComponent(this.state, tab.work) : null;
    return work?.node.url ?? tab.url ?? null;
  }

  /** Re-renders a URL tab whose work has published since. */
  stateChanged(state) {
    this.state = state;
    const tab = this.tabs[this.active];
    if (tab.kind === 'url' && this.view.dataset.url !== String(this.urlOf(tab))) this.activate(this.active);
  }

  activate(index) {
    this.active = index;
    const tab = this.tabs[index];
    [...this.nav.children].forEach((b, i) => b.setAttribute('aria-selected', String(i === index)));
    const showsOverview = tab.kind === 'overview' || tab.kind === 'component';
    this.overview.hidden = !showsOverview;
    this.view.hidden = showsOverview;
    if (tab.kind === 'component') this.onComponent(tab.path);
    if (showsOverview) return;
    const url = tab.kind === 'url' ? this.urlOf(tab) : tab.url;
    this.view.dataset.url = String(url);
    if (!url) {
      const p = document.createElement('p');
      p.className = 'empty';
      p.textContent = `${tab.work} has not published a URL yet`;
      this.view.replaceChildren(p);
      return;
    }
    const frame = document.createElement('iframe');
    frame.src = url;
    frame.title = tab.name;
    this.view.replaceChildren(frame);
  }
}
