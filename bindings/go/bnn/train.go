package bnn

// Additions of libbnn 0.2.0: datasets, the trainer, metadata, exports and the inference engine.
// Same convention as bnn.go: each failing call copies its message inside the same C call.

/*
#cgo pkg-config: bnn
#include <stdint.h>
#include "bnng.h"

// ---- model additions ----
static int bnngt_set_metadata(bnn_model* m, const char* json, char* err, size_t cap) {
	return bnng_model(m, bnn_model_set_metadata(m, json), err, cap);
}
static int bnngt_metadata(bnn_model* m, char* buf, size_t buf_cap, size_t* size, char* err, size_t cap) {
	return bnng_model(m, bnn_model_metadata(m, buf, buf_cap, size), err, cap);
}
static int bnngt_last_step_accuracy(bnn_model* m, float* acc, char* err, size_t cap) {
	return bnng_model(m, bnn_model_last_step_accuracy(m, acc), err, cap);
}
static int bnngt_evaluate_dataset(bnn_model* m, const bnn_dataset* d, float* loss, float* acc,
                                  char* err, size_t cap) {
	return bnng_model(m, bnn_model_evaluate_dataset(m, d, loss, acc), err, cap);
}
static int bnngt_export(bnn_model* m, const char* format, const char* path, char* err, size_t cap) {
	return bnng_model(m, bnn_model_export(m, format, path), err, cap);
}
static int bnngt_export_buffer(bnn_model* m, const char* format, uint8_t* buf, size_t buf_cap,
                               size_t* size, char* err, size_t cap) {
	return bnng_model(m, bnn_model_export_buffer(m, format, buf, buf_cap, size), err, cap);
}

// ---- datasets ----
static int bnngt_dataset_create(const float* x, const int32_t* y, size_t n, size_t dim,
                                bnn_dataset** out, char* err, size_t cap) {
	return bnng_global(bnn_dataset_create(x, y, n, dim, out), err, cap);
}
static int bnngt_dataset_load_idx(const char* images, const char* labels, bnn_dataset** out,
                                  char* err, size_t cap) {
	return bnng_global(bnn_dataset_load_idx(images, labels, out), err, cap);
}
static int bnngt_dataset_get(const bnn_dataset* d, size_t first, size_t count, float* x,
                             size_t x_cap, int32_t* y, size_t y_cap, char* err, size_t cap) {
	return bnng_global(bnn_dataset_get(d, first, count, x, x_cap, y, y_cap), err, cap);
}
static int bnngt_dataset_slice(const bnn_dataset* d, size_t first, size_t count,
                               bnn_dataset** out, char* err, size_t cap) {
	return bnng_global(bnn_dataset_slice(d, first, count, out), err, cap);
}

// ---- trainer ----
extern int bnngoStepCallback(uintptr_t handle, int64_t step, int32_t epoch, float loss);
static int bnngt_trampoline(void* user, int64_t step, int32_t epoch, float loss) {
	return bnngoStepCallback((uintptr_t)user, step, epoch, loss);
}
static int bnngt_trainer_create(bnn_model* m, const bnn_dataset* train, const bnn_dataset* val,
                                const bnn_dataset* test, bnn_trainer** out, char* err, size_t cap) {
	return bnng_global(bnn_trainer_create(m, train, val, test, out), err, cap);
}
// The record is copied into a malloc'd string (freed by Go) while still inside this call.
static int bnngt_run_epoch(bnn_trainer* t, char** record, char* err, size_t cap) {
	const char* rec = NULL;
	bnn_status s = bnn_trainer_run_epoch(t, &rec);
	*record = NULL;
	if (s == BNN_STATUS_OK && rec != NULL) {
		size_t n = strlen(rec);
		*record = (char*)malloc(n + 1);
		if (*record == NULL) return (int)BNN_STATUS_OUT_OF_MEMORY;
		memcpy(*record, rec, n + 1);
	}
	return bnng_trainer(t, s, err, cap);
}
static int bnngt_set_step_callback(bnn_trainer* t, uintptr_t handle, char* err, size_t cap) {
	return bnng_trainer(t, bnn_trainer_set_step_callback(t, handle ? bnngt_trampoline : NULL,
	                                                      (void*)handle), err, cap);
}
static int bnngt_best_model(bnn_trainer* t, bnn_model** out, char* err, size_t cap) {
	return bnng_trainer(t, bnn_trainer_best_model(t, out), err, cap);
}
static int bnngt_position(bnn_trainer* t, int32_t* e, int64_t* s, int64_t* n, char* err, size_t cap) {
	return bnng_trainer(t, bnn_trainer_position(t, e, s, n), err, cap);
}
static int bnngt_state_json(bnn_trainer* t, char* buf, size_t buf_cap, size_t* size, char* err,
                            size_t cap) {
	return bnng_trainer(t, bnn_trainer_state_json(t, buf, buf_cap, size), err, cap);
}
static int bnngt_trainer_save(bnn_trainer* t, const char* path, char* err, size_t cap) {
	return bnng_trainer(t, bnn_trainer_save(t, path), err, cap);
}

// ---- inference engine ----
static int bnngt_infer_load(const char* path, bnn_infer** out, char* err, size_t cap) {
	return bnng_global(bnn_infer_load(path, out), err, cap);
}
static int bnngt_infer_load_buffer(const uint8_t* buf, size_t size, bnn_infer** out, char* err,
                                   size_t cap) {
	return bnng_global(bnn_infer_load_buffer(buf, size, out), err, cap);
}
static int bnngt_infer_predict(bnn_infer* e, const float* x, size_t batch, float* logits,
                               size_t logits_cap, char* err, size_t cap) {
	return bnng_infer(e, bnn_infer_predict(e, x, batch, logits, logits_cap), err, cap);
}
*/
import "C"

