// The demo's settings, how they become a libbnn model document -- architecture, optimiser and the
// "training" recipe that the core trainer runs (epochs, batch size, learning-rate schedule, delayed
// clipping phases, full-precision pretraining) -- and the preset gallery.

/** Every setting of a run; bnnDemo.start(config) takes any subset of these. */
export const DEFAULTS = Object.freeze({
  dataset: 'fashion',        // 'fashion' | 'mnist'
  model: 'mlp',              // 'mlp' | 'cnn'
  hidden: '256',             // MLP hidden layer sizes, comma separated
  filters: '16,32',          // CNN conv filters (two 3x3 conv + 2x2 max pool blocks)
  optimizer: 'adam',         // sgd momentum nesterov adagrad adadelta rmsprop adam bop
  learningRate: 0.001,
  momentum: 0.9,             // momentum/nesterov momentum, adam beta1
  beta2: 0.999,              // adam beta2
  bopThreshold: 1e-8,
  bopGamma: 1e-4,
  lrSchedule: 'constant',    // training.lr_schedule.type: constant exponential cosine
  finalLearningRate: 1e-4,   // training.lr_schedule.final_learning_rate (exponential)
  batchSize: 100,
  kernelSte: 'clipped',      // identity clipped approx_sign swish_sign
  inputSte: 'clipped',
  steClip: 1,                // the clipped STE's |x| bound (gradient clipping)
  weightClip: 'fixed',       // none fixed glorot
  weightClipValue: 1,
  bnMomentum: 0.9,
  delayedClipEpoch: 0,       // > 0: phases: identity STE and no weight clip until this epoch, then the above
  twoStageEpochs: 0,         // > 0: training.pretrain_full_precision_epochs (two-stage training)
  epochs: 10,
  trainSamples: 20000,       // at most (float copies live in the wasm heap); validation samples come from the end
  valSamples: 2000,
  evalEvery: 100,            // steps between live evaluations inside an epoch (presentation only)
  seed: 1,
  flavour: 'auto',           // auto simd scalar
});

export const OPTIMIZERS = ['adam', 'sgd', 'momentum', 'nesterov', 'adagrad', 'adadelta', 'rmsprop', 'bop'];
export const STES = ['identity', 'clipped', 'approx_sign', 'swish_sign'];
export const WEIGHT_CLIPS = ['none', 'fixed', 'glorot'];
export const LR_SCHEDULES = ['constant', 'exponential', 'cosine'];

/**
 * The preset gallery: the study's findings replayed side by side (docs/REPRODUCTION.md). The base
 * settings are the form's with `base` applied; a and b override them. `look` is the one sentence on
 * what to watch.
 */
const GALLERY_BASE = { epochs: 4, trainSamples: 10000, evalEvery: 20 };
export const PRESETS = {
  'adam-vs-sgd': {
    base: GALLERY_BASE,
    title: 'Adam vs SGD',
    look: 'Adam normalises every step by the gradient\'s own scale, so its latent weights keep crossing zero ' +
      '(bright flip heatmap) and accuracy climbs at once; plain SGD, even at a 50x larger rate, flips far ' +
      'fewer signs (darker heatmap) and lags behind (the study: 9-16 points after 15 epochs).',
    a: { label: 'Adam', optimizer: 'adam', learningRate: 0.001 },
    b: { label: 'SGD', optimizer: 'sgd', learningRate: 0.05 },
  },
  'delayed-clipping': {
    base: GALLERY_BASE,
    title: 'vanilla STE early, then clipping',
    look: 'Run B trains with the vanilla (identity) STE and no weight clip in its first epoch, then switches to ' +
      'the clipped STE and a weight clip of 1 (a phase of the document; the log marks the switch). The paper ' +
      'found the delayed run faster early on: compare the first epoch of the accuracy curves; our reproduction ' +
      'finds that the clip rarely binds at Adam 1e-3, so the curves stay close.',
    a: { label: 'clipped from the start', kernelSte: 'clipped', weightClip: 'fixed', weightClipValue: 1, delayedClipEpoch: 0 },
    b: { label: 'vanilla STE, clipping from epoch 1', kernelSte: 'clipped', weightClip: 'fixed', weightClipValue: 1,
      delayedClipEpoch: 1 },
  },
  'two-stage': {
    base: GALLERY_BASE,
    title: 'two-stage: full precision, then binarise',
    look: 'Run B first trains in full precision (the signs of its latent weights churn freely, a bright heatmap, ' +
      'because nothing is binarised yet), then binarises the same weights: look at the accuracy drop at that ' +
      'epoch and how many binary epochs it needs to catch up with A, binary from the start.',
    a: { label: 'binary end to end', twoStageEpochs: 0 },
    b: { label: 'full precision first', twoStageEpochs: 1 },
  },
  'ste-vs-clipped': {
    base: GALLERY_BASE,
    title: 'vanilla STE vs clipped STE',
    look: 'Compare the latent-weight histograms: without the clipped STE and a weight clip nothing holds the ' +
      'latent weights in [-1, 1], and a weight far from zero can no longer flip; at Adam 1e-3 over a few ' +
      'epochs they stay well inside (the study: the clip never binds), so the runs differ mostly through ' +
      'the activations\' STE.',
    a: { label: 'vanilla STE', kernelSte: 'identity', inputSte: 'identity', weightClip: 'none' },
    b: { label: 'clipped STE + weight clip', kernelSte: 'clipped', inputSte: 'clipped', weightClip: 'fixed',
      weightClipValue: 1 },
  },
};

