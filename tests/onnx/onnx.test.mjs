// ONNX Runtime on libbnn's ONNX exports (run by scripts/test.d/55-onnx.sh): the files and the
// reference logits of bnn_model_predict come from export_tool.c in $BNN_ONNX_DIR. Classes must
// match on the whole Fashion-MNIST test set, logits within 1e-4 relative to the sample's largest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';

const dir = process.env.BNN_ONNX_DIR;
if (!dir) throw new Error('BNN_ONNX_DIR is not set (scripts/test.d/55-onnx.sh sets it)');

function floats(name) {
  const b = readFileSync(path.join(dir, name));
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}
const argmax = (v, o, n) => {
  let b = 0;
  for (let i = 1; i < n; ++i) if (v[o + i] > v[o + b]) b = i;
  return b;
};

for (const name of ['mlp', 'mlp_std', 'cnn']) {
  test(`${name}: ONNX Runtime matches bnn_model_predict on the test set`, async () => {
    const x = floats('test_x.f32');
    const want = floats(`${name}_logits.f32`);
    const n = 10000, dim = x.length / n, classes = want.length / n;
    const session = await ort.InferenceSession.create(path.join(dir, `${name}.onnx`));
    const got = new Float32Array(want.length);
    const chunk = 1000;
    for (let b = 0; b < n; b += chunk) {
      const input = new ort.Tensor('float32', x.subarray(b * dim, (b + chunk) * dim), [chunk, dim]);
      const out = await session.run({ [session.inputNames[0]]: input });
      got.set(out[session.outputNames[0]].data, b * classes);
    }
    let classDiff = 0, logitDiff = 0, worst = 0;
    for (let i = 0; i < n; ++i) {
      let scale = 0;
      for (let j = 0; j < classes; ++j) scale = Math.max(scale, Math.abs(want[i * classes + j]));
      let bad = false;
      for (let j = 0; j < classes; ++j) {
        const rel = Math.abs(want[i * classes + j] - got[i * classes + j]) / (scale || 1);
        worst = Math.max(worst, rel);
        bad ||= rel > 1e-4;
      }
      logitDiff += bad;
      classDiff += argmax(want, i * classes, classes) !== argmax(got, i * classes, classes);
    }
    console.log(`# ${name}: ${n} samples, ${classDiff} class differences, ${logitDiff} beyond 1e-4 (worst ${worst.toExponential(2)})`);
    assert.equal(classDiff, 0, 'class differences');
    assert.equal(logitDiff, 0, 'samples with logits beyond 1e-4 relative');
  });
}
