// The demo page in a real browser (Debian's Chromium through playwright-core), served on 127.0.0.1:
// training through window.bnnDemo must reach a validation accuracy well above chance (10 classes),
// both wasm builds must load, side-by-side mode, the MNIST digits, the CNN option, and download /
// load of a model. Screenshots go to $BNN_ARTIFACTS (default /tmp/bnn-artifacts/wasm).
// Run: BNN_WASM_DIR=<wasm/build.sh output> node --test wasm/tests/browser.test.mjs
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromiumAvailable, openBrowser, newPage, CHROMIUM } from './browser.mjs';

const ARTIFACTS = path.resolve(process.env.BNN_ARTIFACTS ?? '/tmp/bnn-artifacts', 'wasm');

async function waitFor(page, predicate, { timeout, what }) {
  const t0 = Date.now();
  let s;
  for (;;) {
    s = await page.evaluate(() => window.bnnDemo.state());
    if (s.error) throw new Error(`${what}: the page reports an error: ${s.error}`);
    if (predicate(s)) return { state: s, seconds: (Date.now() - t0) / 1000 };
    if (Date.now() - t0 > timeout) {
      throw new Error(`${what}: not reached within ${timeout / 1000} s; last state ${JSON.stringify(s)}`);
    }
    await page.waitForTimeout(250);
  }
}

async function openDemo(browser, url, query = '') {
  const page = await newPage(browser, url + query);
  await page.waitForFunction(() => typeof window.bnnDemo?.start === 'function', null, { timeout: 20000 });
  return page;
}

