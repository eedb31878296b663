// libbnn's wasm build in Node, the same measurement as tfjs_mlp.mjs: the fully binary MLP
// (bench/peers/binary_mlp.json, or the model document given with --model) trained on real
// Fashion-MNIST batches of 100. Prints one JSON line {"framework": "libbnn-wasm", ...}.
//
// Usage: node bench/peers/libbnn_wasm_mlp.mjs --wasm OUTDIR [--steps N] [--train N] [--model F]
//          [--flavour simd|simd-mt|scalar] [--threads N]
// OUTDIR: the output of wasm/build.sh. Default flavour simd (one thread); simd-mt is the threaded
// build (Emscripten pthreads), with --threads kernel threads (default 2).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const wasmDir = opt('--wasm', process.env.BNN_WASM_DIR);
if (!wasmDir) throw new Error('give --wasm OUTDIR (the output folder of wasm/build.sh)');
const steps = Number(opt('--steps', 100));
const warmup = Number(opt('--warmup', 5));
const trainN = Number(opt('--train', 20000));
const modelFile = opt('--model', path.join(here, 'binary_mlp.json'));
const dataDir = opt('--data', '/usr/share/datasets/fashion-mnist');
const batch = 100;
const flavour = opt('--flavour', 'simd');
const threads = Number(opt('--threads', flavour === 'simd-mt' ? 2 : 1));

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
const y = new Int32Array(n);
for (let i = 0; i < n; ++i) y[i] = labels.data[i];

const { default: createBnn } = await import(pathToFileURL(path.resolve(wasmDir, 'bnn.mjs')).href);
const bnn = await createBnn(flavour === 'simd-mt' ? { flavour, threads } : { flavour });
const doc = JSON.parse(fs.readFileSync(modelFile, 'utf8'));
const model = bnn.Model.fromJSON(doc);
const batches = Math.floor(n / batch);
let cursor = 0;
const step = () => {
  const b = cursor++ % batches;
  model.trainStep(x.subarray(b * batch * 784, (b + 1) * batch * 784), y.subarray(b * batch, (b + 1) * batch));
};
for (let i = 0; i < warmup; ++i) step();
const t0 = process.hrtime.bigint();
for (let i = 0; i < steps; ++i) step();
const dt = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ framework: 'libbnn-wasm', flavour: bnn.flavour, isa: bnn.isa,
  threads: bnn.threads, model: path.basename(modelFile), batch, steps, data: 'fashion-mnist',
  samples_per_second: (batch * steps) / dt }));
model.free();
// The threaded build's pool Workers keep Node alive: leave explicitly.
process.exit(0);
