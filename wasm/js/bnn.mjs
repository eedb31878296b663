// libbnn for JavaScript: loads the WebAssembly build of the core (SIMD128 when the engine has it,
// scalar otherwise) and wraps the C ABI of include/bnn/bnn.h in a small class API.
//
//   import createBnn from './bnn.mjs';
//   const bnn = await createBnn();
//   const m = bnn.Model.fromJSON(doc);           // throws BnnError (an Error) with the library's message
//   const loss = m.trainStep(x, labels);         // Float32Array, Int32Array
//   m.free();
//
// Memory: every Model owns a handle inside the wasm heap and must be released with free(). A
// FinalizationRegistry releases models that were garbage-collected without free() and warns
// (option leakWarnings, on by default), so that leaks show up during development.

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

// Status codes of include/bnn/bnn_status.h (values are pinned there).
export const Status = Object.freeze({
  OK: 0, INVALID_ARGUMENT: 1, OUT_OF_RANGE: 2, SHAPE_MISMATCH: 3, INVALID_STATE: 4,
  UNSUPPORTED: 5, UNSUPPORTED_HARDWARE: 6, OUT_OF_MEMORY: 7, IO: 8, CORRUPT_DATA: 9,
  NUMERIC: 10, INTERNAL: 11, BUFFER_TOO_SMALL: 12,
});
const STATUS_NAMES = Object.fromEntries(Object.entries(Status).map(([k, v]) => [v, k]));

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
 *   flavour: 'auto' (default) | 'simd' | 'scalar'   which build to load
 *   baseUrl: URL of the folder holding bnn-*.mjs/.wasm (default: next to this file)
 *   wasmBinary: the .wasm bytes, if the caller has them already
 *   leakWarnings: warn when a Model is garbage-collected without free() (default true)
 */
export default async function createBnn(options = {}) {
  const wanted = options.flavour ?? 'auto';
  if (!['auto', 'simd', 'scalar'].includes(wanted)) {
    throw new BnnError(`unknown flavour "${wanted}" (auto, simd, scalar)`);
  }
  const simd = simdSupported();
  if (wanted === 'simd' && !simd) {
    throw new BnnError('this engine lacks WebAssembly SIMD128', Status.UNSUPPORTED_HARDWARE);
  }
  const flavour = wanted === 'auto' ? (simd ? 'simd' : 'scalar') : wanted;
  const base = options.baseUrl ? new URL(options.baseUrl, import.meta.url) : new URL('./', import.meta.url);
  const jsUrl = new URL(`bnn-${flavour}.mjs`, base);
  const wasmUrl = new URL(`bnn-${flavour}.wasm`, base);

  const moduleArgs = {
    locateFile: (path) => new URL(path, base).href,
    print: (s) => console.log(s),
    printErr: (s) => console.warn(s),
  };
  if (options.wasmBinary) {
    moduleArgs.wasmBinary = options.wasmBinary;
  } else if (IS_NODE) {
    // Emscripten 3.1.6's ES-module output cannot read files under Node: hand it the bytes.
    const { readFile } = await import('node:fs/promises');
    moduleArgs.wasmBinary = await readFile(wasmUrl);
  }
  const { default: factory } = await import(jsUrl.href);
  const M = await factory(moduleArgs);
  return makeApi(M, flavour, simd, options.leakWarnings ?? true);
}

