// The demo page in a real browser (Debian's Chromium through playwright-core), served on 127.0.0.1,
// driven through window.bnnDemo. Training runs in the core trainer (bnn.Trainer) from a model
// document whose "training" section the controls make: it must reach a validation accuracy well
// above chance; the three wasm builds load (the threaded one on 2 threads when the page is cross-origin
// isolated; without the COOP/COEP headers one thread and a note why); the teaching views work (drawing pad classified live, one
// neuron's binary weights, flip heatmap, preset gallery side by side); delayed clipping and
// two-stage run as phases of the document, also when the document is edited as JSON; model
// download / load and the deployment exports. Screenshots go to $BNN_ARTIFACTS (default
// /tmp/bnn-artifacts/wasm).
// Run: BNN_WASM_DIR=<wasm/build.sh output> node --test wasm/tests/browser.test.mjs
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromiumAvailable, openBrowser, newPage, CHROMIUM } from './browser.mjs';
import { startServer } from '../serve.mjs';
import { wasmDir } from './helpers.mjs';

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

  test('Fashion-MNIST MLP (SIMD build) beats chance by far; teaching views; downloads; screenshot', { timeout: 180000 }, async () => {
    const page = await openDemo(env.browser, env.url, '?flavour=simd');
    const started = await page.evaluate(() => window.bnnDemo.start({
      dataset: 'fashion', model: 'mlp', hidden: '256', optimizer: 'adam', learningRate: 0.001,
      epochs: 3, trainSamples: 20000, valSamples: 2000, evalEvery: 25, batchSize: 100 }));
    assert.equal(started.running, true);
    assert.equal(started.flavour, 'simd');
    assert.equal(started.isa, 'wasm_simd128');
    const doc = await page.evaluate(() => window.bnnDemo.document());
    assert.deepEqual({ epochs: doc.training.epochs, batch_size: doc.training.batch_size }, { epochs: 3, batch_size: 100 });
    await page.evaluate(() => window.bnnDemo.drawSample(0));
    const { state, seconds } = await waitFor(page, (s) => s.valAccuracy > 0.7 && s.step >= 100 && s.probabilities && s.heatColumns >= 3,
      { timeout: 90000, what: 'validation accuracy > 0.7, a classified drawing, heatmap columns' });
    console.log(`# simd: val accuracy ${state.valAccuracy.toFixed(3)} after ${state.step} steps, ${seconds} s, ` +
      `${Math.round(state.samplesPerSecond)} samples/s`);
    for (const k of ['running', 'epoch', 'step', 'trainLoss', 'trainAccuracy', 'valAccuracy', 'samplesPerSecond', 'isa']) {
      assert.ok(k in state, `state() lacks ${k}`);
    }
    assert.ok(state.samplesPerSecond > 0);
    assert.ok(Number.isFinite(state.trainLoss));
    assert.equal(state.probabilities.length, 10);
    assert.ok(Math.abs(state.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-3);
    assert.equal(state.neuron.weights, 784, 'first-layer neuron: 28x28 weights');
    // the grid has captions with predicted classes
    const captions = await page.$$eval('#grid figcaption', (els) => els.map((e) => e.className));
    assert.equal(captions.length, 24);
    assert.ok(captions.filter((c) => c === 'ok').length >= 12, `grid: ${captions}`);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(ARTIFACTS, 'demo-fashion-mlp-simd.png'), fullPage: true });
    await page.locator('.teach').screenshot({ path: path.join(ARTIFACTS, 'demo-teach.png') });
    const stopped = await page.evaluate(() => window.bnnDemo.stop());
    assert.equal(stopped.running, false);

    // download the model through the button, load it back through the file input
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const file = path.join(ARTIFACTS, 'demo-model.bnn');
    await download.saveAs(file);
    assert.ok(fs.statSync(file).size > 1000);
    // deployment files (when the core has the exporters)
    if (!(await page.isDisabled('#export'))) {
      for (const format of ['bnn-infer', 'onnx']) {
        await page.selectOption('#export-format', format);
        const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
        const out = path.join(ARTIFACTS, `demo-model.${format === 'onnx' ? 'onnx' : 'bnni'}`);
        await dl.saveAs(out);
        assert.ok(fs.statSync(out).size > 100, `${format}: ${fs.statSync(out).size} bytes`);
      }
    } else {
      console.log('# deployment export skipped: this build of libbnn lacks bnn_model_export_buffer');
    }
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
    const stopped = await page.evaluate(() => window.bnnDemo.stop());
    assert.equal(stopped.running, false);
    // Resume continues the same trainer where it stopped: the run still ends after its 2 epochs
    await page.click('#resume');
    const { state: done } = await waitFor(page, (s) => s.done, { timeout: 60000, what: 'resumed run finishes' });
    assert.equal(done.epochsDone, 2);
    assert.equal(done.step, 2 * 50, '5000 samples / batch 100, 2 epochs');
    // a stroke drawn with the mouse on the pad is classified by the trained model
    const box = await page.locator('#pad').boundingBox();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
    await page.mouse.down();
    for (let i = 1; i <= 10; ++i) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.15 + 0.07 * i));
    await page.mouse.up();
    const { state: drawn } = await waitFor(page, (s) => s.probabilities, { timeout: 10000, what: 'the drawing is classified' });
    assert.equal(drawn.probabilities.length, 10);
    await page.locator('#draw-panel').screenshot({ path: path.join(ARTIFACTS, 'demo-drawn.png') });
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  test('preset gallery: Adam vs SGD side by side on the MNIST digits; screenshot', { timeout: 120000 }, async () => {
    const page = await openDemo(env.browser, env.url);
    const cards = await page.$$eval('#gallery .card h3', (els) => els.map((e) => e.textContent));
    assert.ok(cards.length >= 3, `gallery: ${cards}`);
    await page.evaluate(() => window.bnnDemo.start({ dataset: 'mnist', preset: 'adam-vs-sgd', compare: true,
      epochs: 2, trainSamples: 3000, evalEvery: 15 }));
    await page.evaluate(() => window.bnnDemo.drawSample(3));
    const { state } = await waitFor(page, (s) => s.runs.length === 2 && s.runs.every((r) => r.done),
      { timeout: 90000, what: 'both runs finish' });
    assert.deepEqual(state.runs.map((r) => r.label), ['Adam', 'SGD']);
    assert.deepEqual(state.runs.map((r) => r.epochsDone), [2, 2]);
    console.log(`# side by side: ${state.runs.map((r) => `${r.label} ${r.valAccuracy.toFixed(3)}`).join(', ')}`);
    assert.ok(state.runs[0].valAccuracy > 0.6, 'Adam run');
    assert.ok(state.runs[1].valAccuracy > 0.15, 'SGD run is above chance');
    assert.match(await page.textContent('#preset-note'), /Adam/);
    await page.waitForTimeout(800);
    await page.screenshot({ path: path.join(ARTIFACTS, 'demo-side-by-side.png'), fullPage: true });
    await page.evaluate(() => window.bnnDemo.stop());
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  test('preset gallery: two-stage side by side (the Replay button); screenshot', { timeout: 120000 }, async () => {
    const page = await openDemo(env.browser, env.url, '?dataset=mnist&trainSamples=3000&evalEvery=10');
    // the card's button replays with the gallery's base settings; shorten them first for the test
    await page.click('[data-replay="two-stage"]');
    await page.waitForFunction(() => window.bnnDemo.state().runs.length === 2, null, { timeout: 30000 });
    await page.evaluate(() => window.bnnDemo.start({ preset: 'two-stage', compare: true, epochs: 3, trainSamples: 3000 }));
    const { state } = await waitFor(page, (s) => s.runs.length === 2 && s.runs.every((r) => r.done),
      { timeout: 90000, what: 'both runs finish' });
    assert.deepEqual(state.runs.map((r) => r.records.map((x) => x.quantized)), [[true, true, true], [false, true, true]]);
    console.log(`# two-stage: ${state.runs.map((r) => `${r.label} ${r.records.map((x) => x.val_accuracy.toFixed(3)).join('/')}`).join(', ')}`);
    assert.match(await page.textContent('#preset-note'), /full precision/);
    await page.waitForTimeout(800);
    await page.screenshot({ path: path.join(ARTIFACTS, 'demo-two-stage.png'), fullPage: true });
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  test('delayed clipping and two-stage from the document; an edited document trains as written', { timeout: 120000 }, async () => {
    const page = await openDemo(env.browser, env.url, '?dataset=mnist');
    await page.evaluate(() => window.bnnDemo.start({ epochs: 3, trainSamples: 3000, evalEvery: 10,
      delayedClipEpoch: 2, twoStageEpochs: 1, lrSchedule: 'exponential', finalLearningRate: 1e-4 }));
    const doc = await page.evaluate(() => window.bnnDemo.document());
    assert.equal(doc.training.pretrain_full_precision_epochs, 1);
    assert.deepEqual(doc.training.phases.map((p) => [p.from_epoch, p.kernel_ste]), [[0, 'identity'], [2, 'clipped']]);
    assert.equal(doc.training.lr_schedule.type, 'exponential');
    const { state } = await waitFor(page, (s) => s.done, { timeout: 90000, what: 'recipe run finishes' });
    const recs = state.records;
    assert.equal(recs.length, 3);
    assert.deepEqual(recs.map((r) => r.quantized), [false, true, true], 'one full-precision epoch, then binary');
    assert.deepEqual(recs.map((r) => String(r.kernel_ste).split(' ')[0]), ['identity', 'identity', 'clipped'], 'the clipping phase from epoch 2');
    assert.ok(recs[2].lr < recs[0].lr, `exponential schedule: ${recs.map((r) => r.lr)}`);
    assert.ok(state.valAccuracy > 0.5, `val accuracy ${state.valAccuracy}`);
    const log = await page.textContent('#log');
    assert.match(log, /binarised/);
    assert.match(log, /phase change, kernel STE clipped/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'demo-recipe.png'), fullPage: true });

    // the document as JSON: one epoch, SGD, written by hand
    const edited = { ...doc, optimizer: { type: 'sgd', learning_rate: 0.05 }, training: { epochs: 1, batch_size: 50 } };
    await page.evaluate((d) => window.bnnDemo.start({ document: d }), edited);
    const status = await page.textContent('#doc-status');
    assert.match(status, /edited/);
    const done = await waitFor(page, (s) => s.done, { timeout: 60000, what: 'edited document trains' });
    assert.equal(done.state.records.length, 1);
    assert.equal(done.state.step, 60, '3000 samples / batch 50');
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  test('small CNN trains through the trainer', { timeout: 90000 }, async () => {
    const page = await openDemo(env.browser, env.url);
    const started = await page.evaluate(() => window.bnnDemo.start({ model: 'cnn', filters: '8,16', epochs: 1,
      trainSamples: 2000, evalEvery: 10 }));
    assert.equal(started.running, true);
    await waitFor(page, (s) => s.step >= 10 && s.valAccuracy > 0.3, { timeout: 60000, what: 'CNN trains' });
    const s = await page.evaluate(() => window.bnnDemo.state());
    assert.equal(s.neuron.weights, 9, 'first conv filter: 3x3x1 weights');
    await page.screenshot({ path: path.join(ARTIFACTS, 'demo-cnn.png'), fullPage: true });
    await page.evaluate(() => window.bnnDemo.stop());
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  test('cross-origin isolated (serve.mjs headers): the threaded build trains on 2 threads; screenshot', { timeout: 90000 }, async () => {
    const page = await openDemo(env.browser, env.url, '?dataset=mnist');
    const env2 = await page.evaluate(() => ({ isolated: self.crossOriginIsolated, cores: navigator.hardwareConcurrency }));
    assert.equal(env2.isolated, true, 'serve.mjs sends COOP/COEP');
    const expected = Math.min(env2.cores, 8);
    assert.ok(expected >= 2, `this machine reports ${env2.cores} core(s)`);
    const started = await page.evaluate(() => window.bnnDemo.start({ epochs: 1, trainSamples: 6000, evalEvery: 20 }));
    assert.equal(started.flavour, 'simd-mt');
    assert.equal(started.isa, 'wasm_simd128');
    assert.equal(started.threads, expected);
    const { state } = await waitFor(page, (s) => s.step >= 40 && s.samplesPerSecond > 0 && s.valAccuracy > 0.5,
      { timeout: 60000, what: 'threaded run trains' });
    console.log(`# simd-mt in the demo worker: ${state.threads} threads, ${Math.round(state.samplesPerSecond)} samples/s, ` +
      `val accuracy ${state.valAccuracy.toFixed(3)}`);
    const row = await page.$$eval('#stats tbody tr:first-child td', (tds) => tds.map((t) => t.textContent));
    assert.equal(row[7], String(expected), `threads column: ${row}`);
    assert.equal(Number(row[6]) > 0, true, `samples/s column: ${row}`);
    assert.match(await page.textContent('#status'), new RegExp(`simd-mt build, isa wasm_simd128, ${expected} threads`));
    assert.equal(await page.isHidden('#threads-note'), true);
    assert.equal(state.threadNote, null);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(ARTIFACTS, 'demo-threads.png'), fullPage: true });
    await page.evaluate(() => window.bnnDemo.stop());
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  test('without COOP/COEP: one thread, and a note that says why; screenshot', { timeout: 90000 }, async () => {
    const plain = await startServer(wasmDir(), 0, '127.0.0.1', { isolation: false });
    try {
      const page = await openDemo(env.browser, plain.url, '?dataset=mnist');
      assert.equal(await page.evaluate(() => self.crossOriginIsolated), false);
      const started = await page.evaluate(() => window.bnnDemo.start({ epochs: 1, trainSamples: 3000, evalEvery: 20 }));
      assert.equal(started.flavour, 'simd');
      assert.equal(started.threads, 1);
      await waitFor(page, (s) => s.step >= 20 && s.samplesPerSecond > 0, { timeout: 60000, what: 'single-thread run trains' });
      await page.waitForSelector('#threads-note', { state: 'visible', timeout: 10000 });
      const note = await page.textContent('#threads-note');
      assert.match(note, /one thread/);
      assert.match(note, /SharedArrayBuffer/);
      assert.match(note, /Cross-Origin-Opener-Policy: same-origin/);
      assert.match(note, /Cross-Origin-Embedder-Policy: require-corp/);
      const state = await page.evaluate(() => window.bnnDemo.state());
      assert.equal(state.threadNote, note);
      const row = await page.$$eval('#stats tbody tr:first-child td', (tds) => tds.map((t) => t.textContent));
      assert.equal(row[7], '1', `threads column: ${row}`);
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(ARTIFACTS, 'demo-no-isolation.png'), fullPage: true });
      await page.evaluate(() => window.bnnDemo.stop());
      assert.deepEqual(page.problems, []);
      await page.close();
    } finally {
      await plain.close();
    }
  });

  test('isolated, but the Worker script is missing (404): one thread, and the note says why', { timeout: 60000 }, async () => {
    // the folder of links to the build, without bnn-simd-mt.worker.js
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bnn-no-worker-'));
    for (const f of fs.readdirSync(wasmDir()).filter((f) => f !== 'bnn-simd-mt.worker.js')) {
      fs.symlinkSync(path.join(wasmDir(), f), path.join(dir, f));
    }
    const server = await startServer(dir, 0);
    try {
      const page = await openDemo(env.browser, server.url, '?dataset=mnist');
      const started = await page.evaluate(() => window.bnnDemo.start({ epochs: 1, trainSamples: 2000, evalEvery: 20 }));
      assert.equal(started.flavour, 'simd');
      assert.equal(started.threads, 1);
      await waitFor(page, (s) => s.step >= 10, { timeout: 30000, what: 'the fallback trains' });
      await page.waitForSelector('#threads-note', { state: 'visible', timeout: 10000 });
      assert.match(await page.textContent('#threads-note'), /one thread: the threaded build did not start/);
      await page.evaluate(() => window.bnnDemo.stop());
      assert.deepEqual(page.problems.filter((p) => !/404/.test(p)), []);
      await page.close();
    } finally {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
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

test('the demo has no trainer of its own: the worker only calls bnn.Trainer', () => {
  const src = fs.readFileSync(new URL('../demo/worker.mjs', import.meta.url), 'utf8');
  assert.match(src, /bnn\.Trainer\.create/);
  assert.doesNotMatch(src, /\.trainStep\(|shuffle|applySchedule|lrDecay/);
});
