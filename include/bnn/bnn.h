/*
 * libbnn -- train binary neural networks anywhere.
 *
 * This header is the whole public interface (a plain C ABI; C99 and C++ compatible). Every
 * function is thread-safe with respect to *different* models; calls on the same model must not
 * overlap (the library does not lock a model). Every function that can fail returns a bnn_status;
 * a detailed message is then available from bnn_model_errmsg() (failures on a model) or
 * bnn_last_errmsg() (failures before a model exists, thread-local). No function aborts, throws
 * or asserts across this boundary: misuse is reported as a status.
 *
 * Ownership: the library never takes ownership of caller memory. Strings returned as
 * `const char*` are owned by the library; how long they live is written on each function.
 * Output buffers are passed with their capacity; when too small the function fails with
 * BNN_STATUS_BUFFER_TOO_SMALL and writes the size needed through *size_out where there is one.
 *
 * All entry points exist since 0.1.0 unless stated otherwise.
 */
#ifndef BNN_BNN_H
#define BNN_BNN_H

#include <stddef.h>
#include <stdint.h>

#include "bnn_status.h"

#define BNN_VERSION_MAJOR 0
#define BNN_VERSION_MINOR 3
#define BNN_VERSION_PATCH 4
#define BNN_STRINGIFY2_(x) #x
#define BNN_STRINGIFY_(x) BNN_STRINGIFY2_(x)
#define BNN_VERSION_STRING                                                      \
  BNN_STRINGIFY_(BNN_VERSION_MAJOR) "." BNN_STRINGIFY_(BNN_VERSION_MINOR) "." \
      BNN_STRINGIFY_(BNN_VERSION_PATCH)

#if defined(_WIN32) && defined(BNN_SHARED_BUILD)
#define BNN_API __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define BNN_API __attribute__((visibility("default")))
#else
#define BNN_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Status codes (values pinned; see bnn_status.h for the list).
 * ------------------------------------------------------------------------------------------- */
typedef enum bnn_status {
#define BNN_STATUS_ENUM_(name, value, msg) BNN_STATUS_##name = value,
  BNN_STATUS_LIST(BNN_STATUS_ENUM_)
#undef BNN_STATUS_ENUM_
  BNN_STATUS_COUNT_, /* not a status: one past the last value */
  /* Not statuses: they make the enum span every int32 value, so that any int a C caller passes
     is a valid value of the type in C++ too. */
  BNN_STATUS_MIN_INT32_ = -2147483647 - 1,
  BNN_STATUS_MAX_INT32_ = 2147483647
} bnn_status;

/* Opaque model handle: layers, latent weights, optimiser state, training recipe. */
typedef struct bnn_model bnn_model;

/* ---------------------------------------------------------------------------------------------
 * Versions, statuses, messages
 * ------------------------------------------------------------------------------------------- */

/* "MAJOR.MINOR.PATCH", static storage. */
BNN_API const char* bnn_version_string(void);
/* major*10000 + minor*100 + patch. Same major = ABI compatible. */
BNN_API uint32_t bnn_version_number(void);
/* A short static description of s; never NULL (unknown values give "unknown status"). */
BNN_API const char* bnn_status_string(bnn_status s);
/* The symbolic name of s without prefix ("OUT_OF_RANGE"), static; "UNKNOWN" for unknown values. */
BNN_API const char* bnn_status_name(bnn_status s);
/* The message of the last failure on this thread that happened without a model handle (create,
   load, set_isa, ...). Thread-local; valid until the next failing call on this thread. Never NULL
   ("" when there was none). */
BNN_API const char* bnn_last_errmsg(void);

/* ---------------------------------------------------------------------------------------------
 * Model lifecycle
 * ------------------------------------------------------------------------------------------- */

/* Builds a model, its optimiser and its training recipe from a JSON document (schema in
   docs/SCHEMA.md). On success *out owns a new model (free with bnn_model_free). On failure *out
   is NULL and bnn_last_errmsg() names the JSON path that was wrong.
   Returns OK, INVALID_ARGUMENT (NULL, syntax, unknown key, wrong type, unknown enum string),
   OUT_OF_RANGE (a value outside its bounds), SHAPE_MISMATCH (layers that do not fit),
   UNSUPPORTED, OUT_OF_MEMORY. */
