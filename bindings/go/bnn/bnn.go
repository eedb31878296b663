// Package bnn is a Go binding of libbnn, a C library for training binary neural networks.
//
// The library is found with pkg-config (package "bnn"): PKG_CONFIG_PATH=<prefix>/lib/pkgconfig
// to build, LD_LIBRARY_PATH=<prefix>/lib to run.
//
// Failures are *Error values carrying the library's Status and its detailed message. The message
// is copied inside the same C call that failed (small C helpers below), because a goroutine may
// change OS threads between two cgo calls and the library keeps some messages thread-local.
//
// A Model is safe for use from several goroutines (calls are serialised by a mutex). Close frees
// it; Close is idempotent, and a closed Model returns StatusInvalidState errors instead of
// crashing. A finalizer frees models that are dropped without Close, as a safety net only.
package bnn

/*
#cgo pkg-config: bnn
#include "bnng.h"

static int bnng_create(const char* json, bnn_model** out, char* err, size_t cap) {
	return bnng_global(bnn_model_create_from_json(json, out), err, cap);
}
static int bnng_load(const char* path, bnn_model** out, char* err, size_t cap) {
	return bnng_global(bnn_model_load(path, out), err, cap);
}
static int bnng_load_buffer(const uint8_t* buf, size_t size, bnn_model** out, char* err, size_t cap) {
	return bnng_global(bnn_model_load_buffer(buf, size, out), err, cap);
}
static int bnng_set_isa(const char* name, char* err, size_t cap) {
	return bnng_global(bnn_set_isa(name), err, cap);
}
static int bnng_set_num_threads(int n, char* err, size_t cap) {
	return bnng_global(bnn_set_num_threads(n), err, cap);
}
static int bnng_param_bounds(int p, double* lo, double* hi, char* err, size_t cap) {
	return bnng_global(bnn_param_bounds((bnn_param)p, lo, hi), err, cap);
}
static int bnng_model_param_bounds(bnn_model* m, int p, double* lo, double* hi, char* err, size_t cap) {
	return bnng_model(m, bnn_model_param_bounds(m, (bnn_param)p, lo, hi), err, cap);
}

static int bnng_train_step(bnn_model* m, const float* x, const int32_t* y, size_t batch, float* loss,
                           char* err, size_t cap) {
	return bnng_model(m, bnn_model_train_step(m, x, y, batch, loss), err, cap);
}
static int bnng_predict(bnn_model* m, const float* x, size_t batch, float* logits, size_t logits_cap,
                        char* err, size_t cap) {
	return bnng_model(m, bnn_model_predict(m, x, batch, logits, logits_cap), err, cap);
}
static int bnng_evaluate(bnn_model* m, const float* x, const int32_t* y, size_t n, float* loss,
                         float* acc, char* err, size_t cap) {
	return bnng_model(m, bnn_model_evaluate(m, x, y, n, loss, acc), err, cap);
}
static int bnng_configure(bnn_model* m, const char* patch, char* err, size_t cap) {
	return bnng_model(m, bnn_model_configure(m, patch), err, cap);
}
static int bnng_flip_ratio(bnn_model* m, float* r, char* err, size_t cap) {
	return bnng_model(m, bnn_model_flip_ratio(m, r), err, cap);
}
static int bnng_layer_flip_ratio(bnn_model* m, size_t layer, float* r, char* err, size_t cap) {
	return bnng_model(m, bnn_model_layer_flip_ratio(m, layer, r), err, cap);
}
static int bnng_step_count(bnn_model* m, uint64_t* steps, char* err, size_t cap) {
	return bnng_model(m, bnn_model_step_count(m, steps), err, cap);
}
static int bnng_config_json(bnn_model* m, char* buf, size_t buf_cap, size_t* size, char* err, size_t cap) {
	return bnng_model(m, bnn_model_config_json(m, buf, buf_cap, size), err, cap);
}
static int bnng_summary(bnn_model* m, char* buf, size_t buf_cap, size_t* size, char* err, size_t cap) {
	return bnng_model(m, bnn_model_summary(m, buf, buf_cap, size), err, cap);
}
static int bnng_tensor_info(bnn_model* m, size_t i, const char** name, size_t* numel, char* err,
                            size_t cap) {
	return bnng_model(m, bnn_model_tensor_info(m, i, name, numel), err, cap);
}
static int bnng_tensor_index(bnn_model* m, const char* name, size_t* i, char* err, size_t cap) {
	return bnng_model(m, bnn_model_tensor_index(m, name, i), err, cap);
}
static int bnng_get_tensor(bnn_model* m, size_t i, float* out, size_t n, char* err, size_t cap) {
	return bnng_model(m, bnn_model_get_tensor(m, i, out, n), err, cap);
}
static int bnng_set_tensor(bnn_model* m, size_t i, const float* v, size_t n, char* err, size_t cap) {
	return bnng_model(m, bnn_model_set_tensor(m, i, v, n), err, cap);
}
static int bnng_set_param_f32(bnn_model* m, int p, float v, char* err, size_t cap) {
	return bnng_model(m, bnn_model_set_param_f32(m, (bnn_param)p, v), err, cap);
}
static int bnng_get_param_f32(bnn_model* m, int p, float* v, char* err, size_t cap) {
	return bnng_model(m, bnn_model_get_param_f32(m, (bnn_param)p, v), err, cap);
}
static int bnng_set_param_i32(bnn_model* m, int p, int32_t v, char* err, size_t cap) {
	return bnng_model(m, bnn_model_set_param_i32(m, (bnn_param)p, v), err, cap);
}
static int bnng_get_param_i32(bnn_model* m, int p, int32_t* v, char* err, size_t cap) {
	return bnng_model(m, bnn_model_get_param_i32(m, (bnn_param)p, v), err, cap);
}
static int bnng_save(bnn_model* m, const char* path, char* err, size_t cap) {
	return bnng_model(m, bnn_model_save(m, path), err, cap);
}
static int bnng_save_buffer(bnn_model* m, uint8_t* buf, size_t buf_cap, size_t* size, char* err,
                            size_t cap) {
	return bnng_model(m, bnn_model_save_buffer(m, buf, buf_cap, size), err, cap);
}
static const char* bnng_param_name(int p) { return bnn_param_name((bnn_param)p); }
static const char* bnng_status_string(int s) { return bnn_status_string((bnn_status)s); }
static const char* bnng_status_name(int s) { return bnn_status_name((bnn_status)s); }
*/
import "C"

