// The JavaScript API (wasm/js/bnn.mjs over the wasm core) end to end, for the three flavours.
// Run: BNN_WASM_DIR=<wasm/build.sh output> node --no-experimental-fetch --test wasm/tests/
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadBnn, synthetic, smallMlp, train, wasmDir } from './helpers.mjs';

test('a model garbage-collected without free() is reported (FinalizationRegistry)', () => {
  const url = pathToFileURL(path.join(wasmDir(), 'bnn.mjs')).href;
  const code = `
    const { default: createBnn } = await import(${JSON.stringify(url)});
    const bnn = await createBnn({ flavour: 'scalar' });
    (() => { bnn.Model.fromJSON(${JSON.stringify(JSON.stringify(smallMlp()))}); })();
    for (let i = 0; i < 20; ++i) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }
    const kept = bnn.Model.fromJSON(${JSON.stringify(JSON.stringify(smallMlp()))});
    kept.free();
    for (let i = 0; i < 5; ++i) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }`;
  const r = spawnSync(process.execPath, ['--expose-gc', '--no-experimental-fetch', '--input-type=module', '-e', code],
    { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  const warnings = r.stderr.split('\n').filter((l) => l.includes('garbage-collected without free()'));
  assert.equal(warnings.length, 1, r.stderr);
});

for (const flavour of ['simd', 'scalar', 'simd-mt']) {
  describe(`wasm API (${flavour})`, () => {
    let bnn;
    const live = [];
    const track = (m) => (live.push(m), m);
    before(async () => {
      bnn = await loadBnn({ flavour });
    });
    after(() => {
      for (const m of live) m.free();
    });

    test('version, flavour and ISA', () => {
      assert.match(bnn.version, /^\d+\.\d+\.\d+$/);
      const [a, b, c] = bnn.version.split('.').map(Number);
      assert.equal(bnn.versionNumber, a * 10000 + b * 100 + c);
      assert.equal(bnn.flavour, flavour);
      assert.ok(['wasm_simd128', 'scalar'].includes(bnn.isa), bnn.isa);
      if (flavour === 'scalar') {
        assert.equal(bnn.isa, 'scalar');
        assert.equal(bnn.isaSupported('wasm_simd128'), false);  // compiled without -msimd128
      } else if (bnn.isaSupported('wasm_simd128')) {
        assert.equal(bnn.isa, 'wasm_simd128');  // the best path is the default
      }
      assert.equal(bnn.isaSupported('avx2'), false);
      assert.throws(() => bnn.setIsa('avx2'), (e) => e instanceof Error && e.code === 'UNSUPPORTED_HARDWARE');
      assert.throws(() => bnn.setIsa('no-such-isa'), (e) => e instanceof Error && e.code === 'INVALID_ARGUMENT');
      bnn.setIsa('auto');
    });

    test('create from an object and from a string', () => {
      const m = track(bnn.Model.fromJSON(smallMlp()));
      assert.equal(m.inputSize, 8);
      assert.equal(m.outputSize, 3);
      const m2 = track(bnn.Model.fromJSON(JSON.stringify(smallMlp())));
      assert.deepEqual(m2.getTensor('layers.0.kernel'), m.getTensor('layers.0.kernel'));
      const names = m.tensors().map((t) => t.name);
      assert.deepEqual(names.slice(0, 5), ['layers.0.kernel', 'layers.1.gamma', 'layers.1.beta',
        'layers.1.running_mean', 'layers.1.running_var']);
      assert.equal(m.tensors()[0].numel, 8 * 32);
      assert.match(m.summary(), /dense/);
      assert.equal(m.config().optimizer.type, 'adam');
      assert.equal(m.stepCount, 0);
      assert.equal(m.flipRatio(), 0);
    });

    test('trains a small MLP on synthetic data to > 90% accuracy', () => {
      const d = synthetic(600, 8, 3, 7);
      const m = track(bnn.Model.fromJSON(smallMlp()));
      const before = m.evaluate(d.x, d.y);
      const [first, last] = train(m, d, 15);
      const { loss, accuracy } = m.evaluate(d.x, d.y);
      assert.ok(last < first, `loss ${first} -> ${last}`);
      assert.ok(accuracy > 0.9, `accuracy ${accuracy} (before ${before.accuracy})`);
      assert.ok(Number.isFinite(loss));
      assert.equal(m.stepCount, 15 * 12);
      const fr = m.flipRatio();
      assert.ok(fr >= 0 && fr <= 1, `flip ratio ${fr}`);
      assert.ok(m.layerFlipRatio(0) >= 0);
      assert.equal(m.layerFlipRatio(1), 0);  // batch norm: no binary kernel
      // predict/classify agree with evaluate's accuracy
      const logits = m.predict(d.x);
      assert.ok(logits instanceof Float32Array);
      assert.equal(logits.length, d.n * 3);
      const cls = m.classify(d.x);
      let hits = 0;
      for (let i = 0; i < d.n; ++i) hits += cls[i] === d.y[i] ? 1 : 0;
      assert.ok(Math.abs(hits / d.n - accuracy) < 1e-6, `${hits / d.n} vs ${accuracy}`);
    });

    test('save/load round trip resumes bit-exactly', () => {
      const d = synthetic(300, 8, 3, 11);
      const m = track(bnn.Model.fromJSON(smallMlp()));
      train(m, d, 3);
      const bytes = m.save();
      assert.ok(bytes instanceof Uint8Array && bytes.length > 100);
      const m2 = track(bnn.Model.load(bytes));
      assert.equal(m2.stepCount, m.stepCount);
      assert.deepEqual(m2.predict(d.x), m.predict(d.x));
      train(m, d, 2);
      train(m2, d, 2);
      for (const t of m.tensors()) assert.deepEqual(m2.getTensor(t.index), m.getTensor(t.index), t.name);
      assert.deepEqual(m2.save(), m.save());
      // ArrayBuffer input works too
      const m3 = track(bnn.Model.load(bytes.slice().buffer));
      assert.equal(m3.inputSize, 8);
    });

    test('configure: two-stage start and delayed clipping', () => {
      const d = synthetic(300, 8, 3, 5);
      const m = track(bnn.Model.fromJSON(smallMlp()));
      m.configure({ quantize: false });
      train(m, d, 2);
      m.configure('{"quantize": true}');
      m.configure({ kernel_ste: 'clipped', weight_clip: { mode: 'fixed', value: 0.5 },
        learning_rate: 1e-3, batch_norm_momentum: 0.85 });
      train(m, d, 1);
      const k = m.getTensor('layers.0.kernel');
      assert.ok(k.every((v) => Math.abs(v) <= 0.5 + 1e-6), 'weights clipped to 0.5');
      assert.throws(() => m.configure({ no_such_key: 1 }), /no_such_key/);
      assert.throws(() => m.configure({ learning_rate: -1 }), (e) => e.code === 'OUT_OF_RANGE');
    });

    test('tensors: set and get', () => {
      const m = track(bnn.Model.fromJSON(smallMlp()));
      const v = new Float32Array(8 * 32).map((_, i) => ((i % 7) - 3) / 10);
      m.setTensor('layers.0.kernel', v);
      assert.deepEqual(m.getTensor(0), v);
      assert.throws(() => m.setTensor(0, new Float32Array(3)), (e) => e.code === 'SHAPE_MISMATCH');
      assert.throws(() => m.getTensor('no.such.tensor'), (e) => e.code === 'OUT_OF_RANGE');
    });

    test('errors carry the library message and leave the model unchanged', () => {
      assert.throws(() => bnn.Model.fromJSON('{"input_shape": [8], '), (e) =>
        e instanceof Error && e.code === 'INVALID_ARGUMENT' && e.message.length > 0);
      assert.throws(() => bnn.Model.fromJSON({ ...smallMlp(), bogus: 1 }), /bogus/);
      assert.throws(() => bnn.Model.fromJSON({ ...smallMlp(), optimizer: { type: 'nope' } }),
        /optimizer/);
      const m = track(bnn.Model.fromJSON(smallMlp()));
      const snapshot = m.save();
      const x = new Float32Array(4 * 8).fill(0.5);
      const y = new Int32Array([0, 1, 2, 0]);
      x[5] = NaN;
      assert.throws(() => m.trainStep(x, y), (e) => e.code === 'NUMERIC' && e.message.length > 0);
      x[5] = 0.1;
      assert.throws(() => m.trainStep(x, new Int32Array([0, 1, 3, 0])), (e) =>
        e.code === 'OUT_OF_RANGE' && e.message.length > 0);
      assert.throws(() => m.trainStep(x, new Int32Array([0, -1, 2, 0])), (e) => e.code === 'OUT_OF_RANGE');
      assert.throws(() => m.trainStep(x.subarray(0, 30), y), (e) => e.code === 'SHAPE_MISMATCH');
      assert.throws(() => m.trainStep(x, y.subarray(0, 3)), (e) => e.code === 'SHAPE_MISMATCH');
      assert.throws(() => m.predict(new Float32Array(0)), (e) => e.code === 'SHAPE_MISMATCH');
      assert.throws(() => m.evaluate(x, new Int32Array([0, 1, 2, 7])), (e) => e.code === 'OUT_OF_RANGE');
      assert.throws(() => m.trainStep('nope', y), /Float32Array/);
      assert.deepEqual(m.save(), snapshot, 'failed calls changed the model');
      assert.equal(m.stepCount, 0);
      assert.throws(() => bnn.Model.load(new Uint8Array([1, 2, 3, 4, 5])), (e) => e.code === 'CORRUPT_DATA');
      const bad = snapshot.slice();
      bad[bad.length >> 1] ^= 0xff;
      assert.throws(() => bnn.Model.load(bad), (e) => e.code === 'CORRUPT_DATA');
    });

    test('a freed model throws, free() twice is harmless', () => {
      const m = bnn.Model.fromJSON(smallMlp());
      m.free();
      m.free();
      assert.equal(m.freed, true);
      assert.throws(() => m.inputSize, (e) => e.code === 'INVALID_STATE');
      assert.throws(() => m.trainStep(new Float32Array(8), new Int32Array(1)), /freed/);
    });
  });
}
