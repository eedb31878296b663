// Training worker (a module worker): one model, trained in time slices so that messages (stop,
// save) get through. Messages in:  init {flavour} | data {...} | start {settings, doc, binaryLayers,
// resume} | stop | save | load {bytes} | histLayer {index}. Messages out: ready, progress, eval,
// saved, loaded, stopped, done, error.
import createBnn from './bnn.mjs';
import { clipBound, weightClipObject } from './models.mjs';

let bnn = null;
let data = null;          // { train, val, trainEval, grid } of { images(Uint8Array), labels, n }
let model = null;
let run = null;           // the state of the current training run
let histIndex = 0;        // which binary layer the histogram shows

const post = (msg, transfer) => self.postMessage(msg, transfer ?? []);
const fail = (err) => post({ type: 'error', message: err?.message ?? String(err), code: err?.code ?? null });

function toFloats(images, indices, start, count, out) {
  for (let b = 0; b < count; ++b) {
    const src = indices ? indices[start + b] : start + b;
    const o = b * 784;
    const s = src * 784;
    for (let j = 0; j < 784; ++j) out[o + j] = images[s + j] * (2 / 255) - 1;  // [-1, 1]
  }
}
function asFloat32(set) {
  const x = new Float32Array(set.n * 784);
  toFloats(set.images, null, 0, set.n, x);
  return { x, y: Int32Array.from(set.labels) };
}

