// Training worker (a module worker). Training is the core's: the page hands over a model document
// whose "training" section is the recipe (epochs, batch size, learning-rate schedule, phases,
// full-precision pretraining) and this worker only runs bnn.Trainer in time slices
// (runEpoch({ maxMillis })) so that messages (stop, classify, watch) get through between slices,
// and reports what the page shows: losses, evaluations, the signs of a watched neuron, per-neuron
// flip rates.
// Messages in:  init {flavour} | data {train, grid} | start {doc, binaryLayers, settings} |
//               resume | stop | save | export {format} | load {bytes} | classify {x, id} | watch {layer, neuron}
// Messages out: ready, started, progress, eval, epoch, note, classified, saved, exported, loaded,
//               stopped, done, error.
import createBnn from './bnn.mjs';

let bnn = null;
let data = null;          // { train, grid } of { images (Uint8Array n*784), labels, n }
let model = null;
let run = null;           // the current training run (trainer, datasets, counters)
let watch = { layer: 0, neuron: 0 };

const post = (msg, transfer) => self.postMessage(msg, transfer ?? []);
const fail = (err) => post({ type: 'error', message: err?.message ?? String(err), code: err?.code ?? null });
const pause = () => new Promise((resolve) => setTimeout(resolve, 0));

// Pixels 0..255 to [-1, 1]: what every model of the demo sees (training, evaluation, drawing).
function toFloats(set, from = 0, n = set.n) {
  const x = new Float32Array(n * 784);
  const src = set.images.subarray(from * 784, (from + n) * 784);
  for (let i = 0; i < src.length; ++i) x[i] = src[i] * (2 / 255) - 1;
  return { x, labels: Int32Array.from(set.labels.subarray(from, from + n)) };
}

function histogram(values, bound) {
  let max = 0;
  for (const v of values) max = Math.max(max, Math.abs(v));
  const range = Math.max(bound ? bound * 1.25 : 0, max, 1e-6);
  const bins = new Uint32Array(60);
  for (const v of values) {
    const k = Math.min(bins.length - 1, Math.max(0, Math.floor(((v + range) / (2 * range)) * bins.length)));
    bins[k]++;
  }
  return { bins: Array.from(bins), lo: -range, hi: range, bound };
}

// The weight clip in force now (the trainer's phases change it), for the histogram's marks.
function clipBound(layer) {
  const wc = model.config().weight_clip ?? { mode: 'none' };
  if (wc.mode === 'fixed') return wc.value;
  if (wc.mode === 'glorot') return Math.sqrt(1.5 / (layer.fanIn + layer.fanOut));
  return null;
}

// Signs of every binary kernel, compared with the previous snapshot: per output neuron the
// fraction of its weights that flipped per step since then (kernels are [..][out], out last).
// peek: only the watched neuron's signs, the snapshot kept (while idle).
function snapshotFlips(r, peek = false) {
  const steps = Math.max(1, r.step - r.snapStep);
  const first = r.signs.length === 0;  // nothing to compare with yet: no heatmap column
  const heat = [];
  let neuron = null;
  r.binaryLayers.forEach((l, li) => {
    const w = model.getTensor(`layers.${l.layer}.kernel`);
    const out = l.fanOut && w.length % l.fanOut === 0 && l.fanIn * l.fanOut === w.length ? l.fanOut : w.length / l.fanIn;
    const signs = new Uint8Array(w.length);
    for (let i = 0; i < w.length; ++i) signs[i] = w[i] >= 0 ? 1 : 0;
    const prev = r.signs[li];
    const flips = new Float32Array(out);
    if (prev) {
      for (let i = 0; i < w.length; ++i) if (signs[i] !== prev[i]) flips[i % out] += 1;
      const per = (w.length / out) * steps;
      for (let j = 0; j < out; ++j) flips[j] /= per;
    }
    heat.push(Array.from(flips));
    if (li === watch.layer) {
      const j = Math.min(watch.neuron, out - 1);
      const fan = w.length / out;
      const s = new Uint8Array(fan);
      const f = new Uint8Array(fan);
      for (let i = 0; i < fan; ++i) {
        s[i] = signs[i * out + j];
        f[i] = prev && prev[i * out + j] !== s[i] ? 1 : 0;
      }
      neuron = { layer: li, neuron: j, neurons: out, shape: l.inputShape, signs: s, flipped: f, label: l.label };
    }
    if (!peek) r.signs[li] = signs;
  });
  if (peek) return { heat: null, neuron: neuron && { ...neuron, flipped: new Uint8Array(neuron.flipped.length) } };
  r.snapStep = r.step;
  return { heat: first ? null : heat, neuron };
}

