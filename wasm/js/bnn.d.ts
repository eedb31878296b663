// TypeScript declarations for bnn.mjs, the JavaScript API of libbnn's WebAssembly build.
// They declare exactly what the module exports: the default createBnn, simdSupported, threadSupport, the
// constant tables (Status, Param, Ste, WeightClip, LrScale), BnnError and NOT_WRAPPED. The classes
// (Model, Dataset, Trainer, Infer) are reached through the object createBnn resolves to
// (bnn.Model, ...), so they are declared as types here: `import type { Model } from 'libbnn'`.

/** Status codes of include/bnn/bnn_status.h. */
export declare const Status: Readonly<{
  OK: 0; INVALID_ARGUMENT: 1; OUT_OF_RANGE: 2; SHAPE_MISMATCH: 3; INVALID_STATE: 4;
  UNSUPPORTED: 5; UNSUPPORTED_HARDWARE: 6; OUT_OF_MEMORY: 7; IO: 8; CORRUPT_DATA: 9;
  NUMERIC: 10; INTERNAL: 11; BUFFER_TOO_SMALL: 12; CANCELLED: 13;
}>;
export type StatusName = keyof typeof Status;

/** Typed parameter ids (enum bnn_param). */
export declare const Param: Readonly<{
  LEARNING_RATE: 100; MOMENTUM: 101; BETA1: 102; BETA2: 103; EPSILON: 104; RHO: 105;
  WEIGHT_DECAY: 106; BOP_THRESHOLD: 107; BOP_GAMMA: 108;
  KERNEL_STE: 200; INPUT_STE: 201; STE_CLIP: 202; STE_BETA: 203; QUANTIZE: 204;
  WEIGHT_CLIP_MODE: 300; WEIGHT_CLIP_VALUE: 301; LR_SCALE: 302;
  BATCH_NORM_MOMENTUM: 400;
}>;
/** Values of kernel_ste / input_ste (enum bnn_ste). */
export declare const Ste: Readonly<{ IDENTITY: 0; CLIPPED: 1; APPROX_SIGN: 2; SWISH_SIGN: 3 }>;
/** Values of weight_clip_mode (enum bnn_weight_clip). */
export declare const WeightClip: Readonly<{ NONE: 0; FIXED: 1; GLOROT: 2 }>;
/** Values of lr_scale (enum bnn_lr_scale). */
export declare const LrScale: Readonly<{ NONE: 0; GLOROT: 1 }>;

/** A parameter by id or by its JSON-style name ("learning_rate", "kernel_ste", ...). */
export type ParamKey = number | string;
export interface ParamInfo {
  id: number;
  name: string;
  type: 'f32' | 'i32';
  lo: number;
  hi: number;
  /** Names of the enum values of an integer parameter ("identity", "clipped", ...). */
  values?: string[];
}

/** Header functions that JavaScript does not wrap (file paths, multi-process), and why. */
export declare const NOT_WRAPPED: Readonly<Record<string, string>>;

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

/** Whether this environment can run the threaded build ('simd-mt'), and if not, why. */
export interface ThreadSupport { supported: boolean; reason: string; }
/**
 * Whether the threaded build can run: in a browser, a cross-origin isolated page or worker (headers
 * Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp) with SIMD128;
 * in Node, SharedArrayBuffer.
 */
export declare function threadSupport(): ThreadSupport;

/** 'simd-mt': SIMD128 with the kernels' thread pool on Workers (SharedArrayBuffer). */
export type Flavour = 'simd-mt' | 'simd' | 'scalar';
export interface CreateOptions {
  /**
   * Which build to load; 'auto' (default) picks 'simd-mt' when threadSupport() allows it and more
   * than one thread is wanted, else 'simd' when the engine supports SIMD128, else 'scalar'.
   */
  flavour?: 'auto' | Flavour;
  /**
   * Threads of the threaded build (1..64; default the engine's hardwareConcurrency, at most 8): its
   * Workers start with the module, so this is also the most setNumThreads allows. The
   * single-thread builds take only 1.
   */
  threads?: number;
  /** Folder (URL) holding the bnn-*.wasm files (and bnn-simd-mt.worker.js, bnn-simd-mt.mjs); default: next to bnn.mjs. */
  baseUrl?: string | URL;
  /** The .wasm bytes, if the caller already has them. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Warn on the console when an object is garbage-collected without free() (default true). */
  leakWarnings?: boolean;
}

