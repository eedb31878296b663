// libbnn for JavaScript: loads the WebAssembly build of the core (SIMD128 with threads when the
// environment has SharedArrayBuffer, SIMD128 on one thread otherwise, scalar when the engine lacks
// SIMD128) and wraps the C ABI of include/bnn/bnn.h in a small class API.
//
//   import createBnn from 'libbnn';              // or './bnn.mjs' next to the build
//   const bnn = await createBnn();
//   const m = bnn.Model.fromJSON(doc);           // throws BnnError (an Error) with the library's message
//   const loss = m.trainStep(x, labels);         // Float32Array, Int32Array
//   const t = bnn.Trainer.create(m, { x, labels }, null, null);
//   while (!t.done) console.log(t.runEpoch());   // the document's "training" recipe, in the core
//   t.free(); m.free();
//
// Memory: every Model, Dataset, Trainer and Infer owns a handle inside the wasm heap and must be
// released with free(). A FinalizationRegistry releases objects that were garbage-collected without
// free() and warns (option leakWarnings, on by default), so that leaks show up during development.
//
// Files: the three builds are imported statically and their .wasm files are located with
// new URL('./bnn-*.wasm', import.meta.url), so that bundlers (webpack, Vite, esbuild with the
// .wasm files copied next to the bundle) and npm installs find them without a computed import.
// The threaded build also needs bnn-simd-mt.worker.js and bnn-simd-mt.mjs next to it: each of
// its Workers loads them again.
//
// Threads: the build 'simd-mt' runs the kernels' thread pool on Web Workers (Emscripten pthreads)
// over a SharedArrayBuffer. Browsers give SharedArrayBuffer only to cross-origin isolated pages,
// served with the headers
//   Cross-Origin-Opener-Policy: same-origin
//   Cross-Origin-Embedder-Policy: require-corp
// (wasm/serve.mjs sends them). The Workers are started with the module, one fewer than the thread
// count (the calling thread takes part), because a thread that waits for its pool cannot also let
// a new Worker load. It works from the page and from inside a (module) Worker.
import createSimdModule from './bnn-simd.mjs';
import createScalarModule from './bnn-scalar.mjs';
import createSimdMtModule from './bnn-simd-mt.mjs';

// (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt)): validates only on engines
// with the final SIMD128 proposal (popcnt was one of its last additions).
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03,
  0x02, 0x01, 0x00, 0x0a, 0x0a, 0x01, 0x08, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0xfd, 0x62, 0x0b,
]);

/** Whether this engine runs WebAssembly SIMD128. */
export function simdSupported() {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

const IS_NODE =
  typeof process === 'object' && process !== null && typeof process.versions === 'object' &&
  typeof process.versions.node === 'string' && typeof window === 'undefined';
// A Node built-in module, out of sight of browser bundlers (getBuiltinModule: Node >= 20.16).
const nodeBuiltin = async (name) => process.getBuiltinModule?.(`node:${name}`) ?? (await import(['node', name].join(':')));

const NOT_ISOLATED =
  'SharedArrayBuffer is unavailable: the page is not cross-origin isolated (it is not served with ' +
  'the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
/**
 * Whether this environment can run the threaded build: { supported, reason } (reason '' when
 * supported). Browsers: a cross-origin isolated page or worker with SIMD128; Node: SharedArrayBuffer
 * (worker_threads runs the Workers).
 */
export function threadSupport() {
  const no = (reason) => ({ supported: false, reason });
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') {
    return no(IS_NODE ? 'this Node has no SharedArrayBuffer' : NOT_ISOLATED);
  }
  if (!IS_NODE) {
    if (globalThis.crossOriginIsolated !== true) return no(NOT_ISOLATED);
    if (typeof Worker !== 'function') return no('this context cannot start Web Workers');
  }
  if (!simdSupported()) return no('the threaded build also needs WebAssembly SIMD128');
  return { supported: true, reason: '' };
}