import (
	"runtime"
	"strconv"
	"sync"
	"unsafe"
)

// errCap bounds the copied messages; longer ones are truncated.
const errCap = 1024

// errBuf receives a message copied by a C helper.
type errBuf [errCap]C.char

func (b *errBuf) ptr() *C.char { return &b[0] }

// result turns a helper's status into an error.
func result(op string, status C.int, msg *errBuf) error {
	if status == 0 {
		return nil
	}
	return &Error{Status: Status(status), Message: C.GoString(msg.ptr()), Op: op}
}

func floatPtr(x []float32) *C.float {
	if len(x) == 0 {
		return nil
	}
	return (*C.float)(unsafe.Pointer(&x[0]))
}

func labelPtr(y []int32) *C.int32_t {
	if len(y) == 0 {
		return nil
	}
	return (*C.int32_t)(unsafe.Pointer(&y[0]))
}

// Param is a typed training parameter (bnn_param); values as in include/bnn/bnn.h.
type Param int

const (
	ParamLearningRate      Param = 100
	ParamMomentum          Param = 101
	ParamBeta1             Param = 102
	ParamBeta2             Param = 103
	ParamEpsilon           Param = 104
	ParamRho               Param = 105
	ParamWeightDecay       Param = 106
	ParamBopThreshold      Param = 107
	ParamBopGamma          Param = 108
	ParamKernelSte         Param = 200 // integer: an Ste value
	ParamInputSte          Param = 201 // integer: an Ste value
	ParamSteClip           Param = 202
	ParamSteBeta           Param = 203
	ParamQuantize          Param = 204 // integer: 1 = quantizers on, 0 = full precision
	ParamWeightClipMode    Param = 300 // integer: a WeightClip value
	ParamWeightClipValue   Param = 301
	ParamLrScale           Param = 302 // integer: an LrScale value
	ParamBatchNormMomentum Param = 400
)

