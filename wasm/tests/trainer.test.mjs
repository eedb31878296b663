// The 0.2 additions of the JavaScript API under Node: typed parameters and bounds, metadata,
// lastStepAccuracy, datasets, the core trainer (recipe with phases, an exponential schedule and
// full-precision pretraining; determinism; stopping mid-epoch and continuing; the step callback;
// the best model; errors with the library's message) and deployment exports (bnn-infer through
// Infer, ONNX bytes). Parts whose C functions the build lacks skip, naming the function.
// Run: BNN_WASM_DIR=<wasm/build.sh output> node --test wasm/tests/trainer.test.mjs
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadBnn, synthetic, smallMlp } from './helpers.mjs';

// auto: the threaded build where it runs (Node with SharedArrayBuffer), as users get it
const bnn = await loadBnn();
const lacks = (...names) => {
  const missing = names.filter((n) => !bnn.hasFunction(n));
  return missing.length ? `this build lacks ${missing.join(', ')} (not implemented in the core yet)` : false;
};

// A recipe that switches at known epochs: full precision for 1 epoch, vanilla STE without
// clipping until epoch 2, then clipped STE + weight clip at a lower rate; exponential decay.
function recipeDoc(extra = {}) {
  return smallMlp(8, 3, {
    weight_clip: { mode: 'none' },
    training: {
      epochs: 4, batch_size: 32, validation_split: 0.2,
      lr_schedule: { type: 'exponential', final_learning_rate: 1e-4 },
      pretrain_full_precision_epochs: 1,
      phases: [
        { from_epoch: 0, kernel_ste: 'identity', weight_clip: { mode: 'none' } },
        { from_epoch: 2, kernel_ste: 'clipped', weight_clip: { mode: 'fixed', value: 0.5 } },
      ],
    },
    ...extra,
  });
}
const withoutSeconds = (r) => Object.fromEntries(Object.entries(r).filter(([k]) => !/second|time|per_s/.test(k)));

describe(`typed parameters, metadata, last step accuracy (${bnn.flavour})`, () => {
  test('setParam / getParam / paramBounds', { skip: lacks('bnn_model_set_param_f32', 'bnn_param_bounds') }, () => {
    const m = bnn.Model.fromJSON(smallMlp());
    try {
      assert.equal(bnn.paramName(bnn.Param.LEARNING_RATE), 'learning_rate');
      const { lo, hi } = bnn.paramBounds('learning_rate');
      assert.ok(lo >= 0 && hi > lo, `${lo} ${hi}`);
      const list = bnn.params();
      assert.ok(list.length >= 15, `params(): ${list.length}`);
      assert.ok(list.find((p) => p.name === 'kernel_ste').type === 'i32');
      m.setParam('learning_rate', 0.005);
      assert.ok(Math.abs(m.getParam(bnn.Param.LEARNING_RATE) - 0.005) < 1e-9);
      assert.equal(m.config().optimizer.learning_rate.toFixed(6), '0.005000');
      m.setParam('kernel_ste', 'identity');
      assert.equal(m.getParam('kernel_ste'), bnn.Ste.IDENTITY);
      m.setParam('quantize', false);
      assert.equal(m.getParam('quantize'), 0);
      m.setParam('quantize', true);
      assert.throws(() => m.setParam('learning_rate', -1), (e) => e.code === 'OUT_OF_RANGE' && /learning_rate/.test(e.message));
      assert.ok(Math.abs(m.getParam('learning_rate') - 0.005) < 1e-9, 'a refused value changed nothing');
      assert.throws(() => m.setParam('kernel_ste', 'nope'), /identity, clipped/);
      assert.throws(() => m.setParam('no_such_param', 1), /unknown parameter/);
      assert.throws(() => m.getParam('momentum'), (e) => e.code === 'UNSUPPORTED');  // adam has none
    } finally {
      m.free();
    }
  });

  test('Model.paramBounds: the bounds of this model\'s optimiser', { skip: lacks('bnn_model_param_bounds') }, () => {
    const m = bnn.Model.fromJSON(smallMlp());
    try {
      const own = m.paramBounds('epsilon');
      const widest = bnn.paramBounds('epsilon');
      assert.ok(own.lo >= widest.lo && own.hi <= widest.hi, `${JSON.stringify(own)} within ${JSON.stringify(widest)}`);
      assert.ok(own.lo > 0, 'Adam refuses epsilon 0');
      assert.throws(() => m.setParam('epsilon', own.lo / 2), (e) => e.code === 'OUT_OF_RANGE');
      assert.throws(() => m.paramBounds('momentum'), (e) => e.code === 'UNSUPPORTED');
    } finally {
      m.free();
    }
  });

  test('metadata round trip, also through save/load', { skip: lacks('bnn_model_set_metadata') }, () => {
    const m = bnn.Model.fromJSON(smallMlp());
    assert.equal(m.metadata, null);
    m.metadata = { run: 'demo', epochs: [1, 2] };
    assert.deepEqual(m.metadata, { run: 'demo', epochs: [1, 2] });
    const m2 = bnn.Model.load(m.save());
    assert.deepEqual(m2.metadata, { run: 'demo', epochs: [1, 2] });
    m.free();
    m2.free();
  });

  test('lastStepAccuracy', { skip: lacks('bnn_model_last_step_accuracy') }, () => {
    const d = synthetic(64, 8, 3, 2);
    const m = bnn.Model.fromJSON(smallMlp());
    m.trainStep(d.x, d.y);
    const a = m.lastStepAccuracy;
    assert.ok(a >= 0 && a <= 1 && Math.abs(a * 64 - Math.round(a * 64)) < 1e-4, `${a}`);
    m.free();
  });
});