function evaluate(r) {
  const val = model.evaluate(r.val.x, r.val.labels);
  const tr = model.evaluate(r.trainEval.x, r.trainEval.labels);
  const predictions = model.classify(r.grid.x);
  const layer = r.binaryLayers[Math.min(watch.layer, r.binaryLayers.length - 1)];
  const hist = layer ? { ...histogram(model.getTensor(`layers.${layer.layer}.kernel`), clipBound(layer)), layer: layer.label } : null;
  r.stepsAtEval = r.step;
  post({ type: 'eval', step: r.step, epoch: epochPosition(r), valLoss: val.loss, valAccuracy: val.accuracy,
    trainAccuracy: tr.accuracy, predictions: Array.from(predictions), hist });
}

function epochPosition(r) {
  const p = r.trainer.position;
  return p.stepsPerEpoch > 0 ? p.epoch + p.stepInEpoch / p.stepsPerEpoch : p.epoch;
}

async function train(r) {
  r.running = true;
  let lastPost = 0;
  let windowSamples = 0;
  let windowMs = 0;
  if (r.step === 0) evaluate(r);
  while (r.running && !r.trainer.done) {
    const stepsBefore = r.step;
    const t0 = performance.now();
    const record = r.trainer.runEpoch({ maxMillis: 120 });
    const dt = performance.now() - t0;
    const steps = r.step - stepsBefore;
    windowSamples += steps * r.batchSize;
    windowMs += dt;
    const quantized = model.getParam('quantize') === 1;
    if (quantized !== r.quantized) {
      if (r.quantized !== null || !quantized) {
        post({ type: 'note', message: `epoch ${r.trainer.position.epoch + 1}: ${quantized ? 'binarised (two-stage: full-precision pretraining ends)' : 'full-precision pretraining (two-stage)'}` });
      }
      r.quantized = quantized;
    }
    const ste = model.config().layers[r.binaryLayers[0]?.layer ?? 0]?.kernel_quantizer?.ste;
    if (ste && ste !== r.kernelSte) {
      if (r.kernelSte) post({ type: 'note', message: `epoch ${r.trainer.position.epoch + 1}: phase change, kernel STE ${ste}, weight clip ${JSON.stringify(model.config().weight_clip)}` });
      r.kernelSte = ste;
    }
    const now = performance.now();
    if (record || now - lastPost > 200 || !r.running) {
      const { heat, neuron } = snapshotFlips(r);
      const losses = r.losses.splice(0);
      const trainLoss = losses.length ? losses.reduce((a, b) => a + b, 0) / losses.length : r.trainLoss;
      r.trainLoss = trainLoss;
      r.samplesPerSecond = windowMs > 0 ? (windowSamples * 1000) / windowMs : r.samplesPerSecond;
      if (windowMs > 2000) { windowSamples /= 2; windowMs /= 2; }
      post({ type: 'progress', step: r.step, epoch: epochPosition(r), trainLoss, samplesPerSecond: r.samplesPerSecond,
        flip: r.binaryLayers.map((l) => model.layerFlipRatio(l.layer)), heat, neuron });
      lastPost = now;
    }
    if (record) {
      post({ type: 'epoch', record });
      evaluate(r);
    } else if (r.step - r.stepsAtEval >= r.evalEvery) {
      evaluate(r);
    }
    await pause();  // stop, classify and watch messages are handled here
  }
  const finished = r.trainer.done;
  r.running = false;
  post({ type: finished ? 'done' : 'stopped', step: r.step });
}

function prepare(msg) {
  const s = msg.settings;
  const valN = Math.min(Math.trunc(Number(s.valSamples)), Math.floor(data.train.n / 5));
  const nTrain = Math.min(Math.trunc(Number(s.trainSamples)), data.train.n - valN);
  const trainSet = toFloats(data.train, 0, nTrain);
  const val = toFloats(data.train, data.train.n - valN, valN);
  const trainEval = { x: trainSet.x.subarray(0, Math.min(2000, nTrain) * 784), labels: trainSet.labels.subarray(0, Math.min(2000, nTrain)) };
  const r = {
    settings: s, binaryLayers: msg.binaryLayers, running: false, step: 0, snapStep: 0, stepsAtEval: 0,
    signs: [], losses: [], trainLoss: NaN, samplesPerSecond: 0, quantized: null, kernelSte: null,
    evalEvery: Math.max(1, Math.trunc(Number(s.evalEvery))), val, trainEval, grid: toFloats(data.grid),
    batchSize: Math.trunc(Number(model.config().training?.batch_size ?? 100)),
  };
  r.train = bnn.Dataset.create(trainSet.x, trainSet.labels, 784);
  r.valSet = bnn.Dataset.create(val.x, val.labels, 784);
  r.trainer = bnn.Trainer.create(model, r.train, r.valSet, null);
  r.trainer.onStep((step, epoch, loss) => {
    r.step = step;
    r.losses.push(loss);
  });
  r.step = model.stepCount;
  r.snapStep = r.step;
  r.stepsAtEval = r.step;
  return r;
}