// Ste values of ParamKernelSte and ParamInputSte (bnn_ste).
const (
	SteIdentity   = 0
	SteClipped    = 1
	SteApproxSign = 2
	SteSwishSign  = 3
)

// WeightClip values of ParamWeightClipMode (bnn_weight_clip).
const (
	WeightClipNone   = 0
	WeightClipFixed  = 1
	WeightClipGlorot = 2
)

// LrScale values of ParamLrScale (bnn_lr_scale).
const (
	LrScaleNone   = 0
	LrScaleGlorot = 1
)

// Name is the JSON-style name of p ("learning_rate"), or "" for an unknown p.
func (p Param) Name() string {
	s := C.bnng_param_name(C.int(p))
	if s == nil {
		return ""
	}
	return C.GoString(s)
}

// Bounds are the inclusive bounds of p.
func (p Param) Bounds() (lo, hi float64, err error) {
	var msg errBuf
	var clo, chi C.double
	st := C.bnng_param_bounds(C.int(p), &clo, &chi, msg.ptr(), errCap)
	return float64(clo), float64(chi), result("Param.Bounds", st, &msg)
}

// Description is the library's short description of s ("value out of range").
func (s Status) Description() string { return C.GoString(C.bnng_status_string(C.int(s))) }

// libraryName is the library's own name for s, to check statusTable against it.
func (s Status) libraryName() string { return C.GoString(C.bnng_status_name(C.int(s))) }

// Version is the library's version, "MAJOR.MINOR.PATCH".
func Version() string { return C.GoString(C.bnn_version_string()) }

// VersionNumber is major*10000 + minor*100 + patch.
func VersionNumber() uint32 { return uint32(C.bnn_version_number()) }

// ISA is the SIMD path in use ("avx2", "scalar", ...).
func ISA() string { return C.GoString(C.bnn_get_isa()) }

// SetISA forces a SIMD path for the whole process; "auto" restores the best detected.
func SetISA(name string) error {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var msg errBuf
	return result("SetISA", C.bnng_set_isa(cname, msg.ptr(), errCap), &msg)
}

// ISASupported tells whether this CPU and build can run the named SIMD path.
func ISASupported(name string) bool {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	return C.bnn_isa_supported(cname) != 0
}

// SetNumThreads sets the number of worker threads (0 = all cores).
func SetNumThreads(n int) error {
	var msg errBuf
	return result("SetNumThreads", C.bnng_set_num_threads(C.int(n), msg.ptr(), errCap), &msg)
}

// NumThreads is the number of worker threads in use.
func NumThreads() int { return int(C.bnn_get_num_threads()) }

// Model is a network with its latent weights, optimiser state and training recipe.
type Model struct {
	mu         sync.Mutex
	p          *C.bnn_model
	inputSize  int
	outputSize int
}

func wrap(p *C.bnn_model) *Model {
	m := &Model{p: p, inputSize: int(C.bnn_model_input_size(p)), outputSize: int(C.bnn_model_output_size(p))}
	// Safety net only: programs should Close models they are done with.
	runtime.SetFinalizer(m, func(m *Model) { m.Close() })
	return m
}

func created(op string, st C.int, p *C.bnn_model, msg *errBuf) (*Model, error) {
	if err := result(op, st, msg); err != nil {
		return nil, err
	}
	if p == nil {
		return nil, &Error{Status: StatusInternal, Message: "the library returned OK without a model", Op: op}
	}
	return wrap(p), nil
}