import (
	"encoding/json"
	"runtime"
	"runtime/cgo"
	"strconv"
	"sync"
	"unsafe"
)

// ---- model additions ------------------------------------------------------------------------

// Metadata is the free-form JSON value that travels with the model and its checkpoints
// ("null" when unset).
func (m *Model) Metadata() (string, error) {
	const op = "Metadata"
	if err := m.lock(op); err != nil {
		return "", err
	}
	defer m.mu.Unlock()
	var size C.size_t
	var msg errBuf
	if err := result(op, C.bnngt_metadata(m.p, nil, 0, &size, msg.ptr(), errCap), &msg); err != nil {
		return "", err
	}
	buf := make([]byte, int(size)+1)
	st := C.bnngt_metadata(m.p, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &size, msg.ptr(), errCap)
	if err := result(op, st, &msg); err != nil {
		return "", err
	}
	return C.GoString((*C.char)(unsafe.Pointer(&buf[0]))), nil
}

// SetMetadata sets the metadata: any JSON value, at most 1 MiB.
func (m *Model) SetMetadata(jsonValue string) error {
	const op = "SetMetadata"
	if err := m.lock(op); err != nil {
		return err
	}
	defer m.mu.Unlock()
	cjson := C.CString(jsonValue)
	defer C.free(unsafe.Pointer(cjson))
	var msg errBuf
	return result(op, C.bnngt_set_metadata(m.p, cjson, msg.ptr(), errCap), &msg)
}

// LastStepAccuracy is the accuracy of the last successful TrainStep on its own batch.
func (m *Model) LastStepAccuracy() (float32, error) {
	const op = "LastStepAccuracy"
	if err := m.lock(op); err != nil {
		return 0, err
	}
	defer m.mu.Unlock()
	var acc C.float
	var msg errBuf
	st := C.bnngt_last_step_accuracy(m.p, &acc, msg.ptr(), errCap)
	return float32(acc), result(op, st, &msg)
}