describe('demo page in Chromium', { skip: !chromiumAvailable() && `no browser at ${CHROMIUM}` }, () => {
  let env;
  before(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    env = await openBrowser();
  });
  after(async () => {
    await env?.close();
  });

  test('Fashion-MNIST MLP (SIMD build) beats chance by far; screenshot', { timeout: 150000 }, async () => {
    const page = await openDemo(env.browser, env.url, '?flavour=simd');
    const started = await page.evaluate(() => window.bnnDemo.start({
      dataset: 'fashion', model: 'mlp', hidden: '256', optimizer: 'adam', learningRate: 0.001,
      epochs: 3, trainSamples: 20000, valSamples: 2000, evalEvery: 25, batchSize: 100 }));
    assert.equal(started.running, true);
    assert.equal(started.flavour, 'simd');
    assert.equal(started.isa, 'wasm_simd128');
    const { state, seconds } = await waitFor(page, (s) => s.valAccuracy > 0.7 && s.step >= 100,
      { timeout: 90000, what: 'validation accuracy > 0.7' });
    console.log(`# simd: val accuracy ${state.valAccuracy.toFixed(3)} after ${state.step} steps, ${seconds} s, ` +
      `${Math.round(state.samplesPerSecond)} samples/s`);
    for (const k of ['running', 'epoch', 'step', 'trainLoss', 'trainAccuracy', 'valAccuracy', 'samplesPerSecond', 'isa']) {
      assert.ok(k in state, `state() lacks ${k}`);
    }
    assert.ok(state.samplesPerSecond > 0);
    assert.ok(Number.isFinite(state.trainLoss));
    // charts, histogram and the grid are drawn: the grid has captions with predicted classes
    const captions = await page.$$eval('#grid figcaption', (els) => els.map((e) => e.className));
    assert.equal(captions.length, 24);
    assert.ok(captions.filter((c) => c === 'ok').length >= 12, `grid: ${captions}`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'demo-fashion-mlp-simd.png'), fullPage: true });
    const stopped = await page.evaluate(() => window.bnnDemo.stop());
    assert.equal(stopped.running, false);

    // download the model through the button, load it back through the file input
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const file = path.join(ARTIFACTS, 'demo-model.bnn');
    await download.saveAs(file);
    assert.ok(fs.statSync(file).size > 1000);
    await page.setInputFiles('#load', file);
    await page.waitForFunction(() => document.querySelector('#log').textContent.includes('loaded demo-model.bnn'),
      null, { timeout: 20000 });
    const loaded = await page.evaluate(() => window.bnnDemo.state());
    assert.ok(Math.abs(loaded.valAccuracy - stopped.valAccuracy) < 0.05,
      `loaded model: val accuracy ${loaded.valAccuracy} vs ${stopped.valAccuracy}`);
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  test('scalar build loads and trains (?flavour=scalar)', { timeout: 90000 }, async () => {
    const page = await openDemo(env.browser, env.url, '?flavour=scalar');
    const started = await page.evaluate(() => window.bnnDemo.start({ epochs: 2, trainSamples: 5000, evalEvery: 25 }));
    assert.equal(started.flavour, 'scalar');
    assert.equal(started.isa, 'scalar');
    const { state } = await waitFor(page, (s) => s.valAccuracy > 0.5, { timeout: 60000, what: 'scalar: val accuracy > 0.5' });
    console.log(`# scalar: val accuracy ${state.valAccuracy.toFixed(3)}, ${Math.round(state.samplesPerSecond)} samples/s`);
    await page.evaluate(() => window.bnnDemo.stop());
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  test('side by side (Adam vs SGD) on the MNIST digits; screenshot', { timeout: 90000 }, async () => {
    const page = await openDemo(env.browser, env.url);
    await page.evaluate(() => window.bnnDemo.start({ dataset: 'mnist', preset: 'adam-vs-sgd', compare: true,
      epochs: 2, trainSamples: 3000, evalEvery: 15 }));
    const { state } = await waitFor(page, (s) => s.runs.length === 2 && s.runs.every((r) => r.done),
      { timeout: 60000, what: 'both runs finish' });
    assert.deepEqual(state.runs.map((r) => r.label), ['Adam', 'SGD']);
    console.log(`# side by side: ${state.runs.map((r) => `${r.label} ${r.valAccuracy.toFixed(3)}`).join(', ')}`);
    assert.ok(state.runs[0].valAccuracy > 0.6, 'Adam run');
    assert.ok(state.runs[1].valAccuracy > 0.15, 'SGD run is above chance');
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(ARTIFACTS, 'demo-side-by-side.png'), fullPage: true });
    await page.evaluate(() => window.bnnDemo.stop());
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  test('small CNN with delayed clipping and a two-stage start', { timeout: 90000 }, async () => {
    const page = await openDemo(env.browser, env.url);
    let started;
    try {
      started = await page.evaluate(() => window.bnnDemo.start({ model: 'cnn', filters: '8,16', epochs: 1,
        trainSamples: 3000, evalEvery: 10, delayedClipEpoch: 0.2, twoStageEpochs: 0.1 }));
    } catch (e) {
      // A core without conv2d must show the library's message on the page, not fail silently.
      const text = await page.textContent('#error');
      assert.match(text, /conv2d/, `no library error shown: ${text}`);
      console.log(`# CNN rejected by the core (shown on the page): ${text}`);
      return;
    }
    assert.equal(started.running, true);
    await waitFor(page, (s) => s.step >= 20 && s.valAccuracy > 0.3, { timeout: 60000, what: 'CNN trains' });
    const log = await page.textContent('#log');
    assert.match(log, /binarised \(two-stage start\)/);
    assert.match(log, /clipping on/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'demo-cnn.png'), fullPage: true });
    await page.evaluate(() => window.bnnDemo.stop());
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  test('a bad setting shows the library message', { timeout: 30000 }, async () => {
    const page = await openDemo(env.browser, env.url);
    await assert.rejects(page.evaluate(() => window.bnnDemo.start({ learningRate: -1, epochs: 1, trainSamples: 1000 })));
    const s = await page.evaluate(() => window.bnnDemo.state());
    assert.match(s.error ?? '', /learning_rate/);
    assert.equal(s.running, false);
    await page.close();
  });
});
