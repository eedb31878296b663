// Inference benchmark, ONNX Runtime side (scripts/bench-infer.sh): times the ONNX files that
// bench_infer.c exported on the same images (bench_x.f32), batch 1 and batch 100, best pass over
// the 1000 images within the time budget. Prints one JSON object per (model, batch).
// Usage: node bench_ort.mjs DIR [seconds]  (onnxruntime-node from tests/onnx/node_modules)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../tests/onnx/package.json'));
const ort = require('onnxruntime-node');
const [dir, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 2);
const b = readFileSync(path.join(dir, 'bench_x.f32'));
const x = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
const samples = 1000, dim = 784;

// ONNX Runtime's defaults (all optimisations, its own intra-op thread pool), and one thread,
// since bnn-infer runs on one.
const configs = [['onnxruntime', {}], ['onnxruntime-1thread', { intraOpNumThreads: 1, interOpNumThreads: 1 }]];
for (const model of ['mlp', 'cnn']) for (const [engine, options] of configs) {
  const session = await ort.InferenceSession.create(path.join(dir, `${model}.onnx`), options);
  const name = session.inputNames[0];
  for (const batch of [1, 100]) {
    const feeds = [];
    for (let c = 0; c < samples / batch; ++c)
      feeds.push({ [name]: new ort.Tensor('float32', x.subarray(c * batch * dim, (c + 1) * batch * dim), [batch, dim]) });
    let best = Infinity;
    const end = performance.now() + seconds * 1000;
    do {
      const t0 = performance.now();
      for (const f of feeds) await session.run(f);
      best = Math.min(best, ((performance.now() - t0) / feeds.length) * 1000);
    } while (performance.now() < end);
    console.log(JSON.stringify({ model, engine, batch, us_per_call: Number(best.toFixed(2)) }));
  }
}