// EvaluateDataset gives the mean loss and accuracy over a whole dataset, in inference mode.
func (m *Model) EvaluateDataset(d *Dataset) (loss, accuracy float32, err error) {
	const op = "EvaluateDataset"
	if err := d.rlock(op); err != nil {
		return 0, 0, err
	}
	defer d.mu.RUnlock()
	if err := m.lock(op); err != nil {
		return 0, 0, err
	}
	defer m.mu.Unlock()
	var closs, cacc C.float
	var msg errBuf
	st := C.bnngt_evaluate_dataset(m.p, d.p, &closs, &cacc, msg.ptr(), errCap)
	return float32(closs), float32(cacc), result(op, st, &msg)
}

// Export writes a deployment file: format "onnx" or "bnn-infer".
func (m *Model) Export(format, path string) error {
	const op = "Export"
	if err := m.lock(op); err != nil {
		return err
	}
	defer m.mu.Unlock()
	cformat, cpath := C.CString(format), C.CString(path)
	defer C.free(unsafe.Pointer(cformat))
	defer C.free(unsafe.Pointer(cpath))
	var msg errBuf
	return result(op, C.bnngt_export(m.p, cformat, cpath, msg.ptr(), errCap), &msg)
}

// ExportBytes is the content of Export's file.
func (m *Model) ExportBytes(format string) ([]byte, error) {
	const op = "ExportBytes"
	if err := m.lock(op); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	cformat := C.CString(format)
	defer C.free(unsafe.Pointer(cformat))
	var size C.size_t
	var msg errBuf
	if err := result(op, C.bnngt_export_buffer(m.p, cformat, nil, 0, &size, msg.ptr(), errCap), &msg); err != nil {
		return nil, err
	}
	b := make([]byte, int(size)+1)
	st := C.bnngt_export_buffer(m.p, cformat, (*C.uint8_t)(unsafe.Pointer(&b[0])), C.size_t(len(b)), &size, msg.ptr(), errCap)
	if err := result(op, st, &msg); err != nil {
		return nil, err
	}
	return b[:int(size)], nil
}

// ---- datasets -------------------------------------------------------------------------------

// Dataset holds samples inside the library (bnn_dataset). It is read-only once made, so several
// trainers and goroutines may share it. Close frees it (idempotent); a closed dataset returns
// StatusInvalidState errors, and closing waits for calls that use it.
type Dataset struct {
	mu sync.RWMutex
	p  *C.bnn_dataset
}

func wrapDataset(op string, st C.int, p *C.bnn_dataset, msg *errBuf) (*Dataset, error) {
	if err := result(op, st, msg); err != nil {
		return nil, err
	}
	if p == nil {
		return nil, &Error{Status: StatusInternal, Message: "the library returned OK without a dataset", Op: op}
	}
	d := &Dataset{p: p}
	runtime.SetFinalizer(d, func(d *Dataset) { d.Close() })
	return d, nil
}

// NewDataset copies len(labels) samples: x holds len(labels)*sampleSize floats, row-major.
func NewDataset(x []float32, labels []int32, sampleSize int) (*Dataset, error) {
	const op = "NewDataset"
	if sampleSize <= 0 || len(x) != len(labels)*sampleSize {
		return nil, &Error{Status: StatusShapeMismatch, Op: op,
			Message: "x holds " + strconv.Itoa(len(x)) + " floats; expected " + strconv.Itoa(len(labels)) +
				" labels x " + strconv.Itoa(sampleSize) + " floats per sample"}
	}
	var p *C.bnn_dataset
	var msg errBuf
	st := C.bnngt_dataset_create(floatPtr(x), labelPtr(labels), C.size_t(len(labels)), C.size_t(sampleSize), &p, msg.ptr(), errCap)
	return wrapDataset(op, st, p, &msg)
}

// LoadIDX reads an IDX image file and its IDX label file (gzip'd or raw); pixels / 255.
func LoadIDX(images, labels string) (*Dataset, error) {
	cimages, clabels := C.CString(images), C.CString(labels)
	defer C.free(unsafe.Pointer(cimages))
	defer C.free(unsafe.Pointer(clabels))
	var p *C.bnn_dataset
	var msg errBuf
	st := C.bnngt_dataset_load_idx(cimages, clabels, &p, msg.ptr(), errCap)
	return wrapDataset("LoadIDX", st, p, &msg)
}

