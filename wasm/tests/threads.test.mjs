// The threaded build (bnn-simd-mt: Emscripten pthreads, the kernels' pool on Workers) under Node:
// it loads with the thread count asked for, its pool thread really runs on a Worker and does part
// of the work, and training gives the same losses and the same saved bytes as the single-thread
// SIMD128 build, on 1 and on 2 threads (the kernels' tasks write disjoint data, so the thread
// count must not change a single bit).
// Run: BNN_WASM_DIR=<wasm/build.sh output> node --no-experimental-fetch --test wasm/tests/threads.test.mjs
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadBnn, rng, wasmDir } from './helpers.mjs';

// CPU time (clock ticks, user + system) of every thread of this process, by thread id.
function threadTicks() {
  const ticks = new Map();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');  // from field 3 (state) on
      ticks.set(tid, Number(f[11]) + Number(f[12]));                // utime, stime: fields 14, 15
    } catch {
      // the thread ended in between
    }
  }
  return ticks;
}

const sign = { type: 'sign', ste: 'clipped', clip: 1 };
// Wide enough that every kernel (binary GEMM, float GEMM of the first layer, conv, the optimiser
// update) splits its rows or columns into several tasks.
const MLP = {
  input_shape: [784],
  layers: [
    { type: 'dense', units: 512, use_bias: false, input_quantizer: null, kernel_quantizer: sign },
    { type: 'batch_norm', momentum: 0.9, epsilon: 1e-5 },
    { type: 'dense', units: 512, use_bias: false, input_quantizer: sign, kernel_quantizer: sign },
    { type: 'batch_norm', momentum: 0.9, epsilon: 1e-5 },
    { type: 'dense', units: 10, use_bias: false, input_quantizer: sign, kernel_quantizer: sign },
    { type: 'batch_norm', momentum: 0.9, epsilon: 1e-5 },
  ],
  loss: 'cross_entropy', optimizer: { type: 'adam', learning_rate: 0.001 },
  weight_clip: { mode: 'fixed', value: 1 }, lr_scale: 'none', seed: 7,
};
const CNN = {
  input_shape: [28, 28, 1],
  layers: [
    { type: 'conv2d', filters: 16, kernel_size: [3, 3], padding: 'same', use_bias: false, input_quantizer: null, kernel_quantizer: sign },
    { type: 'max_pool2d', pool_size: [2, 2] }, { type: 'batch_norm', momentum: 0.9, epsilon: 1e-5 },
    { type: 'conv2d', filters: 32, kernel_size: [3, 3], padding: 'same', use_bias: false, input_quantizer: sign, kernel_quantizer: sign },
    { type: 'max_pool2d', pool_size: [2, 2] }, { type: 'batch_norm', momentum: 0.9, epsilon: 1e-5 },
    { type: 'flatten' },
    { type: 'dense', units: 10, use_bias: false, input_quantizer: sign, kernel_quantizer: sign },
    { type: 'batch_norm', momentum: 0.9, epsilon: 1e-5 },
  ],
  loss: 'cross_entropy', optimizer: { type: 'sgd', learning_rate: 0.05 }, seed: 3,
};

// Sparse images with a class-dependent pattern: real enough to move the weights every step.
function data(n, seed) {
  const r = rng(seed);
  const x = new Float32Array(n * 784);
  const y = new Int32Array(n);
  for (let i = 0; i < n; ++i) {
    y[i] = i % 10;
    for (let j = 0; j < 784; ++j) x[i * 784 + j] = (j % 10 === y[i] || r() < 0.15) ? r() : 0;
  }
  return { x, y };
}

function trainRun(bnn, doc, d, steps, batch) {
  const m = bnn.Model.fromJSON(doc);
  try {
    const losses = [];
    const batches = d.y.length / batch;
    for (let s = 0; s < steps; ++s) {
      const b = s % batches;
      losses.push(m.trainStep(d.x.subarray(b * batch * 784, (b + 1) * batch * 784), d.y.subarray(b * batch, (b + 1) * batch)));
    }
    return { losses, bytes: m.save() };
  } finally {
    m.free();
  }
}

