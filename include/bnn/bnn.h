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
#define BNN_VERSION_MINOR 1
#define BNN_VERSION_PATCH 0
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

/* Bounds of p (inclusive). Returns OK or INVALID_ARGUMENT for an unknown p. */
BNN_API bnn_status bnn_param_bounds(bnn_param p, double* lo, double* hi);
/* The JSON-style name of p ("learning_rate"); NULL for an unknown p. Static. */
BNN_API const char* bnn_param_name(bnn_param p);
BNN_API bnn_status bnn_model_set_param_f32(bnn_model* m, bnn_param p, float value);
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

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* BNN_BNN_H */