BNN_API bnn_status bnn_model_create_from_json(const char* json, bnn_model** out);
/* Releases a model and everything it owns. NULL is a no-op. */
BNN_API void bnn_model_free(bnn_model* m);
/* Message of the last failure on m; owned by m, valid until the next call on m. Never NULL. */
BNN_API const char* bnn_model_errmsg(const bnn_model* m);

/* Floats per input sample, and number of classes (0 when m is NULL). */
BNN_API size_t bnn_model_input_size(const bnn_model* m);
BNN_API size_t bnn_model_output_size(const bnn_model* m);

/* The model's current document (architecture, optimiser, recipe, including every change made
   by bnn_model_configure or the setters) as JSON. Call with buf NULL to learn the size needed
   (including the terminating NUL) in *size_out. Returns OK, INVALID_ARGUMENT, BUFFER_TOO_SMALL. */
BNN_API bnn_status bnn_model_config_json(const bnn_model* m, char* buf, size_t capacity,
                                         size_t* size_out);

/* A human-readable table of the layers (type, output shape, float and binary parameter counts,
   memory as float32 and as packed bits). Same buffer convention as bnn_model_config_json. */
BNN_API bnn_status bnn_model_summary(const bnn_model* m, char* buf, size_t capacity,
                                     size_t* size_out);

/* Free-form JSON that travels with the model in its document and its checkpoints (e.g. a
   training program's progress, so that one atomic file holds model and progress). json: any
   JSON value, at most 1 MiB. INVALID_ARGUMENT for bad JSON. Read it back with
   bnn_model_metadata (same buffer convention as bnn_model_config_json; "null" when unset). */
BNN_API bnn_status bnn_model_set_metadata(bnn_model* m, const char* json);
BNN_API bnn_status bnn_model_metadata(const bnn_model* m, char* buf, size_t capacity,
                                      size_t* size_out);

/* ---------------------------------------------------------------------------------------------
 * Training and inference
 * ------------------------------------------------------------------------------------------- */

/* One optimisation step on a batch. x: batch*input_size floats, row-major; labels: batch class
   ids in [0, output_size). *loss_out (may be NULL) receives the batch's mean loss.
   Bad input (NULL, batch 0, label out of range, NaN/Inf in x) fails with INVALID_ARGUMENT,
   OUT_OF_RANGE or NUMERIC and leaves the model exactly as it was. A NaN/Inf that appears during
   the step (activations, gradients, updated weights) fails with NUMERIC, names the layer, and the
   model is left as it was before the step. */
BNN_API bnn_status bnn_model_train_step(bnn_model* m, const float* x, const int32_t* labels,
                                        size_t batch, float* loss_out);

/* Accuracy of the last successful train_step on its own batch (training-mode forward, before the
   update): what a training loop reports as train accuracy without a second forward pass. */
BNN_API bnn_status bnn_model_last_step_accuracy(const bnn_model* m, float* accuracy_out);

/* Inference with binarised weights (batch norm in inference mode). logits: capacity for
   batch*output_size floats. The model is not changed. */
BNN_API bnn_status bnn_model_predict(bnn_model* m, const float* x, size_t batch, float* logits,
                                     size_t logits_capacity);

/* Mean loss and accuracy over n samples in inference mode; the model is not changed. Either out
   pointer may be NULL. */
BNN_API bnn_status bnn_model_evaluate(bnn_model* m, const float* x, const int32_t* labels,
                                      size_t n, float* loss_out, float* accuracy_out);

/* Changes the recipe between two steps, keeping all state, with a partial JSON document of
   training-phase keys: "kernel_ste", "input_ste" (STE name or {"type":..,"clip":..,"beta":..}),
   "weight_clip" ({"mode":..,"value":..}), "learning_rate",
   "batch_norm_momentum", "lr_scale", "optimizer" (a new optimiser object; its state restarts),
   "quantize" (false = every quantizer off: full-precision training).
   Invalid patch: INVALID_ARGUMENT/OUT_OF_RANGE naming the key, and nothing changes. */
BNN_API bnn_status bnn_model_configure(bnn_model* m, const char* json_patch);

/* Fraction of binary weights whose sign changed in the last train_step (0 before any step). */
BNN_API bnn_status bnn_model_flip_ratio(const bnn_model* m, float* ratio_out);
/* The same for one layer (index into the document's "layers"); layers without a binary kernel
   report 0. OUT_OF_RANGE for a bad index. Since 0.1.0. */