describe('threaded build (simd-mt) under Node', () => {
  let single;
  let mt;
  before(async () => {
    single = await loadBnn({ flavour: 'simd' });
    mt = await loadBnn({ flavour: 'simd-mt', threads: 2 });
  });

  test('loads with the threads asked for; auto picks it in Node', async () => {
    assert.equal(mt.flavour, 'simd-mt');
    assert.equal(mt.isa, 'wasm_simd128');
    assert.deepEqual(mt.threadSupport, { supported: true, reason: '' });
    assert.equal(mt.threads, 2);
    assert.equal(mt.maxThreads, 2);
    assert.equal(single.threads, 1);
    assert.equal(single.maxThreads, 1);
    // the pool's second thread is a pthread bound to a Worker (Emscripten's PThread table)
    assert.equal(mt.module.PThread.runningWorkers.length, 1);
    assert.throws(() => mt.setNumThreads(3), (e) => e.code === 'OUT_OF_RANGE' && /1\.\.2/.test(e.message));
    mt.setNumThreads(1);
    assert.equal(mt.threads, 1);
    mt.setNumThreads(0);  // 0 = all the module has
    assert.equal(mt.threads, 2);
    const auto = await loadBnn({ threads: 2 });
    assert.equal(auto.flavour, 'simd-mt');
    const one = await loadBnn({ threads: 1 });
    assert.equal(one.flavour, 'simd', 'auto with one thread takes the single-thread build');
    await assert.rejects(loadBnn({ flavour: 'simd', threads: 2 }), /one thread/);
    await assert.rejects(loadBnn({ threads: 0 }), (e) => e.code === 'OUT_OF_RANGE');
  });

  test('the pool thread runs part of the work (its own CPU time, from /proc)', { skip: !fs.existsSync('/proc/self/task') && 'no /proc' }, () => {
    // Wall-clock speed-up proves little on a shared machine; the CPU time of each thread does:
    // with 2 threads the pool's Worker thread must have run tasks (it sleeps on a futex between
    // regions), with 1 thread it must not.
    const d = data(500, 11);
    const wide = { ...MLP, layers: MLP.layers.map((l) => (l.units === 512 ? { ...l, units: 1024 } : l)) };
    const measure = (threads) => {
      mt.setNumThreads(threads);
      const m = mt.Model.fromJSON(wide);
      try {
        const before = threadTicks();
        const t0 = performance.now();
        let steps = 0;
        while (performance.now() - t0 < 1500 || steps < 5) {
          const b = steps++ % 5;
          m.trainStep(d.x.subarray(b * 100 * 784, (b + 1) * 100 * 784), d.y.subarray(b * 100, (b + 1) * 100));
        }
        const wall = performance.now() - t0;
        const after = threadTicks();
        const delta = (tid) => (after.get(tid) ?? 0) - (before.get(tid) ?? 0);
        const main = delta(String(process.pid));
        const other = Math.max(0, ...[...after.keys()].filter((t) => t !== String(process.pid)).map(delta));
        return { main, other, sps: (steps * 100 * 1000) / wall };
      } finally {
        m.free();
      }
    };
    const one = measure(1);
    const two = measure(2);
    console.log(`# 784-1024-1024-10, batch 100: 1 thread ${Math.round(one.sps)} samples/s (CPU ticks main ${one.main}, ` +
      `busiest other thread ${one.other}); 2 threads ${Math.round(two.sps)} samples/s (main ${two.main}, pool thread ${two.other}); ` +
      `speed-up ${(two.sps / one.sps).toFixed(2)}x`);
    assert.ok(one.main >= 20, `main thread: ${one.main} ticks in 1.5 s`);
    assert.ok(one.other < 0.15 * one.main, `1 thread: another thread used ${one.other} ticks (main ${one.main})`);
    assert.ok(two.other > 0.3 * two.main, `2 threads: the pool thread used ${two.other} ticks, main ${two.main}`);
    mt.setNumThreads(2);
  });

  test('a Worker script that fails: auto falls back to one thread and says why; simd-mt throws', async () => {
    // what a bundle or a server that mangles bnn-simd-mt.worker.js gives (in a browser: a 404,
    // or a script blocked by COEP); without this check createBnn would wait forever for the pool
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bnn-broken-worker-'));
    try {
      for (const f of fs.readdirSync(wasmDir()).filter((f) => /^bnn(-[a-z-]+)?\.(mjs|wasm|worker\.js)$/.test(f))) {
        fs.copyFileSync(path.join(wasmDir(), f), path.join(dir, f));
      }
      fs.writeFileSync(path.join(dir, 'bnn-simd-mt.worker.js'), "throw new Error('broken worker script (test)');\n");
      const { default: createBnn } = await import(pathToFileURL(path.join(dir, 'bnn.mjs')).href);
      const bnn = await createBnn({ threads: 2 });
      assert.equal(bnn.flavour, 'simd');
      assert.equal(bnn.threads, 1);
      assert.equal(bnn.threadSupport.supported, false);
      assert.match(bnn.threadSupport.reason, /did not start: broken worker script \(test\)/);
      const m = bnn.Model.fromJSON(MLP);
      m.free();
      await assert.rejects(createBnn({ flavour: 'simd-mt', threads: 2 }),
        (e) => e.code === 'UNSUPPORTED_HARDWARE' && /broken worker script/.test(e.message));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const [name, doc, steps, batch] of [['MLP 784-512-512-10', MLP, 12, 100], ['CNN conv16-conv32', CNN, 6, 50]]) {
    test(`${name}: same losses and bytes as the single-thread build, on 1 and 2 threads`, () => {
      const d = data(400, 5);
      const ref = trainRun(single, doc, d, steps, batch);
      assert.ok(ref.losses.every(Number.isFinite));
      assert.notEqual(ref.losses[0], ref.losses[steps - 1], 'the model trains');
      for (const threads of [1, 2]) {
        mt.setNumThreads(threads);
        const got = trainRun(mt, doc, d, steps, batch);
        assert.deepEqual(got.losses, ref.losses, `${threads} thread(s): losses`);
        assert.ok(Buffer.from(got.bytes).equals(Buffer.from(ref.bytes)), `${threads} thread(s): saved model bytes differ`);
      }
      mt.setNumThreads(2);
    });
  }
});
