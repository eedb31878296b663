// Cross-build: a model trained natively loads in wasm and predicts the same, and back.
// Needs the native helper (wasm/tests/native_tool.c linked against the native libbnn.so), given as
// BNN_NATIVE_TOOL; scripts/test.d/60-wasm.sh builds it from $BNN_BUILD_DIR.
// Run: BNN_WASM_DIR=... BNN_NATIVE_TOOL=... node --no-experimental-fetch --test wasm/tests/cross.test.mjs
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBnn, synthetic, smallMlp, train } from './helpers.mjs';

const TOOL = process.env.BNN_NATIVE_TOOL;

// Native kernels (AVX-512, FMA) and wasm ones sum in different orders: logits agree to float
// rounding, and the predicted classes must be identical.
function compareLogits(a, b, k, what) {
  assert.equal(a.length, b.length, `${what}: lengths`);
  let maxDiff = 0;
  let scale = 1;
  for (let i = 0; i < a.length; ++i) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  assert.ok(maxDiff <= 1e-4 * scale, `${what}: logits differ by ${maxDiff} (scale ${scale})`);
  const argmax = (l, i) => {
    let best = 0;
    for (let j = 1; j < k; ++j) if (l[i * k + j] > l[i * k + best]) best = j;
    return best;
  };
  let same = 0;
  for (let i = 0; i < a.length / k; ++i) same += argmax(a, i) === argmax(b, i) ? 1 : 0;
  assert.equal(same, a.length / k, `${what}: predicted classes differ`);
  return maxDiff;
}

const readF32 = (file) => {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const bytesOf = (typed) => Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength);

describe('cross-build native <-> wasm', { skip: !TOOL && 'BNN_NATIVE_TOOL not set (native build missing)' }, () => {
  let dir;
  const d = synthetic(400, 8, 3, 21);
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bnn-cross-'));
    fs.writeFileSync(path.join(dir, 'x.f32'), bytesOf(d.x));
    fs.writeFileSync(path.join(dir, 'y.i32'), bytesOf(d.y));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const flavour of ['simd', 'scalar']) {
    test(`native-trained model in wasm (${flavour})`, async () => {
      const bnn = await loadBnn({ flavour });
      const doc = path.join(dir, 'doc.json');
      fs.writeFileSync(doc, JSON.stringify(smallMlp()));
      const model = path.join(dir, `native-${flavour}.bnn`);
      const logits = path.join(dir, `native-${flavour}.f32`);
      execFileSync(TOOL, ['train', doc, path.join(dir, 'x.f32'), path.join(dir, 'y.i32'), String(d.n), '5', '40',
        model, logits], { stdio: 'inherit' });
      const bytes = new Uint8Array(fs.readFileSync(model));
      const m = bnn.Model.load(bytes);
      try {
        assert.equal(m.stepCount, 5 * 10);
        const diff = compareLogits(m.predict(d.x), readF32(logits), 3, 'native -> wasm');
        console.log(`# ${flavour}: native -> wasm max logit difference ${diff}`);
        assert.deepEqual(m.save(), bytes, 'wasm re-saves the native bytes unchanged');
        // and it keeps training in wasm from the native state
        const [, last] = train(m, d, 2, 40);
        assert.ok(Number.isFinite(last));
        assert.ok(m.evaluate(d.x, d.y).accuracy > 0.8);
      } finally {
        m.free();
      }
    });

    test(`wasm-trained model natively (${flavour})`, async () => {
      const bnn = await loadBnn({ flavour });
      const m = bnn.Model.fromJSON(smallMlp());
      try {
        train(m, d, 5, 40);
        const model = path.join(dir, `wasm-${flavour}.bnn`);
        const logits = path.join(dir, `wasm-${flavour}.f32`);
        fs.writeFileSync(model, m.save());
        execFileSync(TOOL, ['predict', model, path.join(dir, 'x.f32'), String(d.n), logits], { stdio: 'inherit' });
        const diff = compareLogits(readF32(logits), m.predict(d.x), 3, 'wasm -> native');
        console.log(`# ${flavour}: wasm -> native max logit difference ${diff}`);
      } finally {
        m.free();
      }
    });
  }
});