// GzipSupported tells whether LoadIDX reads gzip'd files in this build of the library.
func GzipSupported() bool { return C.bnn_dataset_gzip_supported() != 0 }

// Close frees the dataset; it is idempotent.
func (d *Dataset) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.p != nil {
		C.bnn_dataset_free(d.p)
		d.p = nil
		runtime.SetFinalizer(d, nil)
	}
	return nil
}

// rlock takes the dataset for reading; it fails on a closed dataset. Callers RUnlock.
func (d *Dataset) rlock(op string) error {
	if d == nil {
		return &Error{Status: StatusInvalidArgument, Message: "nil dataset", Op: op}
	}
	d.mu.RLock()
	if d.p == nil {
		d.mu.RUnlock()
		return &Error{Status: StatusInvalidState, Message: "the dataset is closed", Op: op}
	}
	return nil
}

// Len is the number of samples (0 once closed).
func (d *Dataset) Len() int {
	if d.rlock("Len") != nil {
		return 0
	}
	defer d.mu.RUnlock()
	return int(C.bnn_dataset_count(d.p))
}

// SampleSize is the number of floats per sample (0 once closed).
func (d *Dataset) SampleSize() int {
	if d.rlock("SampleSize") != nil {
		return 0
	}
	defer d.mu.RUnlock()
	return int(C.bnn_dataset_sample_size(d.p))
}

// NumClasses is 1 + the largest label (0 once closed).
func (d *Dataset) NumClasses() int {
	if d.rlock("NumClasses") != nil {
		return 0
	}
	defer d.mu.RUnlock()
	return int(C.bnn_dataset_num_classes(d.p))
}

// Get copies samples [first, first+count) out: the samples row-major and their labels.
func (d *Dataset) Get(first, count int) ([]float32, []int32, error) {
	const op = "Get"
	if first < 0 || count < 0 {
		return nil, nil, &Error{Status: StatusOutOfRange, Message: "negative first or count", Op: op}
	}
	if err := d.rlock(op); err != nil {
		return nil, nil, err
	}
	defer d.mu.RUnlock()
	x := make([]float32, count*int(C.bnn_dataset_sample_size(d.p)))
	y := make([]int32, count)
	var msg errBuf
	st := C.bnngt_dataset_get(d.p, C.size_t(first), C.size_t(count), floatPtr(x), C.size_t(len(x)),
		labelPtr(y), C.size_t(len(y)), msg.ptr(), errCap)
	if err := result(op, st, &msg); err != nil {
		return nil, nil, err
	}
	return x, y, nil
}

// Slice copies samples [first, first+count) into a new dataset.
func (d *Dataset) Slice(first, count int) (*Dataset, error) {
	const op = "Slice"
	if first < 0 || count < 0 {
		return nil, &Error{Status: StatusOutOfRange, Message: "negative first or count", Op: op}
	}
	if err := d.rlock(op); err != nil {
		return nil, err
	}
	defer d.mu.RUnlock()
	var p *C.bnn_dataset
	var msg errBuf
	st := C.bnngt_dataset_slice(d.p, C.size_t(first), C.size_t(count), &p, msg.ptr(), errCap)
	return wrapDataset(op, st, p, &msg)
}

// ---- trainer --------------------------------------------------------------------------------

// EpochRecord is one epoch's metrics (a metrics.jsonl line). Fields that an epoch does not have
// (no test set, ...) are nil; JSON holds the whole record as the library wrote it.
type EpochRecord struct {
	Epoch         int      `json:"epoch"`
	LR            float64  `json:"lr"`
	TrainLoss     float64  `json:"train_loss"`
	TrainAccuracy float64  `json:"train_accuracy"`
	ValLoss       *float64 `json:"val_loss"`
	ValAccuracy   *float64 `json:"val_accuracy"`
	TestLoss      *float64 `json:"test_loss"`
	TestAccuracy  *float64 `json:"test_accuracy"`
	FlipRatio     float64  `json:"flip_ratio"`
	Seconds       float64  `json:"seconds"`
	Best          bool     `json:"best"`
	JSON          string   `json:"-"`
}