// FromJSON builds a model, its optimiser and its training recipe from a JSON document.
func FromJSON(doc string) (*Model, error) {
	cdoc := C.CString(doc)
	defer C.free(unsafe.Pointer(cdoc))
	var p *C.bnn_model
	var msg errBuf
	st := C.bnng_create(cdoc, &p, msg.ptr(), errCap)
	return created("FromJSON", st, p, &msg)
}

// Load reads a model saved with Save.
func Load(path string) (*Model, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var p *C.bnn_model
	var msg errBuf
	st := C.bnng_load(cpath, &p, msg.ptr(), errCap)
	return created("Load", st, p, &msg)
}

// LoadBytes reads a model from the bytes of Bytes.
func LoadBytes(b []byte) (*Model, error) {
	var ptr *C.uint8_t
	if len(b) > 0 {
		ptr = (*C.uint8_t)(unsafe.Pointer(&b[0]))
	}
	var p *C.bnn_model
	var msg errBuf
	st := C.bnng_load_buffer(ptr, C.size_t(len(b)), &p, msg.ptr(), errCap)
	return created("LoadBytes", st, p, &msg)
}

// Close frees the model. It is idempotent; later calls on the model return errors.
func (m *Model) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.p != nil {
		C.bnn_model_free(m.p)
		m.p = nil
		runtime.SetFinalizer(m, nil)
	}
	return nil
}

// lock takes the model for one call; it fails on a closed model. Callers unlock.
func (m *Model) lock(op string) error {
	m.mu.Lock()
	if m.p == nil {
		m.mu.Unlock()
		return &Error{Status: StatusInvalidState, Message: "the model is closed", Op: op}
	}
	return nil
}

// InputSize is the number of floats per sample.
func (m *Model) InputSize() int { return m.inputSize }

// OutputSize is the number of classes (logits per sample).
func (m *Model) OutputSize() int { return m.outputSize }

func (m *Model) batchOf(op string, x []float32) (int, error) {
	if len(x)%m.inputSize != 0 {
		return 0, &Error{Status: StatusShapeMismatch, Op: op,
			Message: "x holds " + strconv.Itoa(len(x)) + " floats, not a multiple of the input size " + strconv.Itoa(m.inputSize)}
	}
	return len(x) / m.inputSize, nil
}

func (m *Model) batchWithLabels(op string, x []float32, labels []int32) (int, error) {
	batch, err := m.batchOf(op, x)
	if err == nil && batch != len(labels) {
		err = &Error{Status: StatusShapeMismatch, Op: op,
			Message: "x holds " + strconv.Itoa(batch) + " samples but there are " + strconv.Itoa(len(labels)) + " labels"}
	}
	return batch, err
}

// TrainStep takes one optimisation step on a batch (x: samples row-major, labels: one class id
// per sample) and returns the batch's mean loss. On error the model is unchanged.
func (m *Model) TrainStep(x []float32, labels []int32) (float32, error) {
	const op = "TrainStep"
	batch, err := m.batchWithLabels(op, x, labels)
	if err != nil {
		return 0, err
	}
	if err := m.lock(op); err != nil {
		return 0, err
	}
	defer m.mu.Unlock()
	var loss C.float
	var msg errBuf
	st := C.bnng_train_step(m.p, floatPtr(x), labelPtr(labels), C.size_t(batch), &loss, msg.ptr(), errCap)
	return float32(loss), result(op, st, &msg)
}

// Predict runs inference with binarised weights: OutputSize() logits per sample of x.
func (m *Model) Predict(x []float32) ([]float32, error) {
	const op = "Predict"
	batch, err := m.batchOf(op, x)
	if err != nil {
		return nil, err
	}
	if err := m.lock(op); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	logits := make([]float32, batch*m.outputSize)
	var msg errBuf
	st := C.bnng_predict(m.p, floatPtr(x), C.size_t(batch), floatPtr(logits), C.size_t(len(logits)), msg.ptr(), errCap)
	if err := result(op, st, &msg); err != nil {
		return nil, err
	}
	return logits, nil
}