test('typed arrays of other types are converted, wrong types refused with a BnnError', () => {
  const d = synthetic(20, 8, 3, 4);
  const m = bnn.Model.fromJSON(smallMlp());
  try {
    const a = m.evaluate(d.x, d.y);
    const b = m.evaluate(Float64Array.from(d.x), Array.from(d.y));
    const c = m.evaluate(Array.from(d.x), BigInt64Array.from(d.y, BigInt));
    assert.deepEqual(b, a);
    assert.deepEqual(c, a);
    assert.ok(Number.isFinite(m.trainStep(Float64Array.from(d.x), Uint8Array.from(d.y))));
    assert.throws(() => m.trainStep(d.x, Float32Array.from(d.y, (v) => v + 0.5)), (e) => e instanceof bnn.BnnError && /not a 32-bit integer/.test(e.message));
    assert.throws(() => m.predict('x'), (e) => e instanceof bnn.BnnError && /Float32Array/.test(e.message));
    assert.throws(() => m.predict(new DataView(d.x.buffer)), (e) => e instanceof bnn.BnnError && /DataView/.test(e.message));
    assert.throws(() => m.evaluate(d.x, { length: 20 }), (e) => e instanceof bnn.BnnError && /Int32Array/.test(e.message));
    assert.throws(() => bnn.Dataset.create(d.x, 'labels'), (e) => e instanceof bnn.BnnError);
  } finally {
    m.free();
  }
});