// Stops the training loop in progress (if any) and waits until it has left the trainer.
async function stopRun() {
  if (!run?.running) return;
  run.running = false;
  await run.loop?.catch(() => {});
}

function endRun() {
  if (!run) return;
  run.trainer.free();
  run.train.free();
  run.valSet.free();
  run = null;
}

function classify(x) {
  const logits = model.predict(x);
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  const e = Array.from(logits, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

self.onmessage = async (ev) => {
  const msg = ev.data;
  try {
    switch (msg.type) {
      case 'init': {
        bnn = await createBnn({ flavour: msg.flavour ?? 'auto' });
        post({ type: 'ready', isa: bnn.isa, flavour: bnn.flavour, version: bnn.version, simd: bnn.simdSupported,
          threads: bnn.threads, threadSupport: bnn.threadSupport, canExport: bnn.hasFunction('bnn_model_export_buffer') });
        break;
      }
      case 'data':
        data = { train: msg.train, grid: msg.grid };
        break;
      case 'watch':
        watch = { layer: msg.layer ?? watch.layer, neuron: msg.neuron ?? watch.neuron };
        if (run && model && !run.running) post({ type: 'progress', ...progressSnapshot() });
        break;
      case 'start': {
        await stopRun();  // a new start (e.g. a second click) replaces the run in progress
        endRun();
        model?.free();
        model = null;
        model = bnn.Model.fromJSON(msg.doc);
        if (model.inputSize !== 784 || model.outputSize !== 10) {
          throw new Error(`the model takes ${model.inputSize} inputs and has ${model.outputSize} classes; the data has 784 and 10`);
        }
        run = prepare(msg);
        const p = run.trainer.position;
        post({ type: 'started', summary: model.summary(), stepsPerEpoch: p.stepsPerEpoch, doc: model.config() });
        run.loop = train(run);
        await run.loop;
        break;
      }
      case 'resume': {
        await stopRun();
        if (!model) throw new Error('nothing to resume: start training first');
        if (!run || run.trainer.done) {
          // a loaded model, or a finished run: a new trainer over the model's own recipe
          const settings = msg.settings;
          endRun();
          run = prepare({ settings, binaryLayers: msg.binaryLayers });
        }
        post({ type: 'started', summary: model.summary(), stepsPerEpoch: run.trainer.position.stepsPerEpoch, doc: model.config() });
        run.loop = train(run);
        await run.loop;
        break;
      }
      case 'stop':
        if (run?.running) run.running = false;
        else post({ type: 'stopped', step: run?.step ?? 0 });
        break;
      case 'classify': {
        if (!model) { post({ type: 'classified', id: msg.id, probabilities: null }); break; }
        post({ type: 'classified', id: msg.id, probabilities: classify(msg.x) });
        break;
      }
      case 'save': {
        if (!model) throw new Error('no model to save yet: start training first');
        const bytes = model.save();
        post({ type: 'saved', bytes }, [bytes.buffer]);
        break;
      }
      case 'export': {
        if (!model) throw new Error('no model to export yet: start training first');
        const bytes = model.export(msg.format);
        post({ type: 'exported', format: msg.format, bytes }, [bytes.buffer]);
        break;
      }
      case 'load': {
        if (run?.running) throw new Error('stop training before loading a model');
        const m = bnn.Model.load(new Uint8Array(msg.bytes));
        endRun();
        model?.free();
        model = m;
        const grid = toFloats(data.grid);
        const valN = Math.min(2000, data.train.n);
        const val = toFloats(data.train, data.train.n - valN, valN);
        const ev = model.evaluate(val.x, val.labels);
        post({ type: 'loaded', summary: model.summary(), steps: model.stepCount, valAccuracy: ev.accuracy,
          valLoss: ev.loss, predictions: Array.from(model.classify(grid.x)), config: model.config() });
        break;
      }
      default:
        throw new Error(`unknown message ${msg.type}`);
    }
  } catch (err) {
    if (run) run.running = false;
    fail(err);
  }
};

function progressSnapshot() {
  const { heat, neuron } = snapshotFlips(run, true);
  return { step: run.step, epoch: epochPosition(run), trainLoss: run.trainLoss, samplesPerSecond: run.samplesPerSecond,
    flip: run.binaryLayers.map((l) => model.layerFlipRatio(l.layer)), heat, neuron, idle: true };
}
