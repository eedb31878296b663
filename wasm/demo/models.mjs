// The demo's settings, how they become a libbnn model document, and the comparison presets.

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
  lrDecay: 1,                // learning rate multiplied by this after every epoch
  batchSize: 100,
  kernelSte: 'clipped',      // identity clipped approx_sign swish_sign
  inputSte: 'clipped',
  steClip: 1,                // the clipped STE's |x| bound (gradient clipping)
  weightClip: 'fixed',       // none fixed glorot
  weightClipValue: 1,
  bnMomentum: 0.9,
  delayedClipEpoch: 0,       // > 0: identity STE and no weight clip until this epoch, then the above
  twoStageEpochs: 0,         // > 0: full precision (quantize off) for this many epochs first
  epochs: 10,
  trainSamples: 60000,       // at most; the validation samples are taken from the end
  valSamples: 2000,
  evalEvery: 100,            // steps between evaluations
  seed: 1,
  flavour: 'auto',           // auto simd scalar
});

export const OPTIMIZERS = ['adam', 'sgd', 'momentum', 'nesterov', 'adagrad', 'adadelta', 'rmsprop', 'bop'];
export const STES = ['identity', 'clipped', 'approx_sign', 'swish_sign'];
export const WEIGHT_CLIPS = ['none', 'fixed', 'glorot'];

/** Side-by-side presets: the base settings are the form's; a and b override them. */
export const PRESETS = {
  'adam-vs-sgd': {
    title: 'Adam vs SGD',
    a: { label: 'Adam', optimizer: 'adam', learningRate: 0.001 },
    b: { label: 'SGD', optimizer: 'sgd', learningRate: 0.05 },
  },
  'ste-vs-clipped': {
    title: 'vanilla STE vs clipped',
    a: { label: 'vanilla STE', kernelSte: 'identity', inputSte: 'identity', weightClip: 'none' },
    b: { label: 'clipped STE + weight clip', kernelSte: 'clipped', inputSte: 'clipped', weightClip: 'fixed',
      weightClipValue: 1 },
  },
  'delayed-clipping': {
    title: 'delayed clipping',
    a: { label: 'clipped from the start', kernelSte: 'clipped', weightClip: 'fixed', weightClipValue: 1,
      delayedClipEpoch: 0 },
    b: { label: 'clipping from epoch 2', kernelSte: 'clipped', weightClip: 'fixed', weightClipValue: 1,
      delayedClipEpoch: 2 },
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
 * Builds the model document for settings c. Returns { doc, binaryLayers } where binaryLayers
 * lists the layers with a binary kernel: { layer (index in doc.layers), label, fanIn, fanOut }.
 */
export function buildDocument(c) {
  const delayed = num(c.delayedClipEpoch, 'delayed clipping epoch') > 0;
  const kernelSte = delayed ? 'identity' : c.kernelSte;
  const steClip = num(c.steClip, 'STE clip');
  const kq = () => quantizer(kernelSte, steClip);
  const iq = () => quantizer(c.inputSte, steClip);
  const bn = () => ({ type: 'batch_norm', momentum: num(c.bnMomentum, 'BN momentum'), epsilon: 1e-5 });
  const layers = [];
  const binaryLayers = [];
  let doc;
  const dense = (units, fanIn, first, label) => {
    binaryLayers.push({ layer: layers.length, label, fanIn, fanOut: units });
    layers.push({ type: 'dense', units, use_bias: false, input_quantizer: first ? null : iq(), kernel_quantizer: kq() });
    layers.push(bn());
  };
  if (c.model === 'cnn') {
    const [f1, f2] = sizes(c.filters, 'filters');
    const conv = (filters, channels, first, label) => {
      binaryLayers.push({ layer: layers.length, label, fanIn: 9 * channels, fanOut: 9 * filters });
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
      dense(h, fan, i === 0, `dense ${h}`);
      fan = h;
    });
    dense(10, fan, false, 'dense 10');
    doc = { input_shape: [784], layers };
  }
  Object.assign(doc, {
    loss: 'cross_entropy',
    optimizer: optimizerObject(c),
    weight_clip: delayed ? { mode: 'none' } : weightClipObject(c),
    lr_scale: 'none',
    seed: Math.trunc(num(c.seed, 'seed')),
  });
  return { doc, binaryLayers };
}

/** The latent-weight clip bound of a layer under settings c (null when unclipped). */
export function clipBound(c, layer, clipping) {
  if (!clipping) return null;
  if (c.weightClip === 'fixed') return Number(c.weightClipValue);
  if (c.weightClip === 'glorot') return Math.sqrt(1.5 / (layer.fanIn + layer.fanOut));
  return null;
}