describe(`datasets and the core trainer (${bnn.flavour})`, { skip: lacks('bnn_trainer_run_epoch', 'bnn_dataset_create') }, () => {
  const d = synthetic(400, 8, 3, 21);
  const live = [];
  const keep = (o) => (live.push(o), o);
  after(() => { for (const o of live) o.free(); });

  test('Dataset: create, count, get, slice, errors', () => {
    const ds = keep(bnn.Dataset.create(d.x, d.y, 8));
    assert.equal(ds.count, 400);
    assert.equal(ds.sampleSize, 8);
    assert.equal(ds.numClasses, 3);
    const part = ds.get(10, 5);
    assert.deepEqual(part.x, d.x.slice(80, 120));
    assert.deepEqual(part.labels, d.y.slice(10, 15));
    const sl = keep(ds.slice(100, 50));
    assert.equal(sl.count, 50);
    assert.throws(() => ds.get(399, 5), (e) => e.code === 'OUT_OF_RANGE');
    const bad = d.x.slice(0, 16);
    bad[3] = NaN;
    assert.throws(() => bnn.Dataset.create(bad, [0, 1], 8), (e) => e.code === 'NUMERIC' && e.message.length > 0);
    assert.throws(() => bnn.Dataset.create(d.x.slice(0, 15), [0, 1], 8), (e) => e.code === 'SHAPE_MISMATCH');
  });

  test('a recipe with pretraining, phases and an exponential schedule; the same seed twice', () => {
    const runOnce = () => {
      const m = bnn.Model.fromJSON(recipeDoc());
      const t = bnn.Trainer.create(m, { x: d.x, labels: d.y }, null, null);
      const records = [];
      const configs = [];
      while (!t.done) {
        records.push(t.runEpoch());
        configs.push(m.config());
      }
      const best = t.bestModel();
      const bestAcc = best.evaluate(d.x, d.y).accuracy;
      const tensors = m.getTensor('layers.0.kernel');
      assert.throws(() => t.runEpoch(), (e) => e.code === 'INVALID_STATE' && e.message.length > 0);
      t.free();
      best.free();
      m.free();
      return { records, configs, tensors, bestAcc };
    };
    const a = runOnce();
    assert.equal(a.records.length, 4);
    for (const k of ['epoch', 'lr', 'train_loss', 'train_accuracy', 'val_accuracy', 'test_accuracy', 'flip_ratio', 'seconds']) {
      assert.ok(k in a.records[0], `record lacks ${k}: ${JSON.stringify(a.records[0])}`);
    }
    const lrs = a.records.map((r) => r.lr);
    assert.ok(lrs.every((lr, i) => i === 0 || lr < lrs[i - 1]), `exponential schedule: ${lrs}`);
    assert.ok(Math.abs(lrs[0] - 0.01) < 1e-6, `starts at the optimiser's rate: ${lrs[0]}`);
    // full precision in epoch 0, binarised from epoch 1; phase 1 (clipped STE) from epoch 2
    assert.deepEqual(a.records.map((r) => r.quantized), [false, true, true, true]);
    assert.deepEqual(a.records.map((r) => String(r.kernel_ste).split(' ')[0]), ['identity', 'identity', 'clipped', 'clipped']);
    assert.ok(a.records[1].flip_ratio > 0, JSON.stringify(a.records[1]));
    // phase 2 from epoch 2: clipped STE and weight clip 0.5 (the latent weights end inside it)
    assert.equal(a.configs[1].layers[0].kernel_quantizer.ste, 'identity');
    assert.equal(a.configs[2].layers[0].kernel_quantizer.ste, 'clipped');
    assert.ok(a.tensors.every((v) => Math.abs(v) <= 0.5 + 1e-6), 'weights clipped to 0.5 after epoch 2');
    assert.ok(a.records.at(-1).val_accuracy > 0.8, JSON.stringify(a.records.at(-1)));
    assert.ok(a.bestAcc > 0.8, `best model accuracy ${a.bestAcc}`);
    const b = runOnce();
    assert.deepEqual(b.records.map(withoutSeconds), a.records.map(withoutSeconds), 'same seed, same records');
    assert.deepEqual(b.tensors, a.tensors);
  });

  test('runEpoch({ maxSteps }) stops mid-epoch; continuing ends with the tensors of an uninterrupted run', () => {
    const plain = keep(bnn.Model.fromJSON(recipeDoc()));
    const t1 = keep(bnn.Trainer.create(plain, { x: d.x, labels: d.y }));
    while (!t1.done) t1.runEpoch();
    const ds = keep(bnn.Dataset.create(d.x, d.y));
    const m = keep(bnn.Model.fromJSON(recipeDoc()));
    const t = keep(bnn.Trainer.create(m, ds));
    let nulls = 0;
    let records = 0;
    while (!t.done) {
      const r = t.runEpoch({ maxSteps: 3 });
      if (r === null) nulls += 1;
      else records += 1;
      if (nulls === 1) assert.equal(t.position.stepInEpoch, 3);
    }
    assert.equal(records, 4);
    assert.ok(nulls >= 4, `stopped ${nulls} times`);
    assert.deepEqual(m.getTensor('layers.0.kernel'), plain.getTensor('layers.0.kernel'));
    assert.deepEqual(m.save().length, plain.save().length);
    for (const ti of m.tensors()) assert.deepEqual(m.getTensor(ti.index), plain.getTensor(ti.index), ti.name);
  });

  test('onStep: called after every step; returning true cancels', () => {
    const m = keep(bnn.Model.fromJSON(recipeDoc({ training: { epochs: 2, batch_size: 50, validation_split: 0.25 } })));
    const t = keep(bnn.Trainer.create(m, { x: d.x, labels: d.y }, null, null));
    const steps = [];
    t.onStep((step, epoch, loss) => { steps.push([step, epoch, loss]); return steps.length === 4; });
    assert.equal(t.runEpoch(), null);
    assert.deepEqual(steps.map((s) => s[0]), [1, 2, 3, 4]);
    assert.ok(steps.every(([, e, l]) => e === 0 && Number.isFinite(l)));
    const rec = t.runEpoch();
    assert.equal(rec.epoch, 0, JSON.stringify(rec));    // 0-based, as the callback's epoch
    assert.equal(steps.length, 6);                      // 300 samples / 50 = 6 steps per epoch
    t.onStep(null);
    t.runEpoch();
    assert.equal(steps.length, 6);
    assert.equal(t.done, true);
    assert.equal(t.state().history?.length ?? 2, 2);
  });

  test('bad input: the library message, nothing created', () => {
    const m = keep(bnn.Model.fromJSON(smallMlp()));
    assert.throws(() => bnn.Trainer.create(m, { x: new Float32Array(40), labels: new Int32Array(4) }),
      (e) => e.code === 'SHAPE_MISMATCH');
    const other = keep(bnn.Dataset.create(new Float32Array(40), new Int32Array(4), 10));
    assert.throws(() => bnn.Trainer.create(m, other), (e) => e.code === 'SHAPE_MISMATCH' && e.message.length > 0);
    assert.throws(() => bnn.Trainer.create(m, { x: d.x.slice(0, 16), labels: [0, 7] }), (e) => e.code === 'OUT_OF_RANGE' && e.message.length > 0);
    assert.throws(() => bnn.Model.fromJSON(smallMlp(8, 3, { training: { epochs: -1 } })), /training/);
    assert.throws(() => bnn.Trainer.create({}, { x: d.x, labels: d.y }), /Model/);
    const freed = bnn.Model.fromJSON(smallMlp());
    const t = bnn.Trainer.create(freed, { x: d.x, labels: d.y });
    freed.free();
    assert.throws(() => t.runEpoch(), (e) => e.code === 'INVALID_STATE');
    t.free();
    t.free();
    const m2 = keep(bnn.Model.fromJSON(smallMlp()));
    const ds = bnn.Dataset.create(d.x, d.y);
    const t2 = bnn.Trainer.create(m2, ds);
    ds.free();
    assert.throws(() => t2.runEpoch(), (e) => e.code === 'INVALID_STATE' && /dataset/.test(e.message));
    t2.free();
  });
});