/** A model document (CONTRACT.md / docs/SCHEMA.md); kept loose on purpose. */
export type ModelDocument = Record<string, unknown>;
/** Training-phase keys for configure(): kernel_ste, input_ste, weight_clip, learning_rate,
 *  batch_norm_momentum, lr_scale, optimizer, quantize. */
export type ConfigurePatch = Record<string, unknown>;
/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface TensorInfo { index: number; name: string; numel: number; }
export type Float32Like = Float32Array | ArrayLike<number>;
export type Int32Like = Int32Array | ArrayLike<number>;

/** Something that releases wasm memory. */
export interface Freeable {
  /** Whether free() was called. */
  readonly freed: boolean;
  /** Releases the wasm memory; the object is unusable afterwards. Idempotent. */
  free(): void;
}

export interface Model extends Freeable {
  /** Floats per sample. */
  readonly inputSize: number;
  /** Number of classes. */
  readonly outputSize: number;
  /** Optimisation steps taken so far (persisted by save/load). */
  readonly stepCount: number;
  /** Accuracy of the last trainStep on its own batch (training-mode forward, before the update). */
  readonly lastStepAccuracy: number;
  /** Free-form JSON that travels with the model (document and checkpoints); null when unset. */
  metadata: Json;

  /** One optimisation step; x holds labels.length * inputSize floats. Returns the mean loss. */
  trainStep(x: Float32Like, labels: Int32Like): number;
  /** Mean loss and accuracy in inference mode; the model is not changed. */
  evaluate(x: Float32Like, labels: Int32Like): { loss: number; accuracy: number };
  evaluate(data: Dataset): { loss: number; accuracy: number };
  /** Logits, (x.length / inputSize) * outputSize floats, row-major. */
  predict(x: Float32Like): Float32Array;
  /** Argmax of predict() per sample. */
  classify(x: Float32Like): Int32Array;
  /** The whole training state (.bnn bytes). */
  save(): Uint8Array;
  /** A deployment file: ONNX (runs in ONNX Runtime) or bnn-infer (Infer.load). */
  export(format: 'onnx' | 'bnn-infer'): Uint8Array;
  /** Changes the recipe between steps, keeping all state. */
  configure(patch: ConfigurePatch | string): void;
  /** Sets a typed parameter; integer ones take their enum value or its name ('clipped'), quantize a boolean. */
  setParam(param: ParamKey, value: number | string | boolean): void;
  /** A typed parameter's value (integer parameters: the enum value). */
  getParam(param: ParamKey): number;
  /** The bounds setParam enforces for this model now (its optimiser's); bnn.paramBounds is the widest. */
  paramBounds(param: ParamKey): { lo: number; hi: number };
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
  setTensor(which: number | string, values: Float32Like): void;
}
export interface ModelConstructor {
  /** Builds a model, its optimiser and recipe from a JSON document (object or string). */
  fromJSON(doc: ModelDocument | string): Model;
  /** Loads bytes written by save() or natively by bnn_model_save (the same format). */
  load(bytes: Uint8Array | ArrayBuffer): Model;
  readonly prototype: Model;
}

/** Samples owned by the library (copied once, shareable by several trainers). */
export interface Dataset extends Freeable {
  readonly count: number;
  readonly sampleSize: number;
  /** 1 + the largest label. */
  readonly numClasses: number;
  /** Copies samples [first, first + count) out. */
  get(first?: number, count?: number): { x: Float32Array; labels: Int32Array };
  /** Samples [first, first + count) as a new Dataset. */
  slice(first: number, count: number): Dataset;
}
export interface DatasetConstructor {
  /** Copies labels.length samples of sampleSize floats (default x.length / labels.length). */
  create(x: Float32Like, labels: Int32Like, sampleSize?: number): Dataset;
  readonly prototype: Dataset;
}

/** Samples for Trainer.create: a Dataset or arrays. */
export type TrainerData = Dataset | { x: Float32Like; labels: Int32Like };

/** One epoch's metrics: the keys of a metrics.jsonl line (docs/SCHEMA.md). */
export interface EpochRecord {
  epoch: number;
  lr: number;
  train_loss: number;
  train_accuracy: number;
  val_accuracy: number;
  test_accuracy: number | null;
  flip_ratio: number;
  seconds: number;
  [key: string]: unknown;
}
export interface RunEpochOptions {
  /** Stop after this many steps (runEpoch then returns null; the next call continues the epoch). */
  maxSteps?: number;
  /** Stop once this many milliseconds have passed (checked after every step). */
  maxMillis?: number;
}
/** Called after every step; return true to cancel runEpoch (which then returns null). */
export type StepCallback = (step: number, epoch: number, loss: number) => boolean | void;