// Threads used by default in the threaded build: the cores the engine reports, at most this many
// (the demo's batch sizes do not keep more busy, and every Worker holds a copy of the module).
const DEFAULT_MAX_THREADS = 8;
const MAX_THREADS = 64;
async function hardwareThreads() {
  const n = globalThis.navigator?.hardwareConcurrency;
  if (Number.isInteger(n) && n > 0) return n;
  if (IS_NODE) {
    const os = await nodeBuiltin('os');
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  return 1;
}

// Written as literals so that bundlers see them (new URL(literal, import.meta.url)).
const BUILDS = {
  simd: { factory: createSimdModule, wasm: () => new URL('./bnn-simd.wasm', import.meta.url), file: 'bnn-simd.wasm' },
  scalar: { factory: createScalarModule, wasm: () => new URL('./bnn-scalar.wasm', import.meta.url), file: 'bnn-scalar.wasm' },
  'simd-mt': {
    factory: createSimdMtModule, wasm: () => new URL('./bnn-simd-mt.wasm', import.meta.url), file: 'bnn-simd-mt.wasm',
    worker: () => new URL('./bnn-simd-mt.worker.js', import.meta.url), workerFile: 'bnn-simd-mt.worker.js',
    script: () => new URL('./bnn-simd-mt.mjs', import.meta.url), scriptFile: 'bnn-simd-mt.mjs',
  },
};
const FLAVOURS = ['auto', ...Object.keys(BUILDS)];

// Node has no Web Worker: the threaded build's Workers run on worker_threads, dressed as a
// dedicated Web Worker (self, onmessage, postMessage, importScripts, location) for Emscripten's
// bnn-simd-mt.worker.js, which then imports bnn-simd-mt.mjs by its file URL. build.sh makes the
// module construct `new (Module.bnnWorker || Worker)(url)`.
const NODE_WORKER_BOOT = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
Object.assign(globalThis, {
  self: globalThis,
  location: { href: workerData.url },
  importScripts() { throw new Error('importScripts: not available'); },
  postMessage: (msg, transfer) => parentPort.postMessage(msg, transfer),
  close: () => process.exit(0),
});
parentPort.on('message', (data) => globalThis.onmessage?.({ data }));
(0, eval)(fs.readFileSync(workerData.file, 'utf8'));
`;
async function nodeWorkerClass(workers, failed) {
  const wt = await nodeBuiltin('worker_threads');
  const { fileURLToPath } = await nodeBuiltin('url');
  return class NodeWebWorker {
    constructor(url) {
      const href = String(url);
      this.thread = new wt.Worker(NODE_WORKER_BOOT, { eval: true, workerData: { url: href, file: fileURLToPath(href) } });
      this.onmessage = null;
      this.onerror = null;
      this.thread.on('message', (data) => this.onmessage?.({ data }));
      this.thread.on('error', (e) => {
        failed(e);
        // While loading, createBnn reports it (Emscripten's handler would rethrow it uncaught).
        if (workers.loaded && this.onerror) this.onerror(e);
        else if (workers.loaded) console.error(e);
      });
      workers.push(this);
    }
    postMessage(msg, transfer) { this.thread.postMessage(msg, transfer); }
    terminate() { this.thread.terminate(); }
  };
}
// In a browser: the Worker, reporting a script that fails to load (404, blocked by COEP, a syntax
// error) so that createBnn does not wait forever for a pool that never starts.
function browserWorkerClass(workers, failed) {
  return class extends Worker {
    #onerror = null;
    constructor(url, options) {
      super(url, options);
      this.addEventListener('error', (e) => {
        failed(new Error(e.message || `could not start the Worker ${url}`));
        // While loading, createBnn reports it (Emscripten's handler would rethrow it uncaught).
        if (workers.loaded) this.#onerror?.(e);
      });
      workers.push(this);
    }
    get onerror() { return this.#onerror; }
    set onerror(fn) { this.#onerror = fn; }
  };
}

// The C functions this module calls, by their names in include/bnn/bnn.h (a header-coverage test
// reads this table). Each is looked up once; one that the loaded build lacks throws a BnnError
// (UNSUPPORTED) naming it when called, so that the rest of the API keeps working.
const C_FUNCTIONS = [
  'bnn_version_string', 'bnn_version_number', 'bnn_status_string', 'bnn_status_name', 'bnn_last_errmsg',
  'bnn_model_create_from_json', 'bnn_model_free', 'bnn_model_errmsg', 'bnn_model_input_size',
  'bnn_model_output_size', 'bnn_model_config_json', 'bnn_model_summary', 'bnn_model_set_metadata',
  'bnn_model_metadata', 'bnn_model_train_step', 'bnn_model_last_step_accuracy', 'bnn_model_predict',
  'bnn_model_evaluate', 'bnn_model_configure', 'bnn_model_flip_ratio', 'bnn_model_layer_flip_ratio',
  'bnn_model_step_count', 'bnn_model_tensor_count', 'bnn_model_tensor_info', 'bnn_model_tensor_index',
  'bnn_model_get_tensor', 'bnn_model_set_tensor', 'bnn_param_bounds', 'bnn_model_param_bounds', 'bnn_param_name',
  'bnn_model_set_param_f32', 'bnn_model_get_param_f32', 'bnn_model_set_param_i32', 'bnn_model_get_param_i32',
  'bnn_model_save_buffer', 'bnn_model_load_buffer', 'bnn_get_isa', 'bnn_set_isa', 'bnn_isa_supported',
  'bnn_set_num_threads', 'bnn_get_num_threads',
  'bnn_dataset_create', 'bnn_dataset_gzip_supported', 'bnn_dataset_count', 'bnn_dataset_sample_size',
  'bnn_dataset_num_classes', 'bnn_dataset_get', 'bnn_dataset_slice', 'bnn_dataset_free',
  'bnn_model_evaluate_dataset',
  'bnn_trainer_create', 'bnn_trainer_free', 'bnn_trainer_errmsg', 'bnn_trainer_run_epoch', 'bnn_trainer_done',
  'bnn_trainer_set_step_callback', 'bnn_trainer_best_model', 'bnn_trainer_position', 'bnn_trainer_state_json',
  'bnn_model_export_buffer', 'bnn_infer_load_buffer', 'bnn_infer_input_size', 'bnn_infer_output_size',
  'bnn_infer_predict', 'bnn_infer_errmsg', 'bnn_infer_free',
];
/** Header functions that JavaScript does not wrap, and why (the header-coverage test reads this). */
export const NOT_WRAPPED = Object.freeze({
  bnn_model_save: 'file path: the wasm build has no file system; use Model.save() (bnn_model_save_buffer)',
  bnn_model_load: 'file path: use Model.load(bytes) (bnn_model_load_buffer)',
  bnn_dataset_load_idx: 'file path: parse IDX in JavaScript and use Dataset.create',
  bnn_trainer_save: 'file path: no file system in the wasm build',
  bnn_trainer_set_communicator: 'data-parallel training across processes: not available in a browser',
  bnn_trainer_set_communicator_v2: 'data-parallel training across processes: not available in a browser',
  bnn_model_export: 'file path: use Model.export(format) (bnn_model_export_buffer)',
  bnn_infer_load: 'file path: use Infer.load(bytes) (bnn_infer_load_buffer)',
});

// Status codes of include/bnn/bnn_status.h (values are pinned there).
export const Status = Object.freeze({
  OK: 0, INVALID_ARGUMENT: 1, OUT_OF_RANGE: 2, SHAPE_MISMATCH: 3, INVALID_STATE: 4,
  UNSUPPORTED: 5, UNSUPPORTED_HARDWARE: 6, OUT_OF_MEMORY: 7, IO: 8, CORRUPT_DATA: 9,
  NUMERIC: 10, INTERNAL: 11, BUFFER_TOO_SMALL: 12, CANCELLED: 13,
});
const STATUS_NAMES = Object.fromEntries(Object.entries(Status).map(([k, v]) => [v, k]));

// Typed parameters: enum bnn_param of include/bnn/bnn.h (values pinned there). Their names
// ("learning_rate"), bounds and which optimiser has them come from the library at run time.
export const Param = Object.freeze({
  LEARNING_RATE: 100, MOMENTUM: 101, BETA1: 102, BETA2: 103, EPSILON: 104, RHO: 105,
  WEIGHT_DECAY: 106, BOP_THRESHOLD: 107, BOP_GAMMA: 108,
  KERNEL_STE: 200, INPUT_STE: 201, STE_CLIP: 202, STE_BETA: 203, QUANTIZE: 204,
  WEIGHT_CLIP_MODE: 300, WEIGHT_CLIP_VALUE: 301, LR_SCALE: 302,
  BATCH_NORM_MOMENTUM: 400,
});
/** Values of the integer parameters (enums bnn_ste, bnn_weight_clip, bnn_lr_scale). */
export const Ste = Object.freeze({ IDENTITY: 0, CLIPPED: 1, APPROX_SIGN: 2, SWISH_SIGN: 3 });
export const WeightClip = Object.freeze({ NONE: 0, FIXED: 1, GLOROT: 2 });
export const LrScale = Object.freeze({ NONE: 0, GLOROT: 1 });
// Integer-typed parameters and the enum their values come from (null: a plain integer/boolean).
const INT_PARAMS = new Map([
  [Param.KERNEL_STE, Ste], [Param.INPUT_STE, Ste], [Param.QUANTIZE, null],
  [Param.WEIGHT_CLIP_MODE, WeightClip], [Param.LR_SCALE, LrScale],
]);

/** An error reported by libbnn (or by this wrapper's argument checks). */
export class BnnError extends Error {
  constructor(message, status = Status.INVALID_ARGUMENT) {
    super(message);
    this.name = 'BnnError';
    this.status = status;                              // numeric bnn_status
    this.code = STATUS_NAMES[status] ?? 'UNKNOWN';     // e.g. "OUT_OF_RANGE"
  }
}

/**
 * Loads the module. options:
 *   flavour: 'auto' (default) | 'simd-mt' | 'simd' | 'scalar'   which build to load; 'auto' takes
 *            'simd-mt' when threadSupport() says so and more than one thread is wanted, else
 *            'simd' when the engine has SIMD128, else 'scalar'
 *   threads: threads of the threaded build (default: the engine's hardwareConcurrency, at most 8);
 *            its Workers are started with the module, so this is also the most setNumThreads allows.
 *            The single-thread builds take only 1.
 *   baseUrl: URL of the folder holding bnn-*.wasm (default: next to this file)
 *   wasmBinary: the .wasm bytes, if the caller has them already (they must be of the chosen flavour)
 *   leakWarnings: warn when a handle is garbage-collected without free() (default true)
 */
export default async function createBnn(options = {}) {
  const wanted = options.flavour ?? 'auto';
  if (!FLAVOURS.includes(wanted)) {
    throw new BnnError(`unknown flavour "${wanted}" (${FLAVOURS.join(', ')})`);
  }
  const askedThreads = options.threads;
  if (askedThreads !== undefined && !(Number.isInteger(askedThreads) && askedThreads >= 1 && askedThreads <= MAX_THREADS)) {
    throw new BnnError(`threads: ${askedThreads} is not an integer in [1, ${MAX_THREADS}]`, Status.OUT_OF_RANGE);
  }
  const simd = simdSupported();
  let threading = threadSupport();
  const base = options.baseUrl ? new URL(options.baseUrl, import.meta.url) : null;
  const mt = BUILDS['simd-mt'];
  if (threading.supported && IS_NODE && !options.wasmBinary) {
    // A bundle that was not given the threaded build's extra files: say so, and (auto) fall back.
    const fs = await nodeBuiltin('fs');
    const missing = [[mt.workerFile, mt.worker], [mt.scriptFile, mt.script]]
      .find(([file, url]) => !fs.existsSync(base ? new URL(file, base) : url()));
    if (missing) threading = { supported: false, reason: `${missing[0]} is not next to the .wasm files` };
  }
  if ((wanted === 'simd' || wanted === 'simd-mt') && !simd) {
    throw new BnnError('this engine lacks WebAssembly SIMD128', Status.UNSUPPORTED_HARDWARE);
  }
  if (wanted === 'simd-mt' && !threading.supported) {
    throw new BnnError(`the threaded build cannot run here: ${threading.reason}`, Status.UNSUPPORTED_HARDWARE);
  }
  let threads = askedThreads ?? Math.min(await hardwareThreads(), DEFAULT_MAX_THREADS);
  let flavour = wanted;
  if (wanted === 'auto') flavour = threading.supported && threads > 1 ? 'simd-mt' : simd ? 'simd' : 'scalar';
  if (flavour !== 'simd-mt') {
    if (askedThreads > 1 && wanted !== 'auto') {
      throw new BnnError(`the ${flavour} build runs on one thread (threads: ${askedThreads}); use flavour 'simd-mt'`);
    }
    threads = 1;
  }
  const build = BUILDS[flavour];
  const wasmUrl = base ? new URL(build.file, base) : build.wasm();

  const moduleArgs = {
    locateFile: (path) => (path.endsWith('.wasm') ? wasmUrl.href : path),
    print: (s) => console.log(s),
    // Node's main thread may block (Atomics.wait); Emscripten's warning is for a browser page's.
    printErr: (s) => (IS_NODE && s.startsWith('Blocking on the main thread') ? undefined : console.warn(s)),
  };
  const workers = [];
  let failed = null;
  if (build.worker) {
    // Each Worker loads the worker script, which imports the module script (mainScriptUrlOrBlob)
    // and receives the compiled module and the shared memory from this thread.
    const workerUrl = base ? new URL(build.workerFile, base) : build.worker();
    moduleArgs.locateFile = (path) => (path.endsWith('.wasm') ? wasmUrl.href
      : path.endsWith('.worker.js') ? workerUrl.href : path);
    moduleArgs.mainScriptUrlOrBlob = (base ? new URL(build.scriptFile, base) : build.script()).href;
    moduleArgs.bnnPoolSize = threads - 1;
    let fail;
    failed = new Promise((resolve, reject) => {
      fail = (e) => reject(e instanceof Error ? e : new Error(String(e?.message ?? e)));
    });
    failed.catch(() => {});  // handled by the race below
    moduleArgs.bnnWorker = IS_NODE ? await nodeWorkerClass(workers, fail) : browserWorkerClass(workers, fail);
  }
  if (options.wasmBinary) {
    moduleArgs.wasmBinary = options.wasmBinary;
  } else if (IS_NODE) {
    // Emscripten 3.1.6's ES-module output cannot read files under Node: hand it the bytes.
    moduleArgs.wasmBinary = (await nodeBuiltin('fs')).readFileSync(wasmUrl);
  }
  let M;
  try {
    M = await (failed ? Promise.race([build.factory(moduleArgs), failed]) : build.factory(moduleArgs));
  } catch (e) {
    if (!failed) throw e;
    for (const w of workers) w.terminate();
    const reason = `the threaded build did not start: ${e?.message ?? e}`;
    if (wanted !== 'auto') throw new BnnError(reason, Status.UNSUPPORTED_HARDWARE);
    // auto: the single-thread build, and why (bnn.threadSupport.reason)
    const api = await createBnn({ ...options, flavour: simd ? 'simd' : 'scalar', threads: 1, wasmBinary: undefined });
    api.threadSupport = { supported: false, reason };
    return api;
  }
  workers.loaded = true;
  // Idle pool threads must not keep a Node process alive (they are only ever woken by this one).
  if (IS_NODE) for (const w of workers) w.thread.unref();
  if (build.worker) {
    const st = M._bnn_set_num_threads(threads);
    if (st !== Status.OK) throw new BnnError(`bnn_set_num_threads(${threads}) failed (status ${st})`, st);
  }
  return makeApi(M, flavour, simd, options.leakWarnings ?? true, threads, threading);
}

function makeApi(M, flavour, simd, leakWarnings, maxThreads, threading) {
  // ---- the C functions (C_FUNCTIONS), looked up once ---------------------------------------------
  const C = {};
  for (const name of C_FUNCTIONS) {
    C[name] = M[`_${name}`] ?? (() => {
      throw new BnnError(`this build of libbnn lacks ${name}`, Status.UNSUPPORTED);
    });
  }
  const has = (name) => typeof M[`_${name}`] === 'function';

  // ---- raw memory helpers (views are re-read after every call: memory may grow) ----------------
  // Emscripten refreshes M.HEAP* only on the thread that grew the memory; in the threaded build a
  // pool Worker may grow it, so the views are remade here whenever the memory's buffer changed.
  const memory = M.wasmMemory ?? null;
  let views = null;
  function heap() {
    const buf = memory ? memory.buffer : M.HEAPU8.buffer;
    if (views === null || views.buffer !== buf) {
      views = { buffer: buf, u8: new Uint8Array(buf), i32: new Int32Array(buf), u32: new Uint32Array(buf),
                f32: new Float32Array(buf), f64: new Float64Array(buf) };
    }
    return views;
  }
  const u8 = () => heap().u8;
  const i32 = () => heap().i32;
  const u32 = () => heap().u32;
  const f32 = () => heap().f32;
  const f64 = () => heap().f64;
  const str = (ptr) => (ptr ? M.UTF8ToString(ptr) : '');
  const readU64 = (p) => u32()[p >> 2] + u32()[(p >> 2) + 1] * 4294967296;
  const readI64 = (p) => u32()[p >> 2] + i32()[(p >> 2) + 1] * 4294967296;

  function malloc(bytes) {
    const p = M._malloc(Math.max(1, bytes));
    if (!p) throw new BnnError(`out of wasm memory (${bytes} bytes)`, Status.OUT_OF_MEMORY);
    return p;
  }
  // Runs fn with temporary heap blocks of the given byte sizes, always freeing them.
  function withHeap(sizes, fn) {
    const ptrs = [];
    try {
      for (const s of sizes) ptrs.push(malloc(s));
      return fn(...ptrs);
    } finally {
      for (const p of ptrs) M._free(p);
    }
  }
  function withString(s, fn) {
    const n = M.lengthBytesUTF8(s) + 1;
    const p = malloc(n);
    try {
      M.stringToUTF8(s, p, n);
      return fn(p);
    } finally {
      M._free(p);
    }
  }
  function copyIn(ptr, typed) {
    u8().set(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength), ptr);
  }
  const jsonText = (v, what) => {
    const json = typeof v === 'string' ? v : JSON.stringify(v);
    if (json === undefined) throw new BnnError(`${what}: expected a JSON value or string`);
    return json;
  };

  const statusString = (s) => str(C.bnn_status_string(s));
  const globalError = (status) => new BnnError(str(C.bnn_last_errmsg()) || statusString(status), status);
  function checkGlobal(status) {
    if (status !== Status.OK) throw globalError(status);
  }
  // A size query then the call (the buffer convention of bnn_model_config_json & co.).
  function bytesOut(fn, check) {
    return withHeap([4], (psize) => {
      check(fn(0, 0, psize));
      const size = u32()[psize >> 2];
      return withHeap([size], (buf) => {
        check(fn(buf, size, psize));
        return u8().slice(buf, buf + u32()[psize >> 2]);
      });
    });
  }
  function stringOut(fn, check) {
    return withHeap([4], (psize) => {
      check(fn(0, 0, psize));
      const size = u32()[psize >> 2];
      return withHeap([size], (buf) => {
        check(fn(buf, size, psize));
        return str(buf);
      });
    });
  }

  // ---- leak detection --------------------------------------------------------------------------
  const registry =
    typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry((held) => {
          if (leakWarnings) {
            console.warn(`libbnn: a ${held.kind} (${held.what}) was garbage-collected without free(); ` +
                         `call ${held.kind.toLowerCase()}.free() when done with it`);
          }
          held.release();
        })
      : null;

  // Other typed arrays and plain arrays are converted (a copy); anything else is refused.
  const isBig = (a) => (typeof BigInt64Array === 'function' && a instanceof BigInt64Array) ||
    (typeof BigUint64Array === 'function' && a instanceof BigUint64Array);
  function asFloat32(x, what) {
    if (x instanceof Float32Array) return x;
    if (x instanceof DataView) throw new BnnError(`${what} must be a Float32Array (or an array of numbers), not a DataView`);
    if (Array.isArray(x) || ArrayBuffer.isView(x)) return isBig(x) ? Float32Array.from(x, Number) : Float32Array.from(x);
    throw new BnnError(`${what} must be a Float32Array (or an array of numbers)`);
  }
  function asInt32(y, what) {
    if (y instanceof Int32Array) return y;
    if (y instanceof DataView) throw new BnnError(`${what} must be an Int32Array (or an array of integers), not a DataView`);
    if (Array.isArray(y) || ArrayBuffer.isView(y)) {
      if (isBig(y)) y = Array.from(y, Number);
      const out = Int32Array.from(y);
      for (let i = 0; i < y.length; ++i) {
        if (out[i] !== Number(y[i])) throw new BnnError(`${what}[${i}] = ${y[i]} is not a 32-bit integer`);
      }
      return out;
    }
    throw new BnnError(`${what} must be an Int32Array (or an array of integers)`);
  }
  function asBytes(bytes, what) {
    if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
    if (!ArrayBuffer.isView(bytes)) throw new BnnError(`${what}: expected a Uint8Array`);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  function argmaxRows(logits, k) {
    const out = new Int32Array(logits.length / k);
    for (let i = 0; i < out.length; ++i) {
      let best = 0;
      for (let j = 1; j < k; ++j) if (logits[i * k + j] > logits[i * k + best]) best = j;
      out[i] = best;
    }
    return out;
  }

  // ---- typed parameters ------------------------------------------------------------------------
  const PARAM_BY_NAME = new Map();
  for (const id of Object.values(Param)) {
    const name = str(C.bnn_param_name(id));
    if (name) PARAM_BY_NAME.set(name, id);
  }
  function paramId(p) {
    if (typeof p === 'number') return p;
    const key = String(p);
    const id = PARAM_BY_NAME.get(key) ?? Param[key.toUpperCase()];
    if (id === undefined) {
      throw new BnnError(`unknown parameter "${key}" (one of ${[...PARAM_BY_NAME.keys()].join(', ')})`);
    }
    return id;
  }
  function paramBounds(p) {
    const id = paramId(p);
    return withHeap([8, 8], (plo, phi) => {
      checkGlobal(C.bnn_param_bounds(id, plo, phi));
      return { lo: f64()[plo >> 3], hi: f64()[phi >> 3] };
    });
  }
  function paramInfo() {
    return [...PARAM_BY_NAME.entries()].map(([name, id]) => ({
      id, name, type: INT_PARAMS.has(id) ? 'i32' : 'f32', ...paramBounds(id),
      values: INT_PARAMS.get(id) ? Object.keys(INT_PARAMS.get(id)).map((k) => k.toLowerCase()) : undefined,
    }));
  }
  // Integer values by name: setParam('kernel_ste', 'clipped'), setParam('quantize', false).
  function intValue(id, v) {
    if (typeof v === 'boolean') return v ? 1 : 0;
    const names = INT_PARAMS.get(id);
    if (typeof v === 'string' && names) {
      const n = names[v.toUpperCase()];
      if (n === undefined) {
        throw new BnnError(`${str(C.bnn_param_name(id))}: "${v}" is not one of ` +
                           `${Object.keys(names).map((k) => k.toLowerCase()).join(', ')}`);
      }
      return n;
    }
    if (!Number.isInteger(v)) throw new BnnError(`${str(C.bnn_param_name(id))}: ${v} is not an integer`);
    return v;
  }

  // ---- handles ---------------------------------------------------------------------------------
  // The common life cycle of a wasm-side object: a pointer, free(), a leak warning.
  class Handle {
    #ptr = 0;
    #token = {};
    #release;
    constructor(ptr, kind, what, release) {
      this.#ptr = ptr;
      this.#release = release;
      registry?.register(this, { kind, what, release: () => release(ptr) }, this.#token);
    }
    /** @protected the live pointer; throws INVALID_STATE after free() */
    get ptr() {
      if (!this.#ptr) throw new BnnError(`the ${this.constructor.name.toLowerCase()} was freed`, Status.INVALID_STATE);
      return this.#ptr;
    }
    /** Whether free() was called. */
    get freed() { return this.#ptr === 0; }
    /** Releases the wasm memory; further calls throw. Calling free() twice is harmless. */
    free() {
      if (!this.#ptr) return;
      registry?.unregister(this.#token);
      const p = this.#ptr;
      this.#ptr = 0;
      this.#release(p);
    }
  }

  class Model extends Handle {
    /** @private Use Model.fromJSON or Model.load. */
    constructor(ptr, what) {
      if (!ptr) throw new BnnError('Model: use Model.fromJSON() or Model.load()', Status.INVALID_STATE);
      super(ptr, 'Model', what, (p) => C.bnn_model_free(p));
    }

    /** Builds a model from a JSON model document (object or string). */
    static fromJSON(doc) {
      const json = jsonText(doc, 'fromJSON');
      return withHeap([4], (out) => {
        withString(json, (js) => checkGlobal(C.bnn_model_create_from_json(js, out)));
        return new Model(u32()[out >> 2], 'fromJSON');
      });
    }

    /** Loads a model saved with save() (or natively with bnn_model_save: same bytes). */
    static load(bytes) {
      const view = asBytes(bytes, 'load');
      return withHeap([view.length, 4], (buf, out) => {
        copyIn(buf, view);
        checkGlobal(C.bnn_model_load_buffer(buf, view.length, out));
        return new Model(u32()[out >> 2], 'load');
      });
    }

    /** @private */
    check(status) {
      if (status !== Status.OK) {
        throw new BnnError(str(C.bnn_model_errmsg(this.ptr)) || statusString(status), status);
      }
    }
    #batchOf(x, what) {
      const n = this.inputSize;
      if (x.length === 0 || x.length % n !== 0) {
        throw new BnnError(`${what}: x has ${x.length} floats, not a positive multiple of ` +
                           `inputSize ${n}`, Status.SHAPE_MISMATCH);
      }
      return x.length / n;
    }
    #batchWithLabels(x, labels, what) {
      const batch = this.#batchOf(x, what);
      if (labels.length !== batch) {
        throw new BnnError(`${what}: ${labels.length} labels for ${batch} samples`, Status.SHAPE_MISMATCH);
      }
      return batch;
    }

    get inputSize() { return C.bnn_model_input_size(this.ptr); }
    get outputSize() { return C.bnn_model_output_size(this.ptr); }
    /** Optimisation steps taken so far. */
    get stepCount() {
      return withHeap([8], (out) => {
        this.check(C.bnn_model_step_count(this.ptr, out));
        return readU64(out);
      });
    }

    /** One optimisation step on a batch; returns the batch's mean loss. */
    trainStep(x, labels) {
      x = asFloat32(x, 'x');
      labels = asInt32(labels, 'labels');
      const batch = this.#batchWithLabels(x, labels, 'trainStep');
      return withHeap([x.byteLength, labels.byteLength, 4], (px, py, ploss) => {
        copyIn(px, x);
        copyIn(py, labels);
        this.check(C.bnn_model_train_step(this.ptr, px, py, batch, ploss));
        return f32()[ploss >> 2];
      });
    }
    /** Accuracy of the last trainStep on its own batch (training-mode forward, before the update). */
    get lastStepAccuracy() {
      return withHeap([4], (out) => {
        this.check(C.bnn_model_last_step_accuracy(this.ptr, out));
        return f32()[out >> 2];
      });
    }

    /** Mean loss and accuracy in inference mode; the model is not changed. x may be a Dataset. */
    evaluate(x, labels) {
      if (x instanceof Dataset) {
        return withHeap([4, 4], (ploss, pacc) => {
          this.check(C.bnn_model_evaluate_dataset(this.ptr, x.ptr, ploss, pacc));
          return { loss: f32()[ploss >> 2], accuracy: f32()[pacc >> 2] };
        });
      }
      x = asFloat32(x, 'x');
      labels = asInt32(labels, 'labels');
      const n = this.#batchWithLabels(x, labels, 'evaluate');
      return withHeap([x.byteLength, labels.byteLength, 4, 4], (px, py, ploss, pacc) => {
        copyIn(px, x);
        copyIn(py, labels);
        this.check(C.bnn_model_evaluate(this.ptr, px, py, n, ploss, pacc));
        return { loss: f32()[ploss >> 2], accuracy: f32()[pacc >> 2] };
      });
    }

    /** Logits (batch x outputSize, row-major) with binarised weights. */
    predict(x) {
      x = asFloat32(x, 'x');
      const batch = this.#batchOf(x, 'predict');
      const cap = batch * this.outputSize;
      return withHeap([x.byteLength, cap * 4], (px, plog) => {
        copyIn(px, x);
        this.check(C.bnn_model_predict(this.ptr, px, batch, plog, cap));
        return f32().slice(plog >> 2, (plog >> 2) + cap);
      });
    }

    /** Predicted class of each sample (argmax of the logits). */
    classify(x) {
      return argmaxRows(this.predict(x), this.outputSize);
    }

    /** The whole training state as bytes (the native .bnn format). */
    save() {
      return bytesOut((b, c, s) => C.bnn_model_save_buffer(this.ptr, b, c, s), (st) => this.check(st));
    }

    /** A deployment file as bytes: 'onnx' (ONNX Runtime) or 'bnn-infer' (Infer.load). */
    export(format) {
      return withString(String(format), (fmt) =>
        bytesOut((b, c, s) => C.bnn_model_export_buffer(this.ptr, fmt, b, c, s), (st) => this.check(st)));
    }

    /** Changes the recipe between steps with a partial document (object or JSON string). */
    configure(patch) {
      withString(jsonText(patch, 'configure'), (js) => this.check(C.bnn_model_configure(this.ptr, js)));
    }

    /** Sets a typed parameter by name ("learning_rate") or Param id; enum values by name too. */
    setParam(p, value) {
      const id = paramId(p);
      if (INT_PARAMS.has(id)) this.check(C.bnn_model_set_param_i32(this.ptr, id, intValue(id, value)));
      else this.check(C.bnn_model_set_param_f32(this.ptr, id, Number(value)));
    }
    /** A typed parameter's current value (a number; integer parameters give their enum value). */
    getParam(p) {
      const id = paramId(p);
      return withHeap([4], (out) => {
        if (INT_PARAMS.has(id)) {
          this.check(C.bnn_model_get_param_i32(this.ptr, id, out));
          return i32()[out >> 2];
        }
        this.check(C.bnn_model_get_param_f32(this.ptr, id, out));
        return f32()[out >> 2];
      });
    }

    /** The bounds { lo, hi } that setParam enforces for p on this model now (its optimiser's). */
    paramBounds(p) {
      const id = paramId(p);
      return withHeap([8, 8], (plo, phi) => {
        this.check(C.bnn_model_param_bounds(this.ptr, id, plo, phi));
        return { lo: f64()[plo >> 3], hi: f64()[phi >> 3] };
      });
    }

    /** Free-form JSON that travels with the model (document and checkpoints); null when unset. */
    get metadata() {
      return JSON.parse(stringOut((b, c, s) => C.bnn_model_metadata(this.ptr, b, c, s), (st) => this.check(st)));
    }
    set metadata(value) {
      withString(JSON.stringify(value ?? null), (js) => this.check(C.bnn_model_set_metadata(this.ptr, js)));
    }

    /** Fraction of binary weights whose sign changed in the last step (whole model). */
    flipRatio() {
      return withHeap([4], (out) => {
        this.check(C.bnn_model_flip_ratio(this.ptr, out));
        return f32()[out >> 2];
      });
    }
    /** The same for layer i of the document's "layers" (0 for layers without a binary kernel). */
    layerFlipRatio(i) {
      return withHeap([4], (out) => {
        this.check(C.bnn_model_layer_flip_ratio(this.ptr, i >>> 0, out));
        return f32()[out >> 2];
      });
    }

    /** The current model document, including changes made by configure(). */
    config() {
      return JSON.parse(stringOut((b, c, s) => C.bnn_model_config_json(this.ptr, b, c, s), (st) => this.check(st)));
    }
    /** A human-readable table of the layers. */
    summary() {
      return stringOut((b, c, s) => C.bnn_model_summary(this.ptr, b, c, s), (st) => this.check(st));
    }

    /** Names and sizes of the parameter tensors, in index order. */
    tensors() {
      const count = C.bnn_model_tensor_count(this.ptr);
      const list = [];
      withHeap([4, 4], (pname, pnumel) => {
        for (let i = 0; i < count; ++i) {
          this.check(C.bnn_model_tensor_info(this.ptr, i, pname, pnumel));
          list.push({ index: i, name: str(u32()[pname >> 2]), numel: u32()[pnumel >> 2] });
        }
      });
      return list;
    }
    #tensorIndex(which) {
      if (typeof which === 'number') return which;
      return withString(String(which), (js) => withHeap([4], (out) => {
        this.check(C.bnn_model_tensor_index(this.ptr, js, out));
        return u32()[out >> 2];
      }));
    }
    /** A copy of a tensor, by index or name ("layers.0.kernel"). */
    getTensor(which) {
      const index = this.#tensorIndex(which);
      const numel = withHeap([4, 4], (pname, pnumel) => {
        this.check(C.bnn_model_tensor_info(this.ptr, index, pname, pnumel));
        return u32()[pnumel >> 2];
      });
      return withHeap([numel * 4], (buf) => {
        this.check(C.bnn_model_get_tensor(this.ptr, index, buf, numel));
        return f32().slice(buf >> 2, (buf >> 2) + numel);
      });
    }
    /** Overwrites a tensor, by index or name; values.length must equal its size. */
    setTensor(which, values) {
      const index = this.#tensorIndex(which);
      values = asFloat32(values, 'values');
      withHeap([values.byteLength], (buf) => {
        copyIn(buf, values);
        this.check(C.bnn_model_set_tensor(this.ptr, index, buf, values.length));
      });
    }
  }

  // A dataset: samples copied into the library (bnn_dataset_create), read-only afterwards.
  class Dataset extends Handle {
    /** @private Use Dataset.create. */
    constructor(ptr) {
      if (!ptr) throw new BnnError('Dataset: use Dataset.create()', Status.INVALID_STATE);
      super(ptr, 'Dataset', 'create', (p) => C.bnn_dataset_free(p));
    }
    /** Copies n = labels.length samples of sampleSize floats (default x.length / n). */
    static create(x, labels, sampleSize) {
      x = asFloat32(x, 'x');
      labels = asInt32(labels, 'labels');
      const n = labels.length;
      const size = sampleSize ?? (n > 0 ? x.length / n : 0);
      if (!(Number.isInteger(size) && size > 0 && x.length === n * size)) {
        throw new BnnError(`Dataset.create: ${x.length} floats for ${n} samples of ` +
                           `${sampleSize ?? 'x.length / labels.length'} floats`, Status.SHAPE_MISMATCH);
      }
      return withHeap([x.byteLength, labels.byteLength, 4], (px, py, out) => {
        copyIn(px, x);
        copyIn(py, labels);
        checkGlobal(C.bnn_dataset_create(px, py, n, size, out));
        return new Dataset(u32()[out >> 2]);
      });
    }
    get count() { return C.bnn_dataset_count(this.ptr); }
    get sampleSize() { return C.bnn_dataset_sample_size(this.ptr); }
    get numClasses() { return C.bnn_dataset_num_classes(this.ptr); }
    /** Copies samples [first, first+count) out as { x, labels }. */
    get(first = 0, count = this.count - first) {
      const xs = count * this.sampleSize;
      return withHeap([xs * 4, count * 4], (px, py) => {
        checkGlobal(C.bnn_dataset_get(this.ptr, first, count, px, xs, py, count));
        return { x: f32().slice(px >> 2, (px >> 2) + xs), labels: i32().slice(py >> 2, (py >> 2) + count) };
      });
    }
    /** Samples [first, first+count) as a new Dataset. */
    slice(first, count) {
      return withHeap([4], (out) => {
        checkGlobal(C.bnn_dataset_slice(this.ptr, first, count, out));
        return new Dataset(u32()[out >> 2]);
      });
    }
  }

  // The core trainer over a model and datasets: the document's "training" recipe.
  class Trainer extends Handle {
    #model;
    #owned;          // datasets made from { x, labels } here, freed with the trainer
    #borrowed;       // the datasets the C trainer points into: kept reachable so that a
                     // garbage-collected Dataset is never released under the trainer
    #callbackPtr = 0;
    #onStep = null;
    #budget = null;  // { steps, until } of the runEpoch in progress
    #cancelled = false;

    /** @private Use Trainer.create. */
    constructor(ptr, model, owned, borrowed) {
      let cb = 0;
      super(ptr, 'Trainer', 'create', (p) => {
        C.bnn_trainer_free(p);
        if (cb) M.removeFunction(cb);
        for (const d of owned) d.free();
      });
      this.#model = model;
      this.#owned = owned;
      this.#borrowed = borrowed;
      this.#setCallbackPtr = (p) => { cb = p; };
    }
    #setCallbackPtr;

    /**
     * Trainer over model m and data: each of train, validation, test is a Dataset or
     * { x: Float32Array, labels: Int32Array }. validation null: the document's
     * training.validation_split of train is held out. test may be null.
     */
    static create(m, train, validation = null, test = null) {
      if (!(m instanceof Model)) throw new BnnError('Trainer.create: the first argument must be a Model');
      const owned = [];
      const toDataset = (d, what) => {
        if (d === null || d === undefined) return null;
        if (d instanceof Dataset) return d;
        if (typeof d !== 'object' || !('x' in d) || !('labels' in d)) {
          throw new BnnError(`Trainer.create: ${what} must be a Dataset or { x, labels }`);
        }
        const ds = Dataset.create(d.x, d.labels, m.inputSize);
        owned.push(ds);
        return ds;
      };
      try {
        const tr = toDataset(train, 'train');
        if (!tr) throw new BnnError('Trainer.create: train data is required');
        const va = toDataset(validation, 'validation');
        const te = toDataset(test, 'test');
        return withHeap([4], (out) => {
          const st = C.bnn_trainer_create(m.ptr, tr.ptr, va ? va.ptr : 0, te ? te.ptr : 0, out);
          if (st !== Status.OK) throw new BnnError(str(C.bnn_last_errmsg()) || str(C.bnn_model_errmsg(m.ptr)) || statusString(st), st);
          return new Trainer(u32()[out >> 2], m, owned, [tr, va, te]);
        });
      } catch (e) {
        for (const d of owned) d.free();
        throw e;
      }
    }

    #check(status) {
      if (status !== Status.OK) {
        throw new BnnError(str(C.bnn_trainer_errmsg(this.ptr)) || statusString(status), status);
      }
    }
    get #p() {
      if (this.#model.freed) throw new BnnError('the trainer\'s model was freed', Status.INVALID_STATE);
      if (this.#borrowed.some((d) => d?.freed)) throw new BnnError('a dataset of the trainer was freed', Status.INVALID_STATE);
      return this.ptr;
    }
    // One C callback per trainer (addFunction), installed on first need.
    #ensureCallback() {
      if (this.#callbackPtr) return;
      if (typeof M.addFunction !== 'function') {
        throw new BnnError('this build cannot call back into JavaScript (addFunction missing)', Status.UNSUPPORTED);
      }
      const fn = (user, step, epoch, loss) => {
        const s = Number(step);  // int64_t arrives as a BigInt
        let stop = false;
        if (this.#onStep) {
          try {
            stop = !!this.#onStep(s, epoch, loss);
          } catch (e) {
            console.error(e);
            stop = true;
          }
        }
        const b = this.#budget;
        if (b && ((b.steps !== undefined && --b.steps <= 0) || (b.until !== undefined && performance.now() >= b.until))) stop = true;
        if (stop) this.#cancelled = true;
        return stop ? 1 : 0;
      };
      const ptr = M.addFunction(fn, 'iijif');
      this.#callbackPtr = ptr;
      this.#setCallbackPtr(ptr);
      this.#check(C.bnn_trainer_set_step_callback(this.#p, ptr, 0));
    }

    /** Called after every step with (step, epoch, loss); returning true cancels runEpoch. null removes it. */
    onStep(fn) {
      if (fn !== null && typeof fn !== 'function') throw new BnnError('onStep: expected a function or null');
      this.#onStep = fn;
      if (fn) this.#ensureCallback();
    }

    /**
     * Runs the rest of the current epoch and returns its metrics record (the keys of a
     * metrics.jsonl line). Options maxSteps / maxMillis stop early after that many steps or that
     * much time: then (and when onStep cancels) it returns null and the next call continues the
     * same epoch, which lets a page or worker keep its event loop running.
     */
    runEpoch(options = {}) {
      const { maxSteps, maxMillis } = options;
      if (maxSteps !== undefined || maxMillis !== undefined) {
        this.#ensureCallback();
        this.#budget = {
          steps: maxSteps !== undefined ? Math.max(1, Math.trunc(maxSteps)) : undefined,
          until: maxMillis !== undefined ? performance.now() + maxMillis : undefined,
        };
      }
      this.#cancelled = false;
      try {
        return withHeap([4], (prec) => {
          const st = C.bnn_trainer_run_epoch(this.#p, prec);
          if (st === Status.CANCELLED && this.#cancelled) return null;
          this.#check(st);
          return JSON.parse(str(u32()[prec >> 2]));
        });
      } finally {
        this.#budget = null;
      }
    }
    /** Whether every epoch ran. */
    get done() { return C.bnn_trainer_done(this.#p) === 1; }
    /** { epoch (0-based, = epochs when done), stepInEpoch, stepsPerEpoch }. */
    get position() {
      return withHeap([4, 8, 8], (pe, ps, pn) => {
        this.#check(C.bnn_trainer_position(this.#p, pe, ps, pn));
        return { epoch: i32()[pe >> 2], stepInEpoch: readI64(ps), stepsPerEpoch: readI64(pn) };
      });
    }
    /** The trainer's state (position, best epoch, history of records) as an object. */
    state() {
      return JSON.parse(stringOut((b, c, s) => C.bnn_trainer_state_json(this.#p, b, c, s), (st) => this.#check(st)));
    }
    /** A new Model holding the best-validation binarised epoch so far (free it when done). */
    bestModel() {
      return withHeap([4], (out) => {
        this.#check(C.bnn_trainer_best_model(this.#p, out));
        return new Model(u32()[out >> 2], 'bestModel');
      });
    }
    /** The model being trained (borrowed: the trainer does not free it). */
    get model() { return this.#model; }
  }

  // A deployment engine over a 'bnn-infer' file (Model.export('bnn-infer')).
  class Infer extends Handle {
    /** @private Use Infer.load. */
    constructor(ptr) {
      if (!ptr) throw new BnnError('Infer: use Infer.load()', Status.INVALID_STATE);
      super(ptr, 'Infer', 'load', (p) => C.bnn_infer_free(p));
    }
    static load(bytes) {
      const view = asBytes(bytes, 'Infer.load');
      return withHeap([view.length, 4], (buf, out) => {
        copyIn(buf, view);
        checkGlobal(C.bnn_infer_load_buffer(buf, view.length, out));
        return new Infer(u32()[out >> 2]);
      });
    }
    get inputSize() { return C.bnn_infer_input_size(this.ptr); }
    get outputSize() { return C.bnn_infer_output_size(this.ptr); }
    predict(x) {
      x = asFloat32(x, 'x');
      const n = this.inputSize;
      if (x.length === 0 || x.length % n !== 0) {
        throw new BnnError(`predict: x has ${x.length} floats, not a positive multiple of inputSize ${n}`,
                           Status.SHAPE_MISMATCH);
      }
      const batch = x.length / n;
      const cap = batch * this.outputSize;
      return withHeap([x.byteLength, cap * 4], (px, plog) => {
        copyIn(px, x);
        const st = C.bnn_infer_predict(this.ptr, px, batch, plog, cap);
        if (st !== Status.OK) throw new BnnError(str(C.bnn_infer_errmsg(this.ptr)) || statusString(st), st);
        return f32().slice(plog >> 2, (plog >> 2) + cap);
      });
    }
    classify(x) {
      return argmaxRows(this.predict(x), this.outputSize);
    }
  }

  const api = {
    /** Library version "MAJOR.MINOR.PATCH". */
    version: str(C.bnn_version_string()),
    versionNumber: C.bnn_version_number() >>> 0,
    /** Which build was loaded: "simd-mt" (SIMD128 and threads), "simd" or "scalar". */
    flavour,
    /** Whether this environment can run the threaded build: { supported, reason }. */
    threadSupport: threading,
    /** Whether this engine can run the SIMD128 build. */
    simdSupported: simd,
    /** The kernel path in use (bnn_get_isa): "wasm_simd128" or "scalar". */
    get isa() { return str(C.bnn_get_isa()); },
    /** Forces a kernel path (as bnn_set_isa); "auto" restores the best one. */
    setIsa(name) {
      withString(String(name), (js) => checkGlobal(C.bnn_set_isa(js)));
    },
    isaSupported(name) {
      return withString(String(name), (js) => C.bnn_isa_supported(js) === 1);
    },
    /** Threads the kernels run on now (bnn_get_num_threads; always 1 in the single-thread builds). */
    get threads() { return C.bnn_get_num_threads(); },
    /** The same (the name of the first releases). */
    get numThreads() { return C.bnn_get_num_threads(); },
    /** The most threads setNumThreads accepts: the Workers started with the module, plus this thread. */
    maxThreads,
    /**
     * Threads of the kernels: 1..maxThreads, 0 = maxThreads. Results do not depend on it. The
     * single-thread builds accept any count of the C function and keep running on one thread.
     */
    setNumThreads(n) {
      n |= 0;
      if (flavour === 'simd-mt') {
        if (n === 0) n = maxThreads;
        if (n < 1 || n > maxThreads) {
          throw new BnnError(`setNumThreads(${n}): this module started ${maxThreads - 1} Workers, so 1..${maxThreads} ` +
                             `threads (load it with createBnn({ threads }) for more)`, Status.OUT_OF_RANGE);
        }
      }
      checkGlobal(C.bnn_set_num_threads(n));
    },
    /** Whether the loaded build defines the C function `name` (e.g. "bnn_model_export_buffer"). */
    hasFunction: has,
    /** 1 when the core reads gzip'd IDX files itself (never in wasm: use DecompressionStream). */
    get gzipSupported() { return C.bnn_dataset_gzip_supported() === 1; },
    statusName: (s) => str(C.bnn_status_name(s)),
    statusString,
    /** Name of a parameter id ("learning_rate"). */
    paramName: (p) => str(C.bnn_param_name(paramId(p))),
    /** Inclusive bounds { lo, hi } of a parameter, by name or id. */
    paramBounds,
    /** Every typed parameter: { id, name, type ('f32' | 'i32'), lo, hi, values? }. */
    params: paramInfo,
    Status,
    Param,
    Ste,
    WeightClip,
    LrScale,
    BnnError,
    Model,
    Dataset,
    Trainer,
    Infer,
    /** The raw Emscripten module (the _bnn_* C functions, HEAP views, _malloc/_free). */
    module: M,
  };
  return api;
}