describe(`deployment exports (${bnn.flavour})`, { skip: lacks('bnn_model_export_buffer', 'bnn_infer_load_buffer') }, () => {
  let m;
  const d = synthetic(300, 8, 3, 9);
  before(() => {
    m = bnn.Model.fromJSON(smallMlp());
    for (let e = 0; e < 5; ++e) for (let b = 0; b < 300; b += 50) m.trainStep(d.x.subarray(b * 8, (b + 50) * 8), d.y.subarray(b, b + 50));
  });
  after(() => m.free());

  test("export('bnn-infer') -> Infer gives the model's predictions", () => {
    const bytes = m.export('bnn-infer');
    assert.ok(bytes instanceof Uint8Array && bytes.length > 16);
    const e = bnn.Infer.load(bytes);
    assert.equal(e.inputSize, 8);
    assert.equal(e.outputSize, 3);
    assert.deepEqual(e.classify(d.x), m.classify(d.x));
    const a = e.predict(d.x);
    const b = m.predict(d.x);
    for (let i = 0; i < a.length; ++i) assert.ok(Math.abs(a[i] - b[i]) <= 1e-3 * Math.max(1, Math.abs(b[i])), `logit ${i}: ${a[i]} vs ${b[i]}`);
    e.free();
    const bad = bytes.slice();
    bad[bad.length >> 1] ^= 0x55;
    assert.throws(() => bnn.Infer.load(bad), (err) => err.code === 'CORRUPT_DATA');
  });

  test("export('onnx') gives ONNX protobuf bytes; an unknown format is refused", () => {
    const onnx = m.export('onnx');
    assert.ok(onnx instanceof Uint8Array && onnx.length > 100);
    assert.equal(onnx[0], 0x08, 'ModelProto starts with field 1 (ir_version, varint)');
    assert.throws(() => m.export('tflite'), (e) => e.code === 'INVALID_ARGUMENT' && /tflite/.test(e.message));
  });
});
