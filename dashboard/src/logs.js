// The logs panel: follows the selected work's log (GET /api/v1/works/{path}/logs?follow=1).
import { followLogs } from './api.js';

/** Lines kept on the page; older ones are dropped. */
const MAX_LINES = 2000;

export class LogsPanel {
  constructor(pre, label) {
    this.pre = pre;
    this.label = label;
    this.path = null;
    this.source = null;
  }

  follow(path, kind) {
    if (path === this.path) return;
    this.source?.close();
    this.source = null;
    this.path = path;
    this.pre.replaceChildren();
    if (kind !== 'work') {
      this.label.textContent = '';
      this.message('select a work to follow its log');
      return;
    }
    this.label.textContent = `of ${path}`;
    this.source = followLogs(path, {
      onLine: (line) => this.append(line),
      onError: () => this.message(`the log of ${path} is not available`),
    });
  }

  append(line) {
    const div = document.createElement('div');
    div.className = 'log-line';
    div.textContent = line;
    const atBottom = this.pre.scrollTop + this.pre.clientHeight >= this.pre.scrollHeight - 4;
    this.pre.append(div);
    while (this.pre.childElementCount > MAX_LINES) this.pre.firstChild.remove();
    if (atBottom) this.pre.scrollTop = this.pre.scrollHeight;
  }

  message(text) {
    const div = document.createElement('div');
    div.className = 'empty';
    div.textContent = text;
    this.pre.append(div);
  }

  close() { this.source?.close(); this.source = null; }
}
