// TypeScript declarations for bnn.mjs, the JavaScript API of libbnn's WebAssembly build.

/** Status codes of include/bnn/bnn_status.h. */
export declare const Status: Readonly<{
  OK: 0; INVALID_ARGUMENT: 1; OUT_OF_RANGE: 2; SHAPE_MISMATCH: 3; INVALID_STATE: 4;
  UNSUPPORTED: 5; UNSUPPORTED_HARDWARE: 6; OUT_OF_MEMORY: 7; IO: 8; CORRUPT_DATA: 9;
  NUMERIC: 10; INTERNAL: 11; BUFFER_TOO_SMALL: 12;
}>;
export type StatusName = keyof typeof Status;

/** Thrown by every failing call; `message` is the library's own message (it names the JSON path). */
export declare class BnnError extends Error {
  constructor(message: string, status?: number);
  readonly name: 'BnnError';
  /** Numeric bnn_status. */
  readonly status: number;
  /** Symbolic status, e.g. "OUT_OF_RANGE", "NUMERIC", "SHAPE_MISMATCH". */
  readonly code: StatusName | 'UNKNOWN';
}

/** Whether this engine validates WebAssembly SIMD128 code. */
export declare function simdSupported(): boolean;

export type Flavour = 'simd' | 'scalar';
export interface CreateOptions {
  /** Which build to load; 'auto' (default) picks SIMD128 when the engine supports it. */
  flavour?: 'auto' | Flavour;
  /** Folder (URL) holding bnn-simd.* and bnn-scalar.*; default: next to bnn.mjs. */
  baseUrl?: string | URL;
  /** The .wasm bytes, if the caller already has them. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Warn on the console when a Model is garbage-collected without free() (default true). */
  leakWarnings?: boolean;
}

/** A model document (CONTRACT.md / docs/SCHEMA.md); kept loose on purpose. */
export type ModelDocument = Record<string, unknown>;
/** Training-phase keys for configure(): kernel_ste, input_ste, weight_clip, learning_rate,
 *  batch_norm_momentum, lr_scale, optimizer, quantize. */
export type ConfigurePatch = Record<string, unknown>;

export interface TensorInfo { index: number; name: string; numel: number; }

export declare class Model {
  private constructor();
  /** Builds a model, its optimiser and recipe from a JSON document (object or string). */
  static fromJSON(doc: ModelDocument | string): Model;
  /** Loads bytes written by save() or natively by bnn_model_save (the same format). */
  static load(bytes: Uint8Array | ArrayBuffer): Model;

  /** Floats per sample. */
  readonly inputSize: number;
  /** Number of classes. */
  readonly outputSize: number;
  /** Optimisation steps taken so far (persisted by save/load). */
  readonly stepCount: number;
  /** Whether free() was called. */
  readonly freed: boolean;

  /** One optimisation step; x holds labels.length * inputSize floats. Returns the mean loss. */
  trainStep(x: Float32Array, labels: Int32Array): number;
  /** Mean loss and accuracy in inference mode; the model is not changed. */
  evaluate(x: Float32Array, labels: Int32Array): { loss: number; accuracy: number };
  /** Logits, (x.length / inputSize) * outputSize floats, row-major. */
  predict(x: Float32Array): Float32Array;
  /** Argmax of predict() per sample. */
  classify(x: Float32Array): Int32Array;
  /** The whole training state (.bnn bytes). */
  save(): Uint8Array;
  /** Changes the recipe between steps, keeping all state. */
  configure(patch: ConfigurePatch | string): void;
  /** Fraction of binary weights whose sign changed in the last step. */
  flipRatio(): number;
  /** The same for one layer (index into the document's "layers"). */
  layerFlipRatio(layer: number): number;
  /** The current document, with every configure() change. */
  config(): ModelDocument;
  /** Human-readable table of the layers. */
  summary(): string;
  /** Parameter tensors in index order ("layers.0.kernel", "layers.1.gamma", ...). */
  tensors(): TensorInfo[];
  /** A copy of a tensor, by index or name. Dense kernels are [in][out] row-major. */
  getTensor(which: number | string): Float32Array;
  /** Overwrites a tensor; values.length must equal its size. */
  setTensor(which: number | string, values: Float32Array): void;
  /** Releases the wasm memory; the model is unusable afterwards. Idempotent. */
  free(): void;
}

export interface Bnn {
  /** "MAJOR.MINOR.PATCH". */
  readonly version: string;
  readonly versionNumber: number;
  /** Which build was loaded. */
  readonly flavour: Flavour;
  /** Whether the engine supports SIMD128 (the SIMD build could be loaded). */
  readonly simdSupported: boolean;
  /** Kernel path in use (bnn_get_isa), e.g. "wasm_simd128" or "scalar". */
  readonly isa: string;
  /** Forces a kernel path; "auto" restores the best. Throws UNSUPPORTED_HARDWARE / INVALID_ARGUMENT. */
  setIsa(name: string): void;
  isaSupported(name: string): boolean;
  statusName(status: number): string;
  statusString(status: number): string;
  readonly Status: typeof Status;
  readonly BnnError: typeof BnnError;
  readonly Model: typeof Model;
  /** The raw Emscripten module: _bnn_* functions, _malloc/_free, HEAP views. */
  readonly module: any;
}

/** Loads the wasm module (SIMD128 build when supported) and returns the API. */
export default function createBnn(options?: CreateOptions): Promise<Bnn>;