// Position tells where a trainer stands.
type Position struct {
	Epoch         int   // 0-based (= the number of epochs when done)
	StepInEpoch   int64 // steps taken in that epoch
	StepsPerEpoch int64
}

// StepCallback is called after every step; returning true stops RunEpoch right after that step
// with a StatusCancelled error (the next RunEpoch continues the same epoch).
type StepCallback func(step int64, epoch int32, loss float32) bool

// Trainer runs a model document's "training" recipe exactly as `bnn train` does (bnn_trainer):
// epochs, batches, shuffling from the model's seed, validation split, learning-rate schedule,
// phases, full-precision pretraining, per-epoch evaluation, best-validation tracking.
//
// The trainer uses its model and datasets on every call: while a call runs it holds the model's
// lock; a closed model or dataset makes it return StatusInvalidState errors. Close frees it.
type Trainer struct {
	mu                      sync.Mutex
	p                       *C.bnn_trainer
	model                   *Model
	train, validation, test *Dataset
	handle                  cgo.Handle
	state                   *stepState
}

// NewTrainer makes a trainer of m on train. validation nil holds out the last
// training.validation_split of train; test may be nil. A model loaded from a file written by
// Trainer.Save continues from there (give the same data).
func NewTrainer(m *Model, train, validation, test *Dataset) (*Trainer, error) {
	const op = "NewTrainer"
	t := &Trainer{model: m, train: train, validation: validation, test: test}
	var p *C.bnn_trainer
	var msg errBuf
	var st C.int
	err := t.withBorrowed(op, func() {
		st = C.bnngt_trainer_create(m.p, ptrOf(train), ptrOf(validation), ptrOf(test), &p, msg.ptr(), errCap)
	})
	if err != nil {
		return nil, err
	}
	if err := result(op, st, &msg); err != nil {
		return nil, err
	}
	if p == nil {
		return nil, &Error{Status: StatusInternal, Message: "the library returned OK without a trainer", Op: op}
	}
	t.p = p
	runtime.SetFinalizer(t, func(t *Trainer) { t.Close() })
	return t, nil
}

func ptrOf(d *Dataset) *C.bnn_dataset {
	if d == nil {
		return nil
	}
	return d.p
}

// withBorrowed runs fn while holding the model's lock and read locks on the datasets, after
// checking that none is closed.
func (t *Trainer) withBorrowed(op string, fn func()) error {
	if t.train == nil {
		return &Error{Status: StatusInvalidArgument, Message: "nil training dataset", Op: op}
	}
	if t.model == nil {
		return &Error{Status: StatusInvalidArgument, Message: "nil model", Op: op}
	}
	for _, d := range []*Dataset{t.train, t.validation, t.test} {
		if d == nil {
			continue
		}
		if err := d.rlock(op); err != nil {
			return err
		}
		defer d.mu.RUnlock()
	}
	if err := t.model.lock(op); err != nil {
		return err
	}
	defer t.model.mu.Unlock()
	fn()
	return nil
}

// lock takes the trainer for one call; it fails on a closed trainer. Callers unlock.
func (t *Trainer) lock(op string) error {
	t.mu.Lock()
	if t.p == nil {
		t.mu.Unlock()
		return &Error{Status: StatusInvalidState, Message: "the trainer is closed", Op: op}
	}
	return nil
}

// Close frees the trainer (not its model or datasets); it is idempotent.
func (t *Trainer) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.p != nil {
		C.bnn_trainer_free(t.p)
		t.p = nil
		runtime.SetFinalizer(t, nil)
	}
	if t.handle != 0 {
		t.handle.Delete()
		t.handle = 0
	}
	return nil
}