const num = (v, what) => {
  const x = Number(v);
  if (!Number.isFinite(x)) throw new Error(`${what}: "${v}" is not a number`);
  return x;
};
const sizes = (s, what) => {
  const list = String(s).split(',').map((t) => t.trim()).filter(Boolean).map((t) => num(t, what));
  if (!list.length || list.some((u) => u < 1 || !Number.isInteger(u))) throw new Error(`${what}: positive integers, e.g. 256,128`);
  return list;
};

function quantizer(ste, clip) {
  return ste === 'clipped' ? { type: 'sign', ste, clip } : { type: 'sign', ste };
}

function optimizerObject(c) {
  const lr = num(c.learningRate, 'learning rate');
  switch (c.optimizer) {
    case 'sgd': case 'adagrad': case 'adadelta': case 'rmsprop':
      return { type: c.optimizer, learning_rate: lr };
    case 'momentum': case 'nesterov':
      return { type: c.optimizer, learning_rate: lr, momentum: num(c.momentum, 'momentum') };
    case 'adam':
      return { type: 'adam', learning_rate: lr, beta1: num(c.momentum, 'beta1'), beta2: num(c.beta2, 'beta2') };
    case 'bop':
      return { type: 'bop', threshold: num(c.bopThreshold, 'threshold'), gamma: num(c.bopGamma, 'gamma'),
        fallback: { type: 'adam', learning_rate: lr } };
    default:
      // Unknown names go to the library, whose message names the JSON path.
      return { type: String(c.optimizer), learning_rate: lr };
  }
}

/** The weight-clip object of the settings (what applies once delayed clipping has started). */
export function weightClipObject(c) {
  return c.weightClip === 'fixed' ? { mode: 'fixed', value: num(c.weightClipValue, 'weight clip') }
    : { mode: String(c.weightClip) };
}

/**
 * Builds the model document for settings c, with the "training" recipe that the core trainer runs.
 * Returns { doc, binaryLayers } where binaryLayers lists the layers with a binary kernel:
 * { layer (index in doc.layers), label, fanIn, fanOut, inputShape ([h, w] of one neuron's weights) }.
 */