BNN_API bnn_status bnn_model_layer_flip_ratio(const bnn_model* m, size_t layer, float* ratio_out);

/* Number of optimisation steps taken (persisted by save/load). */
BNN_API bnn_status bnn_model_step_count(const bnn_model* m, uint64_t* steps_out);

/* ---------------------------------------------------------------------------------------------
 * Parameter tensors
 * Names are stable: "layers.<i>.kernel", "layers.<i>.bias", "layers.<i>.gamma", "layers.<i>.beta",
 * "layers.<i>.running_mean", "layers.<i>.running_var". Dense kernels are [in][out] row-major;
 * conv kernels [kh][kw][in][out]. The name pointer is owned by m and lives as long as m.
 * ------------------------------------------------------------------------------------------- */
BNN_API size_t bnn_model_tensor_count(const bnn_model* m);
BNN_API bnn_status bnn_model_tensor_info(const bnn_model* m, size_t index, const char** name,
                                         size_t* numel);
/* Index of the tensor called name; OUT_OF_RANGE when there is none. */
BNN_API bnn_status bnn_model_tensor_index(const bnn_model* m, const char* name, size_t* index_out);
BNN_API bnn_status bnn_model_get_tensor(const bnn_model* m, size_t index, float* out,
                                        size_t capacity);
/* numel must equal the tensor's size (SHAPE_MISMATCH otherwise); NaN/Inf values are refused with
   NUMERIC and running variances must be >= 0. Optimiser state is kept. */
BNN_API bnn_status bnn_model_set_tensor(bnn_model* m, size_t index, const float* values,
                                        size_t numel);

/* ---------------------------------------------------------------------------------------------
 * Typed parameters (the same validated setters that the JSON document and configure use).
 * Values stay set until changed. Out of bounds: OUT_OF_RANGE and nothing changes. A parameter
 * that the current optimiser does not have: UNSUPPORTED.
 * ------------------------------------------------------------------------------------------- */
typedef enum bnn_param {
  /* optimiser: 100.. */
  BNN_PARAM_LEARNING_RATE = 100,
  BNN_PARAM_MOMENTUM = 101,      /* momentum, nesterov */
  BNN_PARAM_BETA1 = 102,         /* adam */
  BNN_PARAM_BETA2 = 103,         /* adam */
  BNN_PARAM_EPSILON = 104,       /* adagrad, adadelta, rmsprop, adam */
  BNN_PARAM_RHO = 105,           /* adadelta, rmsprop */
  BNN_PARAM_WEIGHT_DECAY = 106,
  BNN_PARAM_BOP_THRESHOLD = 107,
  BNN_PARAM_BOP_GAMMA = 108,
  /* quantizers / STE: 200.. (integer values are bnn_ste) */
  BNN_PARAM_KERNEL_STE = 200,
  BNN_PARAM_INPUT_STE = 201,
  BNN_PARAM_STE_CLIP = 202,      /* clip value of the clipped STE, every binary layer */
  BNN_PARAM_STE_BETA = 203,      /* beta of swish_sign */
  BNN_PARAM_QUANTIZE = 204,      /* 1 = quantizers on, 0 = full-precision training */
  /* clipping and scaling: 300.. */
  BNN_PARAM_WEIGHT_CLIP_MODE = 300, /* bnn_weight_clip */
  BNN_PARAM_WEIGHT_CLIP_VALUE = 301,
  BNN_PARAM_LR_SCALE = 302,         /* bnn_lr_scale */
  /* batch norm: 400.. */
  BNN_PARAM_BATCH_NORM_MOMENTUM = 400, /* every batch norm layer */
  /* Not parameters: any int32 is a value of the type (unknown ones are refused at run time). */
  BNN_PARAM_MIN_INT32_ = -2147483647 - 1,
  BNN_PARAM_MAX_INT32_ = 2147483647
} bnn_param;

typedef enum bnn_ste {
  BNN_STE_IDENTITY = 0,
  BNN_STE_CLIPPED = 1,
  BNN_STE_APPROX_SIGN = 2,
  BNN_STE_SWISH_SIGN = 3
} bnn_ste;

typedef enum bnn_weight_clip {
  BNN_WEIGHT_CLIP_NONE = 0,
  BNN_WEIGHT_CLIP_FIXED = 1,
  BNN_WEIGHT_CLIP_GLOROT = 2
} bnn_weight_clip;