// RunEpoch runs the rest of the current epoch and returns its record. Errors: StatusCancelled
// when the step callback stopped it, StatusInvalidState after the last epoch or on a closed
// trainer, model or dataset. A panic in the step callback is re-raised here.
func (t *Trainer) RunEpoch() (*EpochRecord, error) {
	const op = "RunEpoch"
	if err := t.lock(op); err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	var rec *C.char
	var msg errBuf
	var st C.int
	if err := t.withBorrowed(op, func() { st = C.bnngt_run_epoch(t.p, &rec, msg.ptr(), errCap) }); err != nil {
		return nil, err
	}
	if t.state != nil && t.state.panic != nil {
		p := t.state.panic
		t.state.panic = nil
		C.free(unsafe.Pointer(rec))
		panic(p)
	}
	if err := result(op, st, &msg); err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, &Error{Status: StatusInternal, Message: "run_epoch gave no record", Op: op}
	}
	text := C.GoString(rec)
	C.free(unsafe.Pointer(rec))
	record := &EpochRecord{JSON: text}
	if err := json.Unmarshal([]byte(text), record); err != nil {
		return nil, &Error{Status: StatusInternal, Message: "unreadable record: " + err.Error(), Op: op}
	}
	return record, nil
}

// Fit runs every remaining epoch and returns their records (the history).
func (t *Trainer) Fit() ([]EpochRecord, error) {
	var history []EpochRecord
	for !t.Done() {
		rec, err := t.RunEpoch()
		if err != nil {
			return history, err
		}
		history = append(history, *rec)
	}
	return history, nil
}

// Done tells whether every epoch ran (false on a closed trainer).
func (t *Trainer) Done() bool {
	if t.lock("Done") != nil {
		return false
	}
	defer t.mu.Unlock()
	return C.bnn_trainer_done(t.p) != 0
}

// SetStepCallback installs fn (nil removes the callback).
func (t *Trainer) SetStepCallback(fn StepCallback) error {
	const op = "SetStepCallback"
	if err := t.lock(op); err != nil {
		return err
	}
	defer t.mu.Unlock()
	var msg errBuf
	if fn == nil {
		if err := result(op, C.bnngt_set_step_callback(t.p, 0, msg.ptr(), errCap), &msg); err != nil {
			return err
		}
		if t.handle != 0 {
			t.handle.Delete()
		}
		t.handle, t.state = 0, nil
		return nil
	}
	state := &stepState{fn: fn}
	h := cgo.NewHandle(state)
	if err := result(op, C.bnngt_set_step_callback(t.p, C.uintptr_t(h), msg.ptr(), errCap), &msg); err != nil {
		h.Delete()
		return err
	}
	if t.handle != 0 {
		t.handle.Delete()
	}
	t.handle, t.state = h, state
	return nil
}

// BestModel is a new model holding the best-validation binarised epoch so far.
func (t *Trainer) BestModel() (*Model, error) {
	const op = "BestModel"
	if err := t.lock(op); err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	var p *C.bnn_model
	var msg errBuf
	var st C.int
	if err := t.withBorrowed(op, func() { st = C.bnngt_best_model(t.p, &p, msg.ptr(), errCap) }); err != nil {
		return nil, err
	}
	if err := result(op, st, &msg); err != nil {
		return nil, err
	}
	if p == nil {
		return nil, &Error{Status: StatusInternal, Message: "the library returned OK without a model", Op: op}
	}
	return wrap(p), nil
}

// Position tells the epoch the trainer is in and the steps taken of it.
func (t *Trainer) Position() (Position, error) {
	const op = "Position"
	if err := t.lock(op); err != nil {
		return Position{}, err
	}
	defer t.mu.Unlock()
	var e C.int32_t
	var s, n C.int64_t
	var msg errBuf
	if err := result(op, C.bnngt_position(t.p, &e, &s, &n, msg.ptr(), errCap), &msg); err != nil {
		return Position{}, err
	}
	return Position{Epoch: int(e), StepInEpoch: int64(s), StepsPerEpoch: int64(n)}, nil
}

// State is the trainer's state as JSON (position, best epoch, history of records).
func (t *Trainer) State() (string, error) {
	const op = "State"
	if err := t.lock(op); err != nil {
		return "", err
	}
	defer t.mu.Unlock()
	var size C.size_t
	var msg errBuf
	if err := result(op, C.bnngt_state_json(t.p, nil, 0, &size, msg.ptr(), errCap), &msg); err != nil {
		return "", err
	}
	buf := make([]byte, int(size)+1)
	st := C.bnngt_state_json(t.p, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &size, msg.ptr(), errCap)
	if err := result(op, st, &msg); err != nil {
		return "", err
	}
	return C.GoString((*C.char)(unsafe.Pointer(&buf[0]))), nil
}