/** The core trainer: runs the model document's "training" recipe. */
export interface Trainer extends Freeable {
  /** The rest of the current epoch; its record, or null when stopped early (options, onStep). */
  runEpoch(options?: RunEpochOptions): EpochRecord | null;
  /** Whether every epoch ran. */
  readonly done: boolean;
  /** epoch is 0-based (= epochs when done). */
  readonly position: { epoch: number; stepInEpoch: number; stepsPerEpoch: number };
  /** Position, best epoch and the history of records. */
  state(): Record<string, unknown>;
  /** A new Model holding the best-validation binarised epoch so far; free it when done. */
  bestModel(): Model;
  /** Installs (or with null removes) the step callback. */
  onStep(fn: StepCallback | null): void;
  /** The model being trained (borrowed). */
  readonly model: Model;
}
export interface TrainerConstructor {
  /** validation null: training.validation_split of train is held out. test may be null. */
  create(model: Model, train: TrainerData, validation?: TrainerData | null, test?: TrainerData | null): Trainer;
  readonly prototype: Trainer;
}

/** Inference on a 'bnn-infer' file (bit-packed weights, batch norm folded). */
export interface Infer extends Freeable {
  readonly inputSize: number;
  readonly outputSize: number;
  predict(x: Float32Like): Float32Array;
  classify(x: Float32Like): Int32Array;
}
export interface InferConstructor {
  load(bytes: Uint8Array | ArrayBuffer): Infer;
  readonly prototype: Infer;
}

export interface Bnn {
  /** "MAJOR.MINOR.PATCH". */
  readonly version: string;
  readonly versionNumber: number;
  /** Which build was loaded. */
  readonly flavour: Flavour;
  /**
   * Whether this environment can run the threaded build, and if not, why (also when its Workers
   * did not start, e.g. bnn-simd-mt.worker.js missing: then 'auto' loaded 'simd').
   */
  readonly threadSupport: ThreadSupport;
  /** Whether the engine supports SIMD128 (the SIMD build could be loaded). */
  readonly simdSupported: boolean;
  /** Kernel path in use (bnn_get_isa), e.g. "wasm_simd128" or "scalar". */
  readonly isa: string;
  /** Forces a kernel path; "auto" restores the best. Throws UNSUPPORTED_HARDWARE / INVALID_ARGUMENT. */
  setIsa(name: string): void;
  isaSupported(name: string): boolean;
  /** Threads the kernels run on now (always 1 in the single-thread builds). */
  readonly threads: number;
  /** The same as threads (the name of the first releases). */
  readonly numThreads: number;
  /** The most threads setNumThreads accepts (the threads the module was loaded with; 1 in the single-thread builds). */
  readonly maxThreads: number;
  /** 1..maxThreads, 0 = maxThreads; OUT_OF_RANGE beyond. Results do not depend on it. */
  setNumThreads(n: number): void;
  /** Whether the loaded build defines a C function, e.g. "bnn_model_export_buffer". */
  hasFunction(name: string): boolean;
  /** Whether the core reads gzip'd IDX itself (false in wasm). */
  readonly gzipSupported: boolean;
  statusName(status: number): string;
  statusString(status: number): string;
  paramName(param: ParamKey): string;
  /** The widest bounds of a parameter over every optimiser (Model.paramBounds: one model's). */
  paramBounds(param: ParamKey): { lo: number; hi: number };
  params(): ParamInfo[];
  readonly Status: typeof Status;
  readonly Param: typeof Param;
  readonly Ste: typeof Ste;
  readonly WeightClip: typeof WeightClip;
  readonly LrScale: typeof LrScale;
  readonly BnnError: typeof BnnError;
  readonly Model: ModelConstructor;
  readonly Dataset: DatasetConstructor;
  readonly Trainer: TrainerConstructor;
  readonly Infer: InferConstructor;
  /** The raw Emscripten module: _bnn_* functions, _malloc/_free, HEAP views. */
  readonly module: any;
}

/** Loads the wasm module (threaded or single-thread SIMD128 build when supported) and returns the API. */
export default function createBnn(options?: CreateOptions): Promise<Bnn>;
