// Shared by the wasm tests: where the build is, deterministic synthetic data, a small model.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Folder written by wasm/build.sh (BNN_WASM_DIR), as a file URL for import(). */
export function wasmDir() {
  const dir = process.env.BNN_WASM_DIR;
  if (!dir) throw new Error('set BNN_WASM_DIR to the output folder of wasm/build.sh');
  return path.resolve(dir);
}
export async function loadBnn(options = {}) {
  const { default: createBnn } = await import(pathToFileURL(path.join(wasmDir(), 'bnn.mjs')).href);
  return createBnn(options);
}

/** mulberry32: a tiny seeded PRNG, so every run sees the same data. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n samples of dim features in k Gaussian-ish clusters (well separated). */
export function synthetic(n, dim, k, seed) {
  const r = rng(seed);
  const centers = Array.from({ length: k }, () => Array.from({ length: dim }, () => r() * 4 - 2));
  const x = new Float32Array(n * dim);
  const y = new Int32Array(n);
  for (let i = 0; i < n; ++i) {
    const c = Math.floor(r() * k);
    y[i] = c;
    for (let j = 0; j < dim; ++j) x[i * dim + j] = centers[c][j] + (r() + r() + r() - 1.5) * 0.6;
  }
  return { x, y, n, dim, k };
}

/** The small MLP of CONTRACT.md's example, sized for the synthetic data. */
export function smallMlp(dim = 8, classes = 3, extra = {}) {
  return {
    input_shape: [dim],
    layers: [
      { type: 'dense', units: 32, use_bias: false,
        kernel_quantizer: { type: 'sign', ste: 'clipped', clip: 1.0 } },
      { type: 'batch_norm', momentum: 0.9, epsilon: 1e-5 },
      { type: 'dense', units: classes, use_bias: false,
        input_quantizer: { type: 'sign', ste: 'clipped' },
        kernel_quantizer: { type: 'sign', ste: 'identity' } },
      { type: 'batch_norm' },
    ],
    loss: 'cross_entropy',
    optimizer: { type: 'adam', learning_rate: 0.01 },
    weight_clip: { mode: 'fixed', value: 1.0 },
    lr_scale: 'none',
    seed: 1,
    ...extra,
  };
}

/** Trains for `epochs` passes over d in batches; returns [first loss, last loss]. */
export function train(model, d, epochs, batch = 50) {
  let first = NaN;
  let last = NaN;
  for (let e = 0; e < epochs; ++e) {
    for (let b = 0; b + batch <= d.n; b += batch) {
      last = model.trainStep(d.x.subarray(b * d.dim, (b + batch) * d.dim), d.y.subarray(b, b + batch));
      if (Number.isNaN(first)) first = last;
    }
  }
  return [first, last];
}
