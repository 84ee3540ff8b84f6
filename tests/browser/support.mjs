// Shared by the browser test and the dashboard benchmark: start a real app,
// find its API, launch Debian's Chromium through Playwright, wait on
// conditions with deadlines (never a fixed sleep).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

/** playwright-core from dashboard/node_modules (installed by scripts/install-deps.sh). */
export function playwright() {
  const dir = process.env.LIGHTNING_DASHBOARD_DIR ??
    path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../dashboard');
  return createRequire(path.join(dir, 'package.json'))('playwright-core');
}

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Headless Chromium, as FIELD-NOTES.md found it works here. */
export function launchBrowser() {
  return playwright().chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Polls `condition` every 10 ms until it returns a truthy value (resolved
 * with it) or `ms` pass (rejected, saying `what`). */
export async function waitUntil(condition, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A running app binary, with its own run dir under a temporary folder, on port 0. */
export class RunningApp {
  constructor(binary, appArgs = []) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lightning-browser-'));
    this.runDir = path.join(this.dir, 'run');
    this.output = '';
    this.child = spawn(path.resolve(binary), ['--run-dir', this.runDir, '--port', '0', '--', ...appArgs],
      { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream.on('data', (chunk) => { this.output += chunk; });
    }
    this.exit = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /** The API's URL, once the app has written api.json. */
  async url(ms = 30000) {
    const file = path.join(this.runDir, 'api.json');
    return waitUntil(() => {
      try { return JSON.parse(fs.readFileSync(file, 'utf8')).url; } catch { return null; }
    }, ms, `${file} (app output so far:\n${this.output})`);
  }

  /** Resolves with {code, signal} when the app exits, or rejects after `ms`. */
  async waitExit(ms) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the app did not exit within ${ms} ms:\n${this.output}`)), ms);
    });
    try { return await Promise.race([this.exit, timeout]); } finally { clearTimeout(timer); }
  }

  kill() {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