// Save writes the model with the trainer's progress; Load + NewTrainer on the same data resumes
// bit-exactly.
func (t *Trainer) Save(path string) error {
	const op = "Save"
	if err := t.lock(op); err != nil {
		return err
	}
	defer t.mu.Unlock()
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var msg errBuf
	var st C.int
	if err := t.withBorrowed(op, func() { st = C.bnngt_trainer_save(t.p, cpath, msg.ptr(), errCap) }); err != nil {
		return err
	}
	return result(op, st, &msg)
}

// ---- inference engine -------------------------------------------------------------------------

// InferEngine runs a "bnn-infer" deployment file (bnn_infer). Calls are serialised by a mutex;
// Close frees it (idempotent).
type InferEngine struct {
	mu         sync.Mutex
	p          *C.bnn_infer
	inputSize  int
	outputSize int
}

func wrapInfer(op string, st C.int, p *C.bnn_infer, msg *errBuf) (*InferEngine, error) {
	if err := result(op, st, msg); err != nil {
		return nil, err
	}
	if p == nil {
		return nil, &Error{Status: StatusInternal, Message: "the library returned OK without an engine", Op: op}
	}
	e := &InferEngine{p: p, inputSize: int(C.bnn_infer_input_size(p)), outputSize: int(C.bnn_infer_output_size(p))}
	runtime.SetFinalizer(e, func(e *InferEngine) { e.Close() })
	return e, nil
}

// LoadInfer loads a "bnn-infer" file.
func LoadInfer(path string) (*InferEngine, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var p *C.bnn_infer
	var msg errBuf
	st := C.bnngt_infer_load(cpath, &p, msg.ptr(), errCap)
	return wrapInfer("LoadInfer", st, p, &msg)
}

// LoadInferBytes loads the bytes of Model.ExportBytes("bnn-infer").
func LoadInferBytes(b []byte) (*InferEngine, error) {
	var ptr *C.uint8_t
	if len(b) > 0 {
		ptr = (*C.uint8_t)(unsafe.Pointer(&b[0]))
	}
	var p *C.bnn_infer
	var msg errBuf
	st := C.bnngt_infer_load_buffer(ptr, C.size_t(len(b)), &p, msg.ptr(), errCap)
	return wrapInfer("LoadInferBytes", st, p, &msg)
}

// InputSize is the number of floats per sample.
func (e *InferEngine) InputSize() int { return e.inputSize }

// OutputSize is the number of classes.
func (e *InferEngine) OutputSize() int { return e.outputSize }

// Close frees the engine; it is idempotent.
func (e *InferEngine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.p != nil {
		C.bnn_infer_free(e.p)
		e.p = nil
		runtime.SetFinalizer(e, nil)
	}
	return nil
}

// Predict gives OutputSize() logits per sample of x.
func (e *InferEngine) Predict(x []float32) ([]float32, error) {
	const op = "InferEngine.Predict"
	if e.inputSize == 0 || len(x)%e.inputSize != 0 {
		return nil, &Error{Status: StatusShapeMismatch, Op: op,
			Message: "x holds " + strconv.Itoa(len(x)) + " floats, not a multiple of the input size " + strconv.Itoa(e.inputSize)}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.p == nil {
		return nil, &Error{Status: StatusInvalidState, Message: "the engine is closed", Op: op}
	}
	batch := len(x) / e.inputSize
	logits := make([]float32, batch*e.outputSize)
	var msg errBuf
	st := C.bnngt_infer_predict(e.p, floatPtr(x), C.size_t(batch), floatPtr(logits), C.size_t(len(logits)), msg.ptr(), errCap)
	if err := result(op, st, &msg); err != nil {
		return nil, err
	}
	return logits, nil
}
