// How long after a work's status changes does a browser show it? Runs
// bench_status_flip (a work called N times in a row: pending -> running ->
// succeeded each time) under headless Chromium (Playwright), and compares the
// moment the dashboard's tree shows each new status (a MutationObserver on
// data-stage, in the page) with the status' own timestamp_us (set by the
// runtime when the status changed). Both clocks are the machine's real-time
// clock. Prints median, p90 and max in ms.
// Usage: node bench/dashboard_latency.mjs [build dir, default build/release] [calls, default 50]
import path from 'node:path';
import { RunningApp, launchBrowser, waitUntil } from '../tests/browser/support.mjs';

const build = process.argv[2] ?? 'build/release';
const calls = Number(process.argv[3] ?? 50);
const browser = await launchBrowser();
const page = await browser.newPage();
const app = new RunningApp(path.join(build, 'bench/bench_status_flip'), [String(calls)]);
try {
  await page.goto(await app.url());
  await page.evaluate(() => {
    window.seen = [];
    new MutationObserver((mutations) => {
      const now = performance.timeOrigin + performance.now();  // ms, real time
      for (const m of mutations) {
        const li = m.target;
        if (li.dataset.path !== 'root.step') continue;
        window.seen.push({ stage: li.dataset.stage, lagMs: now - Number(li.dataset.stageSince) / 1000 });
      }
    }).observe(document.getElementById('tree'), { subtree: true, attributes: true, attributeFilter: ['data-stage'] });
  });
  await waitUntil(() => page.evaluate((n) =>
    Number(document.querySelector('#state-inspector')?.textContent.match(/"done": (\d+)/)?.[1]) >= n, calls),
  120000, `${calls} calls`);
  const lags = (await page.evaluate(() => window.seen)).map((s) => s.lagMs).sort((a, b) => a - b);
  const at = (p) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))];
  console.log(JSON.stringify({
    status_changes_seen: lags.length,
    median_ms: +at(0.5).toFixed(2), p90_ms: +at(0.9).toFixed(2), max_ms: +lags[lags.length - 1].toFixed(2),
  }));
} finally {
  await browser.close();
  app.kill();
}