typedef enum bnn_lr_scale { BNN_LR_SCALE_NONE = 0, BNN_LR_SCALE_GLOROT = 1 } bnn_lr_scale;

/* Bounds of p (inclusive). For an optimiser parameter these are the widest over every optimiser
   that has it (epsilon: [0, 1], AdaGrad's; Adam, RMSProp and AdaDelta need >= 1e-30): ask
   bnn_model_param_bounds for the bounds a given model's setter enforces. Returns OK or
   INVALID_ARGUMENT for an unknown p. */
BNN_API bnn_status bnn_param_bounds(bnn_param p, double* lo, double* hi);
/* The bounds bnn_model_set_param_* enforces for p on m now (its current optimiser's, for an
   optimiser parameter). UNSUPPORTED when the current optimiser has no such parameter.
   Since 0.2.0. */
BNN_API bnn_status bnn_model_param_bounds(const bnn_model* m, bnn_param p, double* lo, double* hi);
/* The JSON-style name of p ("learning_rate"); NULL for an unknown p. Static. */
BNN_API const char* bnn_param_name(bnn_param p);
BNN_API bnn_status bnn_model_set_param_f32(bnn_model* m, bnn_param p, float value);
/* The getters read only their own type: get_param_i32 of a float parameter (or f32 of an
   integer one: the STE kinds, quantize, weight_clip_mode, lr_scale) is INVALID_ARGUMENT. */
BNN_API bnn_status bnn_model_get_param_f32(const bnn_model* m, bnn_param p, float* value_out);
BNN_API bnn_status bnn_model_set_param_i32(bnn_model* m, bnn_param p, int32_t value);
BNN_API bnn_status bnn_model_get_param_i32(const bnn_model* m, bnn_param p, int32_t* value_out);

/* ---------------------------------------------------------------------------------------------
 * Save / load: the whole training state (document, latent weights, batch-norm statistics,
 * optimiser state, step counter, recipe) in one versioned little-endian format with a CRC-32,
 * so that training resumes bit-exactly. File writes are atomic (temporary file, then rename).
 * Truncated, corrupted or foreign data: CORRUPT_DATA; file system errors: IO.
 * ------------------------------------------------------------------------------------------- */
BNN_API bnn_status bnn_model_save(const bnn_model* m, const char* path);
BNN_API bnn_status bnn_model_load(const char* path, bnn_model** out);
/* Call with buf NULL to learn the size in *size_out. */
BNN_API bnn_status bnn_model_save_buffer(const bnn_model* m, uint8_t* buf, size_t capacity,
                                         size_t* size_out);
BNN_API bnn_status bnn_model_load_buffer(const uint8_t* buf, size_t size, bnn_model** out);

/* ---------------------------------------------------------------------------------------------
 * SIMD path and threads (process-wide).
 * ISA names: "scalar", "sse4.1", "avx2", "avx512", "neon", "wasm_simd128"; "auto" = best detected.
 * The environment variable BNN_FORCE_ISA has the effect of bnn_set_isa, read once at first use.
 * ------------------------------------------------------------------------------------------- */
/* Name of the ISA in use; static string. */
BNN_API const char* bnn_get_isa(void);
/* OK, INVALID_ARGUMENT (unknown name), UNSUPPORTED_HARDWARE (this CPU or build lacks it). */
BNN_API bnn_status bnn_set_isa(const char* name);
/* Whether this CPU/build can run the named ISA (1) or not (0). */
BNN_API int bnn_isa_supported(const char* name);
/* Threads of the kernels' pool (process-wide). The default is 1, so that a host program decides;
   0 = all cores (what the bnn tool uses). OUT_OF_RANGE for n < 0 or n > 256. Results do not
   depend on the thread count. */
BNN_API bnn_status bnn_set_num_threads(int n);
BNN_API int bnn_get_num_threads(void);


/* =============================================================================================
 * Additions of 0.2.0
 * ============================================================================================= */

/* ---------------------------------------------------------------------------------------------
 * Datasets: samples owned by the library. A dataset is read-only once made: several trainers
 * and threads may share one at the same time. Since 0.2.0.
 * ------------------------------------------------------------------------------------------- */
typedef struct bnn_dataset bnn_dataset;

/* Copies n samples: x holds n*sample_size floats, row-major; labels holds n class ids >= 0.
   INVALID_ARGUMENT (NULL, n or sample_size 0), OUT_OF_RANGE (negative label, sizes over 2^31
   samples or 2^26 floats per sample), NUMERIC (NaN/Inf in x, naming the sample), OUT_OF_MEMORY.
   On failure *out is NULL and bnn_last_errmsg() says why. */
