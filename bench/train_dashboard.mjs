// TrainWork's metrics in the dashboard (docs/components/train.md): runs the
// Fashion-MNIST example (examples/fashion_mnist_train.cpp) with a real
// browser (headless Chromium, Playwright) and waits until the charts of
// root.train.loss, accuracy and samples_per_s have at least 3 points each,
// then saves a screenshot. A check to run by hand (it trains for ~1 minute),
// not a test:
//   LIGHTNING_TRAIN_APP=build/ci/bin/fashion_mnist_train OUT=/tmp/train-dashboard.png \
//     node bench/train_dashboard.mjs
import assert from 'node:assert/strict';
import { RunningApp, launchBrowser, waitUntil } from '../tests/browser/support.mjs';

const binary = process.env.LIGHTNING_TRAIN_APP ?? 'build/ci/bin/fashion_mnist_train';
const out = process.env.OUT ?? '/tmp/train-dashboard.png';
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
const app = new RunningApp(binary, ['1']);
try {
  await page.goto(await app.url());
  const fields = ['loss', 'accuracy', 'samples_per_s'].map((f) => `root.train.${f}`);
  const t0 = Date.now();
  await waitUntil(() => page.evaluate((keys) => keys.every((k) =>
    Number(document.querySelector(`figure.chart[data-field="${k}"]`)?.dataset.points) >= 3), fields),
  240000, `charts of ${fields.join(', ')} with 3 points (app output:\n${app.output})`);
  const points = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('figure.chart')]
    .map((f) => [f.dataset.field, Number(f.dataset.points)])));
  await page.screenshot({ path: out, fullPage: true });
  assert.ok(points['root.train.loss'] >= 3);
  console.log(JSON.stringify({ seconds: (Date.now() - t0) / 1000, points, screenshot: out }));
} finally {
  await browser.close();
  app.kill();
}