// Evaluate gives the mean loss and accuracy over the samples of x, in inference mode.
func (m *Model) Evaluate(x []float32, labels []int32) (loss, accuracy float32, err error) {
	const op = "Evaluate"
	n, err := m.batchWithLabels(op, x, labels)
	if err != nil {
		return 0, 0, err
	}
	if err := m.lock(op); err != nil {
		return 0, 0, err
	}
	defer m.mu.Unlock()
	var closs, cacc C.float
	var msg errBuf
	st := C.bnng_evaluate(m.p, floatPtr(x), labelPtr(labels), C.size_t(n), &closs, &cacc, msg.ptr(), errCap)
	return float32(closs), float32(cacc), result(op, st, &msg)
}

// Configure changes the recipe between two steps with a partial JSON document of training-phase
// keys, e.g. {"kernel_ste": "clipped", "learning_rate": 1e-4}. An invalid patch changes nothing.
func (m *Model) Configure(patch string) error {
	const op = "Configure"
	if err := m.lock(op); err != nil {
		return err
	}
	defer m.mu.Unlock()
	cpatch := C.CString(patch)
	defer C.free(unsafe.Pointer(cpatch))
	var msg errBuf
	return result(op, C.bnng_configure(m.p, cpatch, msg.ptr(), errCap), &msg)
}

// FlipRatio is the fraction of binary weights whose sign changed in the last step.
func (m *Model) FlipRatio() (float32, error) {
	const op = "FlipRatio"
	if err := m.lock(op); err != nil {
		return 0, err
	}
	defer m.mu.Unlock()
	var r C.float
	var msg errBuf
	st := C.bnng_flip_ratio(m.p, &r, msg.ptr(), errCap)
	return float32(r), result(op, st, &msg)
}

// LayerFlipRatio is the flip ratio of one layer (index into the document's "layers").
func (m *Model) LayerFlipRatio(layer int) (float32, error) {
	const op = "LayerFlipRatio"
	if layer < 0 {
		return 0, &Error{Status: StatusOutOfRange, Message: "negative layer index", Op: op}
	}
	if err := m.lock(op); err != nil {
		return 0, err
	}
	defer m.mu.Unlock()
	var r C.float
	var msg errBuf
	st := C.bnng_layer_flip_ratio(m.p, C.size_t(layer), &r, msg.ptr(), errCap)
	return float32(r), result(op, st, &msg)
}

// StepCount is the number of optimisation steps taken.
func (m *Model) StepCount() (uint64, error) {
	const op = "StepCount"
	if err := m.lock(op); err != nil {
		return 0, err
	}
	defer m.mu.Unlock()
	var n C.uint64_t
	var msg errBuf
	st := C.bnng_step_count(m.p, &n, msg.ptr(), errCap)
	return uint64(n), result(op, st, &msg)
}

// text reads a string with the "NULL buffer asks for the size" convention; m is locked.
func (m *Model) text(op string, summary bool) (string, error) {
	call := func(buf *C.char, capacity int, size *C.size_t, msg *errBuf) C.int {
		if summary {
			return C.bnng_summary(m.p, buf, C.size_t(capacity), size, msg.ptr(), errCap)
		}
		return C.bnng_config_json(m.p, buf, C.size_t(capacity), size, msg.ptr(), errCap)
	}
	var size C.size_t
	var msg errBuf
	if err := result(op, call(nil, 0, &size, &msg), &msg); err != nil {
		return "", err
	}
	buf := make([]byte, int(size)+1)
	if err := result(op, call((*C.char)(unsafe.Pointer(&buf[0])), len(buf), &size, &msg), &msg); err != nil {
		return "", err
	}
	return C.GoString((*C.char)(unsafe.Pointer(&buf[0]))), nil
}