BNN_API bnn_status bnn_dataset_create(const float* x, const int32_t* labels, size_t n,
                                      size_t sample_size, bnn_dataset** out);
/* Reads an IDX image file (any rank >= 1 of unsigned bytes: n samples of the remaining dims)
   and its IDX label file (rank 1, n unsigned bytes), gzip'd (when the library was built with
   zlib; see bnn_dataset_gzip_supported) or raw, MNIST layout; pixels are divided by 255.
   IO (cannot open/read), CORRUPT_DATA (bad magic, counts that disagree, a file shorter than its
   header says -- detected before the sample buffer is allocated), UNSUPPORTED (gzip without
   zlib). */
BNN_API bnn_status bnn_dataset_load_idx(const char* images_path, const char* labels_path,
                                        bnn_dataset** out);
/* 1 if bnn_dataset_load_idx reads gzip'd files in this build (native builds), else 0 (wasm). */
BNN_API int bnn_dataset_gzip_supported(void);
/* Number of samples, floats per sample, and 1 + the largest label (0 for NULL). */
BNN_API size_t bnn_dataset_count(const bnn_dataset* d);
BNN_API size_t bnn_dataset_sample_size(const bnn_dataset* d);
BNN_API size_t bnn_dataset_num_classes(const bnn_dataset* d);
/* Copies samples [first, first+count) out: x (may be NULL) gets count*sample_size floats,
   labels (may be NULL) count ids. Capacities are in elements. OUT_OF_RANGE past the end,
   BUFFER_TOO_SMALL for a short buffer. */
BNN_API bnn_status bnn_dataset_get(const bnn_dataset* d, size_t first, size_t count, float* x,
                                   size_t x_capacity, int32_t* labels, size_t labels_capacity);
/* Samples [first, first+count) as a new dataset (a copy). */
BNN_API bnn_status bnn_dataset_slice(const bnn_dataset* d, size_t first, size_t count,
                                     bnn_dataset** out);
BNN_API void bnn_dataset_free(bnn_dataset* d); /* NULL is a no-op */

/* Mean loss and accuracy of m on a whole dataset, in inference mode (bnn_model_evaluate over
   its samples). SHAPE_MISMATCH when the sample size differs from the model's input size. */
BNN_API bnn_status bnn_model_evaluate_dataset(bnn_model* m, const bnn_dataset* d,
                                              float* loss_out, float* accuracy_out);

/* ---------------------------------------------------------------------------------------------
 * Trainer: runs the model document's "training" recipe (docs/SCHEMA.md): epochs, batches,
 * shuffling from the model's seed, validation split, learning-rate schedule, phases,
 * full-precision pretraining then binarisation, per-epoch evaluation, best-validation tracking.
 * `bnn train` is this trainer with files around it. Since 0.2.0.
 *
 * Batching: each epoch visits the training samples in an order drawn from (seed, epoch);
 * batches hold training.batch_size samples, the last one of an epoch holds the remainder
 * (smaller, never dropped). A trainer is not thread-safe; it uses its model exclusively while a
 * call on it runs.
 * ------------------------------------------------------------------------------------------- */
typedef struct bnn_trainer bnn_trainer;

/* m, train, validation and test are borrowed and must outlive the trainer. validation NULL: the
   last training.validation_split of train is held out, as `bnn train` does. test may be NULL.
   When m carries trainer progress (it was loaded from a file written by bnn_trainer_save), the
   trainer continues from there: the same data must be given (checked by count and a label
   checksum: INVALID_ARGUMENT otherwise).
   A model without a "training" section trains with the defaults (docs/SCHEMA.md). A model whose
   "standardize" is "global" without statistics gets them from the training samples here.
   INVALID_ARGUMENT (NULL; resuming on other data), SHAPE_MISMATCH (sample size differs from the
   model's input size), OUT_OF_RANGE (a label >= the model's classes; a validation split that
   leaves no training sample), CORRUPT_DATA (stored progress that does not fit the model). */
BNN_API bnn_status bnn_trainer_create(bnn_model* m, const bnn_dataset* train,
                                      const bnn_dataset* validation, const bnn_dataset* test,
                                      bnn_trainer** out);
