// The TensorFlow.js peer of libbnn's wasm training benchmark: a float MLP of the binary MLP's
// shape (TF.js has no binary layers) trained with the wasm backend in Node on real Fashion-MNIST
// batches: 784 -> [dense 1024 -> BN -> ReLU] x 3 -> dense 10 -> BN, softmax cross entropy, Adam,
// batch 100. Prints one JSON line {"framework": "tfjs", "samples_per_second": ...}.
//
// Usage: node bench/peers/tfjs_mlp.mjs [--steps N] [--train N] [--threads N] [--data DIR]
// Needs `npm install` in bench/peers/tfjs (@tensorflow/tfjs and @tensorflow/tfjs-backend-wasm).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, 'tfjs', 'package.json'));
const tf = require('@tensorflow/tfjs');
const wasm = require('@tensorflow/tfjs-backend-wasm');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const steps = Number(opt('--steps', 20));
const warmup = Number(opt('--warmup', 3));
const trainN = Number(opt('--train', 20000));
const threads = Number(opt('--threads', 1));
const dataDir = opt('--data', '/usr/share/datasets/fashion-mnist');
const batch = 100;

function readIdx(file) {
  const buf = zlib.gunzipSync(fs.readFileSync(path.join(dataDir, file)));
  const dims = buf[3];
  const shape = [];
  for (let i = 0; i < dims; ++i) shape.push(buf.readUInt32BE(4 + 4 * i));
  return { shape, data: buf.subarray(4 + 4 * dims) };
}

const images = readIdx('train-images-idx3-ubyte.gz');
const labels = readIdx('train-labels-idx1-ubyte.gz');
const n = Math.min(trainN, images.shape[0]);
const x = new Float32Array(n * 784);
for (let i = 0; i < n * 784; ++i) x[i] = images.data[i] / 255;
const y = new Float32Array(n * 10);
for (let i = 0; i < n; ++i) y[i * 10 + labels.data[i]] = 1;

const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
wasm.setWasmPaths('file://' + wasmDir + '/');
if (threads > 0) wasm.setThreadsCount?.(threads);
await tf.setBackend('wasm');
await tf.ready();

const model = tf.sequential();
for (let i = 0; i < 3; ++i) {
  model.add(tf.layers.dense({ units: 1024, useBias: false, ...(i === 0 ? { inputShape: [784] } : {}) }));
  model.add(tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }));
  model.add(tf.layers.reLU());
}
model.add(tf.layers.dense({ units: 10, useBias: false }));
model.add(tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }));
model.add(tf.layers.softmax());
model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy' });

const batches = Math.floor(n / batch);
let cursor = 0;
async function step() {
  const b = cursor++ % batches;
  const xs = tf.tensor2d(x.subarray(b * batch * 784, (b + 1) * batch * 784), [batch, 784]);
  const ys = tf.tensor2d(y.subarray(b * batch * 10, (b + 1) * batch * 10), [batch, 10]);
  await model.trainOnBatch(xs, ys);
  xs.dispose();
  ys.dispose();
}
for (let i = 0; i < warmup; ++i) await step();
const t0 = process.hrtime.bigint();
for (let i = 0; i < steps; ++i) await step();
const dt = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ framework: 'tfjs', version: tf.version.tfjs, backend: tf.getBackend(),
  threads: wasm.getThreadsCount?.() ?? 1, model: 'float MLP 784-1024x3-10 (BN)', batch, steps,
  data: 'fashion-mnist', samples_per_second: (batch * steps) / dt }));