function makeApi(M, flavour, simd, leakWarnings) {
  // ---- raw memory helpers (views are re-read after every call: memory may grow) ----------------
  const u8 = () => M.HEAPU8;
  const u32 = () => M.HEAPU32;
  const f32 = () => M.HEAPF32;
  const str = (ptr) => (ptr ? M.UTF8ToString(ptr) : '');

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
  function cString(s) {
    const n = M.lengthBytesUTF8(s) + 1;
    const p = malloc(n);
    M.stringToUTF8(s, p, n);
    return p;
  }
  function copyIn(ptr, typed) {
    u8().set(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength), ptr);
  }

  const globalError = (status) => new BnnError(str(M._bnn_last_errmsg()) || statusString(status), status);
  const statusString = (s) => str(M._bnn_status_string(s));

  function checkGlobal(status) {
    if (status !== Status.OK) throw globalError(status);
  }

  // ---- leak detection --------------------------------------------------------------------------
  const registry =
    typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry((held) => {
          if (leakWarnings) {
            console.warn(`libbnn: a Model (${held.what}) was garbage-collected without free(); ` +
                         'call model.free() when done with it');
          }
          M._bnn_model_free(held.ptr);
        })
      : null;

  function asFloat32(x, what) {
    if (x instanceof Float32Array) return x;
    if (Array.isArray(x) || ArrayBuffer.isView(x)) return Float32Array.from(x);
    throw new BnnError(`${what} must be a Float32Array`);
  }
  function asInt32(y, what) {
    if (y instanceof Int32Array) return y;
    if (Array.isArray(y) || ArrayBuffer.isView(y)) {
      const out = Int32Array.from(y);
      for (let i = 0; i < y.length; ++i) {
        if (out[i] !== Number(y[i])) throw new BnnError(`${what}[${i}] = ${y[i]} is not a 32-bit integer`);
      }
      return out;
    }
    throw new BnnError(`${what} must be an Int32Array`);
  }

  class Model {
    #ptr = 0;
    #token = {};

    /** @private Use Model.fromJSON or Model.load. */
    constructor(ptr, what) {
      if (!ptr) throw new BnnError('Model: use Model.fromJSON() or Model.load()', Status.INVALID_STATE);
      this.#ptr = ptr;
      registry?.register(this, { ptr, what }, this.#token);
    }

    /** Builds a model from a JSON model document (object or string). */
    static fromJSON(doc) {
      const json = typeof doc === 'string' ? doc : JSON.stringify(doc);
      if (json === undefined) throw new BnnError('fromJSON: expected a model document');
      return withHeap([4], (out) => {
        const js = cString(json);
        try {
          checkGlobal(M._bnn_model_create_from_json(js, out));
        } finally {
          M._free(js);
        }
        return new Model(u32()[out >> 2], 'fromJSON');
      });
    }

    /** Loads a model saved with save() (or natively with bnn_model_save: same bytes). */
    static load(bytes) {
      if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
      if (!ArrayBuffer.isView(bytes)) throw new BnnError('load: expected a Uint8Array');
      const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return withHeap([view.length, 4], (buf, out) => {
        copyIn(buf, view);
        checkGlobal(M._bnn_model_load_buffer(buf, view.length, out));
        return new Model(u32()[out >> 2], 'load');
      });
    }

    get #p() {
      if (!this.#ptr) throw new BnnError('the model was freed', Status.INVALID_STATE);
      return this.#ptr;
    }
    #check(status) {
      if (status !== Status.OK) {
        throw new BnnError(str(M._bnn_model_errmsg(this.#ptr)) || statusString(status), status);
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

    /** Whether free() was called. */
    get freed() { return this.#ptr === 0; }
    get inputSize() { return M._bnn_model_input_size(this.#p); }
    get outputSize() { return M._bnn_model_output_size(this.#p); }
    /** Optimisation steps taken so far. */
    get stepCount() {
      return withHeap([8], (out) => {
        this.#check(M._bnn_model_step_count(this.#p, out));
        return u32()[out >> 2] + u32()[(out >> 2) + 1] * 4294967296;
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
        this.#check(M._bnn_model_train_step(this.#p, px, py, batch, ploss));
        return f32()[ploss >> 2];
      });
    }

    /** Mean loss and accuracy in inference mode; the model is not changed. */
    evaluate(x, labels) {
      x = asFloat32(x, 'x');
      labels = asInt32(labels, 'labels');
      const n = this.#batchWithLabels(x, labels, 'evaluate');
      return withHeap([x.byteLength, labels.byteLength, 4, 4], (px, py, ploss, pacc) => {
        copyIn(px, x);
        copyIn(py, labels);
        this.#check(M._bnn_model_evaluate(this.#p, px, py, n, ploss, pacc));
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
        this.#check(M._bnn_model_predict(this.#p, px, batch, plog, cap));
        return f32().slice(plog >> 2, (plog >> 2) + cap);
      });
    }

    /** Predicted class of each sample (argmax of the logits). */
    classify(x) {
      const logits = this.predict(x);
      const k = this.outputSize;
      const out = new Int32Array(logits.length / k);
      for (let i = 0; i < out.length; ++i) {
        let best = 0;
        for (let j = 1; j < k; ++j) if (logits[i * k + j] > logits[i * k + best]) best = j;
        out[i] = best;
      }
      return out;
    }

    /** The whole training state as bytes (the native .bnn format). */
    save() {
      return withHeap([4], (psize) => {
        this.#check(M._bnn_model_save_buffer(this.#p, 0, 0, psize));
        const size = u32()[psize >> 2];
        return withHeap([size], (buf) => {
          this.#check(M._bnn_model_save_buffer(this.#p, buf, size, psize));
          return u8().slice(buf, buf + u32()[psize >> 2]);
        });
      });
    }

    /** Changes the recipe between steps with a partial document (object or JSON string). */
    configure(patch) {
      const json = typeof patch === 'string' ? patch : JSON.stringify(patch);
      const js = cString(json);
      try {
        this.#check(M._bnn_model_configure(this.#p, js));
      } finally {
        M._free(js);
      }
    }

    /** Fraction of binary weights whose sign changed in the last step (whole model). */
    flipRatio() {
      return withHeap([4], (out) => {
        this.#check(M._bnn_model_flip_ratio(this.#p, out));
        return f32()[out >> 2];
      });
    }
    /** The same for layer i of the document's "layers" (0 for layers without a binary kernel). */
    layerFlipRatio(i) {
      return withHeap([4], (out) => {
        this.#check(M._bnn_model_layer_flip_ratio(this.#p, i >>> 0, out));
        return f32()[out >> 2];
      });
    }

    #stringOut(fn) {
      return withHeap([4], (psize) => {
        this.#check(fn(0, 0, psize));
        const size = u32()[psize >> 2];
        return withHeap([size], (buf) => {
          this.#check(fn(buf, size, psize));
          return str(buf);
        });
      });
    }
    /** The current model document, including changes made by configure(). */
    config() {
      return JSON.parse(this.#stringOut((b, c, s) => M._bnn_model_config_json(this.#p, b, c, s)));
    }
    /** A human-readable table of the layers. */
    summary() {
      return this.#stringOut((b, c, s) => M._bnn_model_summary(this.#p, b, c, s));
    }

    /** Names and sizes of the parameter tensors, in index order. */
    tensors() {
      const count = M._bnn_model_tensor_count(this.#p);
      const list = [];
      withHeap([4, 4], (pname, pnumel) => {
        for (let i = 0; i < count; ++i) {
          this.#check(M._bnn_model_tensor_info(this.#p, i, pname, pnumel));
          list.push({ index: i, name: str(u32()[pname >> 2]), numel: u32()[pnumel >> 2] });
        }
      });
      return list;
    }
    #tensorIndex(which) {
      if (typeof which === 'number') return which;
      const js = cString(String(which));
      try {
        return withHeap([4], (out) => {
          this.#check(M._bnn_model_tensor_index(this.#p, js, out));
          return u32()[out >> 2];
        });
      } finally {
        M._free(js);
      }
    }
    /** A copy of a tensor, by index or name ("layers.0.kernel"). */
    getTensor(which) {
      const index = this.#tensorIndex(which);
      const numel = withHeap([4, 4], (pname, pnumel) => {
        this.#check(M._bnn_model_tensor_info(this.#p, index, pname, pnumel));
        return u32()[pnumel >> 2];
      });
      return withHeap([numel * 4], (buf) => {
        this.#check(M._bnn_model_get_tensor(this.#p, index, buf, numel));
        return f32().slice(buf >> 2, (buf >> 2) + numel);
      });
    }
    /** Overwrites a tensor, by index or name; values.length must equal its size. */
    setTensor(which, values) {
      const index = this.#tensorIndex(which);
      values = asFloat32(values, 'values');
      withHeap([values.byteLength], (buf) => {
        copyIn(buf, values);
        this.#check(M._bnn_model_set_tensor(this.#p, index, buf, values.length));
      });
    }

    /** Releases the model; further calls throw. Calling free() twice is harmless. */
    free() {
      if (!this.#ptr) return;
      registry?.unregister(this.#token);
      M._bnn_model_free(this.#ptr);
      this.#ptr = 0;
    }
  }

  const api = {
    /** Library version "MAJOR.MINOR.PATCH". */
    version: str(M._bnn_version_string()),
    versionNumber: M._bnn_version_number() >>> 0,
    /** Which build was loaded: "simd" or "scalar". */
    flavour,
    /** Whether this engine can run the SIMD128 build. */
    simdSupported: simd,
    /** The kernel path in use (bnn_get_isa): "wasm_simd128" or "scalar". */
    get isa() { return str(M._bnn_get_isa()); },
    /** Forces a kernel path (as bnn_set_isa); "auto" restores the best one. */
    setIsa(name) {
      const js = cString(String(name));
      try {
        checkGlobal(M._bnn_set_isa(js));
      } finally {
        M._free(js);
      }
    },
    isaSupported(name) {
      const js = cString(String(name));
      try {
        return M._bnn_isa_supported(js) === 1;
      } finally {
        M._free(js);
      }
    },
    statusName: (s) => str(M._bnn_status_name(s)),
    statusString,
    Status,
    BnnError,
    Model,
    /** The raw Emscripten module (the _bnn_* C functions, HEAP views, _malloc/_free). */
    module: M,
  };
  return api;
}