BNN_API void bnn_trainer_free(bnn_trainer* t); /* NULL is a no-op */
/* Message of the last failure on t (owned by t, valid until the next call on t). Never NULL. */
BNN_API const char* bnn_trainer_errmsg(const bnn_trainer* t);

/* Runs the rest of the current epoch: phases, learning-rate schedule, full-precision pretraining
   and shuffling (from the model's seed) exactly as `bnn train` does. *record (may be NULL) gets
   that epoch's metrics as one JSON object with the keys of a metrics.jsonl line (docs/SCHEMA.md),
   valid until the next call on t. After the last epoch: INVALID_STATE. A failing step
   (NUMERIC, ...) returns its status; the model is as it was before that step and the trainer
   can be called again. */
BNN_API bnn_status bnn_trainer_run_epoch(bnn_trainer* t, const char** record);
/* 1 once every epoch ran, else 0 (and 0 for NULL). */
BNN_API int bnn_trainer_done(const bnn_trainer* t);
/* Called after every step; a non-zero return makes run_epoch return CANCELLED right after that
   step, with the model consistent; the next run_epoch continues the same epoch. cb NULL removes
   it. step counts the model's steps (bnn_model_step_count), epoch is 0-based. */
typedef int (*bnn_step_callback)(void* user, int64_t step, int32_t epoch, float loss);
BNN_API bnn_status bnn_trainer_set_step_callback(bnn_trainer* t, bnn_step_callback cb,
                                                 void* user);
/* A new model holding the best-validation binarised epoch so far (the one `bnn train` writes
   as best.bnn); the caller frees it. INVALID_STATE before any binarised epoch of this trainer
   beat the best so far (after a resume: until an epoch beats the stored best accuracy). */
BNN_API bnn_status bnn_trainer_best_model(const bnn_trainer* t, bnn_model** out);
/* Where the trainer stands: the 0-based epoch it is in (= epochs when done), the steps taken in
   that epoch and the steps an epoch has. Any out pointer may be NULL. */
BNN_API bnn_status bnn_trainer_position(const bnn_trainer* t, int32_t* epoch_out,
                                        int64_t* step_in_epoch_out, int64_t* steps_per_epoch_out);
/* The trainer's state as JSON (position, partial epoch sums, best epoch and its validation
   accuracy; the history of records) -- same buffer convention as bnn_model_config_json. */
BNN_API bnn_status bnn_trainer_state_json(const bnn_trainer* t, char* buf, size_t capacity,
                                          size_t* size_out);
/* Writes the model together with the trainer's progress to path, atomically; bnn_model_load
   reads it back as a model that bnn_trainer_create resumes bit-exactly, mid-epoch included. The
   progress holds what training computed, no wall-clock time, so that a resumed run writes the
   bytes an uninterrupted one writes. The best model itself is not included (the best validation
   accuracy is): save it with bnn_trainer_best_model + bnn_model_save. */
BNN_API bnn_status bnn_trainer_save(const bnn_trainer* t, const char* path);

/* Data-parallel training (issue of 0.2): a host program fills this table with MPI, gloo or
   anything else; libbnn never links a communication library. Every rank creates a trainer on
   the same document and the same data; each takes its share of every global batch.
   Callbacks return 0 on success; any other value makes the trainer fail with IO. */