// ConfigJSON is the model's current document (with every change made since creation).
func (m *Model) ConfigJSON() (string, error) {
	if err := m.lock("ConfigJSON"); err != nil {
		return "", err
	}
	defer m.mu.Unlock()
	return m.text("ConfigJSON", false)
}

// Summary is a human-readable table of the layers.
func (m *Model) Summary() (string, error) {
	if err := m.lock("Summary"); err != nil {
		return "", err
	}
	defer m.mu.Unlock()
	return m.text("Summary", true)
}

// tensorInfo: m is locked.
func (m *Model) tensorInfo(op string, index int) (string, int, error) {
	if index < 0 {
		return "", 0, &Error{Status: StatusOutOfRange, Message: "negative tensor index", Op: op}
	}
	var name *C.char
	var numel C.size_t
	var msg errBuf
	if err := result(op, C.bnng_tensor_info(m.p, C.size_t(index), &name, &numel, msg.ptr(), errCap), &msg); err != nil {
		return "", 0, err
	}
	return C.GoString(name), int(numel), nil
}

// tensorIndex: m is locked.
func (m *Model) tensorIndex(op, name string) (int, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var index C.size_t
	var msg errBuf
	if err := result(op, C.bnng_tensor_index(m.p, cname, &index, msg.ptr(), errCap), &msg); err != nil {
		return 0, err
	}
	return int(index), nil
}

// TensorNames lists the parameter tensors in index order ("layers.0.kernel", ...).
func (m *Model) TensorNames() ([]string, error) {
	const op = "TensorNames"
	if err := m.lock(op); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	n := int(C.bnn_model_tensor_count(m.p))
	names := make([]string, n)
	for i := range names {
		name, _, err := m.tensorInfo(op, i)
		if err != nil {
			return nil, err
		}
		names[i] = name
	}
	return names, nil
}

// tensorAt: m is locked.
func (m *Model) tensorAt(op string, index int) ([]float32, error) {
	_, numel, err := m.tensorInfo(op, index)
	if err != nil {
		return nil, err
	}
	values := make([]float32, numel)
	var msg errBuf
	st := C.bnng_get_tensor(m.p, C.size_t(index), floatPtr(values), C.size_t(numel), msg.ptr(), errCap)
	if err := result(op, st, &msg); err != nil {
		return nil, err
	}
	return values, nil
}

// TensorAt copies the values of the tensor at index.
func (m *Model) TensorAt(index int) ([]float32, error) {
	if err := m.lock("TensorAt"); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	return m.tensorAt("TensorAt", index)
}

// Tensor copies the values of the tensor called name.
func (m *Model) Tensor(name string) ([]float32, error) {
	const op = "Tensor"
	if err := m.lock(op); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	index, err := m.tensorIndex(op, name)
	if err != nil {
		return nil, err
	}
	return m.tensorAt(op, index)
}

// setTensorAt: m is locked.
func (m *Model) setTensorAt(op string, index int, values []float32) error {
	if index < 0 {
		return &Error{Status: StatusOutOfRange, Message: "negative tensor index", Op: op}
	}
	var msg errBuf
	st := C.bnng_set_tensor(m.p, C.size_t(index), floatPtr(values), C.size_t(len(values)), msg.ptr(), errCap)
	return result(op, st, &msg)
}

// SetTensorAt overwrites the tensor at index (the length must match; NaN/Inf are refused).
func (m *Model) SetTensorAt(index int, values []float32) error {
	if err := m.lock("SetTensorAt"); err != nil {
		return err
	}
	defer m.mu.Unlock()
	return m.setTensorAt("SetTensorAt", index, values)
}

// SetTensor overwrites the tensor called name.
func (m *Model) SetTensor(name string, values []float32) error {
	const op = "SetTensor"
	if err := m.lock(op); err != nil {
		return err
	}
	defer m.mu.Unlock()
	index, err := m.tensorIndex(op, name)
	if err != nil {
		return err
	}
	return m.setTensorAt(op, index, values)
}