function shuffle(a, rand) {
  for (let i = a.length - 1; i > 0; --i) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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

function evaluate(r) {
  const t0 = performance.now();
  const val = model.evaluate(r.val.x, r.val.y);
  const tr = model.evaluate(r.trainEval.x, r.trainEval.y);
  const predictions = model.classify(r.grid.x);
  const layer = r.binaryLayers[Math.min(histIndex, r.binaryLayers.length - 1)];
  let hist = null;
  if (layer) {
    const w = model.getTensor(`layers.${layer.layer}.kernel`);
    hist = { ...histogram(w, clipBound(r.settings, layer, r.clipping)), layer: layer.label };
  }
  r.evalMs += performance.now() - t0;
  post({ type: 'eval', step: r.step, epoch: r.step / r.stepsPerEpoch, valLoss: val.loss, valAccuracy: val.accuracy,
    trainAccuracy: tr.accuracy, trainEvalLoss: tr.loss, predictions: Array.from(predictions), hist });
}

// Recipe changes at epoch boundaries: two-stage start, delayed clipping, learning-rate decay.
function applySchedule(r, epochFloat) {
  const s = r.settings;
  if (r.fullPrecision && epochFloat >= Number(s.twoStageEpochs)) {
    model.configure({ quantize: true });
    r.fullPrecision = false;
    post({ type: 'note', message: `epoch ${epochFloat.toFixed(2)}: binarised (two-stage start)` });
  }
  if (!r.clipping && Number(s.delayedClipEpoch) > 0 && epochFloat >= Number(s.delayedClipEpoch)) {
    model.configure({ kernel_ste: s.kernelSte, weight_clip: weightClipObject(s) });
    r.clipping = true;
    post({ type: 'note', message: `epoch ${epochFloat.toFixed(2)}: clipping on (${s.kernelSte} STE, ${s.weightClip} weight clip)` });
  }
  const epoch = Math.floor(epochFloat);
  if (Number(s.lrDecay) !== 1 && epoch > r.decayedEpochs && s.optimizer !== 'bop') {
    r.decayedEpochs = epoch;
    model.configure({ learning_rate: Number(s.learningRate) * Math.pow(Number(s.lrDecay), epoch) });
  }
}

async function train(r) {
  const bs = r.batchSize;
  const xb = new Float32Array(bs * 784);
  const yb = new Int32Array(bs);
  const order = Int32Array.from({ length: r.nTrain }, (_, i) => i);
  const rand = rng(r.settings.seed * 7919 + 1);
  let windowStart = performance.now();
  let windowSamples = 0;
  let windowTrainMs = 0;
  let prevSamples = 0;  // the previous window, blended in so that a fresh window is not noisy
  let prevMs = 0;
  let lossSum = 0;
  let lossCount = 0;
  const flipSums = new Float64Array(r.binaryLayers.length);
  let flipCount = 0;
  let lastPost = 0;
  evaluate(r);
  while (r.running) {
    const epoch = Math.floor(r.step / r.stepsPerEpoch);
    if (epoch >= r.epochs) break;
    const posInEpoch = r.step % r.stepsPerEpoch;
    if (posInEpoch === 0) shuffle(order, rand);
    applySchedule(r, r.step / r.stepsPerEpoch);
    toFloats(r.train.images, order, posInEpoch * bs, bs, xb);
    for (let b = 0; b < bs; ++b) yb[b] = r.train.labels[order[posInEpoch * bs + b]];
    const t0 = performance.now();
    const loss = model.trainStep(xb, yb);
    const dt = performance.now() - t0;
    r.trainMs += dt;
    windowTrainMs += dt;
    windowSamples += bs;
    r.samples += bs;
    r.step += 1;
    lossSum += loss;
    lossCount += 1;
    r.binaryLayers.forEach((l, i) => { flipSums[i] += model.layerFlipRatio(l.layer); });
    flipCount += 1;
    if (r.step % r.evalEvery === 0 || r.step % r.stepsPerEpoch === 0) evaluate(r);
    const now = performance.now();
    if (now - lastPost > 200 || !r.running) {
      const ms = windowTrainMs + prevMs;
      r.samplesPerSecond = ms > 0 ? ((windowSamples + prevSamples) * 1000) / ms : 0;
      r.trainLoss = lossSum / lossCount;
      post({ type: 'progress', step: r.step, epoch: r.step / r.stepsPerEpoch, trainLoss: r.trainLoss,
        samplesPerSecond: r.samplesPerSecond, flip: Array.from(flipSums, (s) => s / flipCount),
        totalSamplesPerSecond: (r.samples * 1000) / r.trainMs });
      lastPost = now;
      lossSum = lossCount = flipCount = 0;
      flipSums.fill(0);
      if (now - windowStart > 2000) {
        windowStart = now;
        prevSamples = windowSamples;
        prevMs = windowTrainMs;
        windowSamples = 0;
        windowTrainMs = 0;
      }
      // Yield to the event loop so that stop/save messages are handled.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }
  if (r.step % r.evalEvery !== 0) evaluate(r);
  const finished = r.running;
  r.running = false;
  post({ type: finished ? 'done' : 'stopped', step: r.step });
}

function prepare(settings, binaryLayers) {
  const valN = Math.min(Number(settings.valSamples), Math.floor(data.train.n / 5));
  const nTrain = Math.min(Number(settings.trainSamples), data.train.n - valN);
  const bs = Math.trunc(Number(settings.batchSize));
  if (!(bs >= 1 && bs <= nTrain)) throw new Error(`batch size ${settings.batchSize} must be in [1, ${nTrain}]`);
  const slice = (set, from, n) => ({ images: set.images.subarray(from * 784, (from + n) * 784),
    labels: set.labels.subarray(from, from + n), n });
  const valSet = slice(data.train, data.train.n - valN, valN);
  const trainEvalSet = slice(data.train, 0, Math.min(2000, nTrain));
  return {
    settings, binaryLayers, running: true, step: 0, samples: 0, trainMs: 0, evalMs: 0,
    batchSize: bs, nTrain, stepsPerEpoch: Math.floor(nTrain / bs), epochs: Number(settings.epochs),
    evalEvery: Math.max(1, Math.trunc(Number(settings.evalEvery))),
    train: slice(data.train, 0, nTrain), val: asFloat32(valSet), trainEval: asFloat32(trainEvalSet),
    grid: asFloat32(data.grid),
    clipping: !(Number(settings.delayedClipEpoch) > 0), fullPrecision: false, decayedEpochs: 0,
    trainLoss: NaN, samplesPerSecond: 0,
  };
}

self.onmessage = async (ev) => {
  const msg = ev.data;
  try {
    switch (msg.type) {
      case 'init': {
        bnn = await createBnn({ flavour: msg.flavour ?? 'auto' });
        post({ type: 'ready', isa: bnn.isa, flavour: bnn.flavour, version: bnn.version, simd: bnn.simdSupported });
        break;
      }
      case 'data':
        data = { train: msg.train, grid: msg.grid };
        break;
      case 'histLayer':
        histIndex = msg.index;
        break;
      case 'start': {
        if (run?.running) throw new Error('already training');
        const r = prepare(msg.settings, msg.binaryLayers);
        if (msg.resume && model) {
          // continue the loaded/previous model with the new settings' data and schedule
          r.clipping = true;
        } else {
          model?.free();
          model = null;
          model = bnn.Model.fromJSON(msg.doc);
          if (Number(msg.settings.twoStageEpochs) > 0) {
            model.configure({ quantize: false });
            r.fullPrecision = true;
          }
        }
        if (model.inputSize !== 784 || model.outputSize !== 10) {
          throw new Error(`the model takes ${model.inputSize} inputs and has ${model.outputSize} classes; the data has 784 and 10`);
        }
        run = r;
        post({ type: 'started', summary: model.summary(), stepsPerEpoch: r.stepsPerEpoch });
        await train(r);
        break;
      }
      case 'stop':
        if (run) run.running = false;
        else post({ type: 'stopped', step: 0 });
        break;
      case 'save': {
        if (!model) throw new Error('no model to save yet: start training first');
        const bytes = model.save();
        post({ type: 'saved', bytes }, [bytes.buffer]);
        break;
      }
      case 'load': {
        if (run?.running) throw new Error('stop training before loading a model');
        const m = bnn.Model.load(new Uint8Array(msg.bytes));
        model?.free();
        model = m;
        const grid = asFloat32(data.grid);
        const valN = Math.min(2000, data.train.n);
        const val = asFloat32({ images: data.train.images.subarray((data.train.n - valN) * 784),
          labels: data.train.labels.subarray(data.train.n - valN), n: valN });
        const ev = model.evaluate(val.x, val.y);
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