typedef struct bnn_communicator {
  void* user;
  int rank; /* 0 .. size-1 */
  int size; /* >= 1 */
  /* In-place element-wise sum (op 0) or max (op 1) of n int64 values over every rank. */
  int (*allreduce_i64)(void* user, int64_t* data, size_t n, int op);
  /* In-place element-wise sum of n doubles over every rank. */
  int (*allreduce_f64)(void* user, double* data, size_t n);
  /* In-place element-wise sum of n floats over every rank. */
  int (*allreduce_f32)(void* user, float* data, size_t n);
  /* Broadcast bytes from rank root to every rank. */
  int (*broadcast)(void* user, void* data, size_t bytes, int root);
  int (*barrier)(void* user);
} bnn_communicator;
/* Makes t a member of a data-parallel group before its first step (INVALID_STATE after); a
   collective call (every rank calls it). The table is copied; the user pointer must outlive the
   trainer. Rank 0's tensors are broadcast to every rank. Each step, every rank trains on its
   share of the global batch; without training.micro_batch the gradients are summed with the
   float all-reduce (reproducible for a given size) and batch norm uses the global batch's
   statistics, with it exactly in int64 (the same bits for every size, and as one process:
   docs/DISTRIBUTED.md). Since 0.3.0 each rank updates only its rows of the binarised kernels:
   inside the step callback their latent weights are spread over the ranks (reading, saving or
   exporting the model there returns INVALID_STATE); run_epoch returns with them whole and
   fails with INTERNAL if the ranks' models differ (float sums must give every rank the same bits).
   Since 0.3.1, without micro_batch, a binarised dense kernel's gradient comes from the ranks'
   rows of its input and output gradient (exchanged with broadcasts) when they carry fewer bytes
   than the gradient: each rank computes the global batch's gradient of its own rows.
   Since 0.3.2 a NaN or Inf that one rank alone finds in a step (its share's activations, loss
   or input gradients) fails that step with NUMERIC on every rank, at the update's agreement,
   instead of leaving the others waiting for it in the step's collectives.
   OK, INVALID_ARGUMENT (NULL, rank out of range, size < 1, a NULL callback; ranks that disagree
   on the document, the data or the position: checked with an all-reduce), SHAPE_MISMATCH (a
   batch that leaves a rank without samples or micro-batches), IO (a callback failed). */
BNN_API bnn_status bnn_trainer_set_communicator(bnn_trainer* t, const bnn_communicator* comm);

/* Since 0.3.0. The communicator with a reduce-scatter: each rank updates only its own rows of the
   binarised kernels (docs/DISTRIBUTED.md), so it needs only those rows of the summed gradients,
   and a reduce-scatter moves about half the bytes of an all-reduce. */
typedef struct bnn_communicator_v2 {
  bnn_communicator base;
  /* In place: data holds size blocks one after the other, block r of counts[r] elements (the
     same counts on every rank); type 0: float, 1: int64. Afterwards this rank's block (at offset
     counts[0] + .. + counts[rank-1]) holds the element-wise sum over every rank; the other blocks
     are unspecified. Float sums must give the same bits wherever they are computed for a given
     size (each block summed once, in an order fixed by the size, is enough). NULL: the trainer
     all-reduces instead. Returns 0 on success. */
  int (*reduce_scatter)(void* user, void* data, const size_t* counts, int type);
} bnn_communicator_v2;
/* bnn_trainer_set_communicator with the table above; the same checks and statuses. */
BNN_API bnn_status bnn_trainer_set_communicator_v2(bnn_trainer* t, const bnn_communicator_v2* comm);

/* ---------------------------------------------------------------------------------------------
 * Deployment. Since 0.2.0.
 * ------------------------------------------------------------------------------------------- */
/* Writes a deployment file of m: "onnx" (an ONNX model that ONNX Runtime runs, giving the
   predictions of bnn_model_predict) or "bnn-infer" (bit-packed binary weights, batch norm folded,
   no training state). INVALID_ARGUMENT (unknown format), UNSUPPORTED (the model uses something
   the format cannot express: the message names the layer and the reason; no file is left), IO. */
BNN_API bnn_status bnn_model_export(const bnn_model* m, const char* format, const char* path);
/* The same bytes in memory; buf NULL to learn the size in *size_out. */
BNN_API bnn_status bnn_model_export_buffer(const bnn_model* m, const char* format, uint8_t* buf,
                                           size_t capacity, size_t* size_out);

typedef struct bnn_infer bnn_infer;
/* Loads a "bnn-infer" file. CORRUPT_DATA (truncated, bad checksum, inconsistent), UNSUPPORTED
   (a newer format version), IO. */
BNN_API bnn_status bnn_infer_load(const char* path, bnn_infer** out);
BNN_API bnn_status bnn_infer_load_buffer(const uint8_t* buf, size_t size, bnn_infer** out);
/* Floats per input sample and classes (0 for NULL). */
BNN_API size_t bnn_infer_input_size(const bnn_infer* e);
BNN_API size_t bnn_infer_output_size(const bnn_infer* e);
/* logits: capacity for batch*output_size floats. Calls on one engine must not overlap. */
BNN_API bnn_status bnn_infer_predict(bnn_infer* e, const float* x, size_t batch,
                                     float* logits, size_t logits_capacity);
/* Message of the last failure on e. Never NULL. */
BNN_API const char* bnn_infer_errmsg(const bnn_infer* e);
BNN_API void bnn_infer_free(bnn_infer* e); /* NULL is a no-op */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* BNN_BNN_H */