// SetParam sets a real-valued parameter; out of bounds is StatusOutOfRange and changes nothing.
func (m *Model) SetParam(p Param, value float32) error {
	const op = "SetParam"
	if err := m.lock(op); err != nil {
		return err
	}
	defer m.mu.Unlock()
	var msg errBuf
	return result(op, C.bnng_set_param_f32(m.p, C.int(p), C.float(value), msg.ptr(), errCap), &msg)
}

// Param reads a real-valued parameter.
func (m *Model) Param(p Param) (float32, error) {
	const op = "Param"
	if err := m.lock(op); err != nil {
		return 0, err
	}
	defer m.mu.Unlock()
	var v C.float
	var msg errBuf
	st := C.bnng_get_param_f32(m.p, C.int(p), &v, msg.ptr(), errCap)
	return float32(v), result(op, st, &msg)
}

// ParamBounds returns the bounds the setters enforce for p on this model now (its current
// optimiser's for an optimiser parameter; the package-level ParamBounds gives the widest).
func (m *Model) ParamBounds(p Param) (lo, hi float64, err error) {
	const op = "ParamBounds"
	if err := m.lock(op); err != nil {
		return 0, 0, err
	}
	defer m.mu.Unlock()
	var clo, chi C.double
	var msg errBuf
	st := C.bnng_model_param_bounds(m.p, C.int(p), &clo, &chi, msg.ptr(), errCap)
	return float64(clo), float64(chi), result(op, st, &msg)
}

// SetParamInt sets an integer parameter (ParamKernelSte with an Ste value, ...).
func (m *Model) SetParamInt(p Param, value int32) error {
	const op = "SetParamInt"
	if err := m.lock(op); err != nil {
		return err
	}
	defer m.mu.Unlock()
	var msg errBuf
	return result(op, C.bnng_set_param_i32(m.p, C.int(p), C.int32_t(value), msg.ptr(), errCap), &msg)
}

// ParamInt reads an integer parameter.
func (m *Model) ParamInt(p Param) (int32, error) {
	const op = "ParamInt"
	if err := m.lock(op); err != nil {
		return 0, err
	}
	defer m.mu.Unlock()
	var v C.int32_t
	var msg errBuf
	st := C.bnng_get_param_i32(m.p, C.int(p), &v, msg.ptr(), errCap)
	return int32(v), result(op, st, &msg)
}

// Save writes the whole training state to a file (atomically).
func (m *Model) Save(path string) error {
	const op = "Save"
	if err := m.lock(op); err != nil {
		return err
	}
	defer m.mu.Unlock()
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var msg errBuf
	return result(op, C.bnng_save(m.p, cpath, msg.ptr(), errCap), &msg)
}

// Bytes is the whole training state in the file format of Save.
func (m *Model) Bytes() ([]byte, error) {
	const op = "Bytes"
	if err := m.lock(op); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	var size C.size_t
	var msg errBuf
	if err := result(op, C.bnng_save_buffer(m.p, nil, 0, &size, msg.ptr(), errCap), &msg); err != nil {
		return nil, err
	}
	b := make([]byte, int(size))
	if len(b) == 0 {
		return nil, &Error{Status: StatusInternal, Message: "the library reported an empty save", Op: op}
	}
	st := C.bnng_save_buffer(m.p, (*C.uint8_t)(unsafe.Pointer(&b[0])), C.size_t(len(b)), &size, msg.ptr(), errCap)
	if err := result(op, st, &msg); err != nil {
		return nil, err
	}
	return b[:int(size)], nil
}

// Clone is an independent copy with the whole training state.
func (m *Model) Clone() (*Model, error) {
	b, err := m.Bytes()
	if err != nil {
		return nil, err
	}
	return LoadBytes(b)
}