export function buildDocument(c) {
  const delayedEpoch = Math.trunc(num(c.delayedClipEpoch, 'delayed clipping epoch'));
  const steClip = num(c.steClip, 'STE clip');
  const kq = () => quantizer(c.kernelSte, steClip);
  const iq = () => quantizer(c.inputSte, steClip);
  const bn = () => ({ type: 'batch_norm', momentum: num(c.bnMomentum, 'BN momentum'), epsilon: 1e-5 });
  const layers = [];
  const binaryLayers = [];
  let doc;
  const side = (n) => {
    const w = Math.ceil(Math.sqrt(n));
    return [Math.ceil(n / w), w];
  };
  const dense = (units, fanIn, first, label, shape) => {
    binaryLayers.push({ layer: layers.length, label, fanIn, fanOut: units, inputShape: shape ?? side(fanIn) });
    layers.push({ type: 'dense', units, use_bias: false, input_quantizer: first ? null : iq(), kernel_quantizer: kq() });
    layers.push(bn());
  };
  if (c.model === 'cnn') {
    const [f1, f2] = sizes(c.filters, 'filters');
    const conv = (filters, channels, first, label) => {
      binaryLayers.push({ layer: layers.length, label, fanIn: 9 * channels, fanOut: 9 * filters, inputShape: [3, 3 * channels] });
      layers.push({ type: 'conv2d', filters, kernel_size: [3, 3], padding: 'same', use_bias: false,
        input_quantizer: first ? null : iq(), kernel_quantizer: kq() });
      layers.push({ type: 'max_pool2d', pool_size: [2, 2] });
      layers.push(bn());
    };
    conv(f1, 1, true, `conv ${f1}`);
    conv(f2 ?? f1 * 2, f1, false, `conv ${f2 ?? f1 * 2}`);
    layers.push({ type: 'flatten' });
    const flat = 7 * 7 * (f2 ?? f1 * 2);
    dense(128, flat, false, 'dense 128');
    dense(10, 128, false, 'dense 10');
    doc = { input_shape: [28, 28, 1], layers };
  } else {
    let fan = 784;
    sizes(c.hidden, 'hidden sizes').forEach((h, i) => {
      dense(h, fan, i === 0, `dense ${h}`, i === 0 ? [28, 28] : undefined);
      fan = h;
    });
    dense(10, fan, false, 'dense 10');
    doc = { input_shape: [784], layers };
  }
  const schedule = String(c.lrSchedule ?? 'constant');
  const training = {
    epochs: Math.trunc(num(c.epochs, 'epochs')),
    batch_size: Math.trunc(num(c.batchSize, 'batch size')),
    lr_schedule: schedule === 'exponential'
      ? { type: 'exponential', final_learning_rate: num(c.finalLearningRate, 'final learning rate') }
      : { type: schedule },
  };
  const twoStage = Math.trunc(num(c.twoStageEpochs, 'two-stage epochs'));
  if (twoStage > 0) training.pretrain_full_precision_epochs = twoStage;
  if (delayedEpoch > 0) {
    training.phases = [
      { from_epoch: 0, kernel_ste: 'identity', weight_clip: { mode: 'none' } },
      { from_epoch: delayedEpoch, kernel_ste: c.kernelSte, weight_clip: weightClipObject(c) },
    ];
  }
  Object.assign(doc, {
    loss: 'cross_entropy',
    optimizer: optimizerObject(c),
    weight_clip: weightClipObject(c),
    lr_scale: 'none',
    seed: Math.trunc(num(c.seed, 'seed')),
    training,
  });
  return { doc, binaryLayers };
}

/** The binary layers of a document (for a document the user edited or a loaded model). */
export function binaryLayersOf(doc) {
  const out = [];
  const shape = doc.input_shape ?? [];
  let fan = shape.reduce((a, b) => a * b, 1);
  let hw = shape.length === 3 ? [shape[0], shape[1]] : null;
  let channels = shape.length === 3 ? shape[2] : 1;
  (doc.layers ?? []).forEach((l, i) => {
    if (l.type === 'dense') {
      const w = Math.ceil(Math.sqrt(fan));
      if (l.kernel_quantizer) {
        out.push({ layer: i, label: `dense ${l.units}`, fanIn: fan, fanOut: l.units,
          inputShape: fan === 784 ? [28, 28] : [Math.ceil(fan / w), w] });
      }
      fan = l.units;
      hw = null;
    } else if (l.type === 'conv2d') {
      const [kh, kw] = l.kernel_size ?? [3, 3];
      if (l.kernel_quantizer) {
        out.push({ layer: i, label: `conv ${l.filters}`, fanIn: kh * kw * channels, fanOut: kh * kw * l.filters,
          inputShape: [kh, kw * channels] });
      }
      channels = l.filters;
      if (hw && l.padding !== 'same') hw = [hw[0] - kh + 1, hw[1] - kw + 1];
      fan = hw ? hw[0] * hw[1] * channels : fan;
    } else if (/pool2d$/.test(l.type) && l.type !== 'global_average_pool2d') {
      const [ph, pw] = l.pool_size ?? [2, 2];
      if (hw) hw = [Math.floor(hw[0] / ph), Math.floor(hw[1] / pw)];
      fan = hw ? hw[0] * hw[1] * channels : fan;
    } else if (l.type === 'global_average_pool2d') {
      fan = channels;
      hw = null;
    }
  });
  return out;
}

/** The latent-weight clip bound of a layer under settings c (null when unclipped). */
export function clipBound(c, layer, clipping) {
  if (!clipping) return null;
  if (c.weightClip === 'fixed') return Number(c.weightClipValue);
  if (c.weightClip === 'glorot') return Math.sqrt(1.5 / (layer.fanIn + layer.fanOut));
  return null;
}
