package bnn

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

const (
	dim     = 8
	classes = 3
)

const smallMLP = `{
  "input_shape": [8],
  "layers": [
    {"type": "dense", "units": 16, "use_bias": false,
     "kernel_quantizer": {"type": "sign", "ste": "clipped", "clip": 1.0}},
    {"type": "batch_norm", "momentum": 0.9, "epsilon": 1e-5},
    {"type": "dense", "units": 3, "use_bias": false,
     "input_quantizer": {"type": "sign", "ste": "clipped"},
     "kernel_quantizer": {"type": "sign", "ste": "identity"}},
    {"type": "batch_norm"}
  ],
  "loss": "cross_entropy",
  "optimizer": {"type": "adam", "learning_rate": 0.001},
  "weight_clip": {"mode": "fixed", "value": 1.0},
  "seed": 1
}`

// synthetic: classes are corners of {-1,+1}^8 at least 4 sign flips apart, plus uniform noise.
func synthetic(n int, seed uint64) ([]float32, []int32) {
	state := seed*6364136223846793005 + 1442695040888963407
	uniform := func() float32 {
		state = state*6364136223846793005 + 1442695040888963407
		return float32((state>>40)&0xFFFFFF) / 16777216.0
	}
	var centres [][dim]float32
	for len(centres) < classes {
		var c [dim]float32
		for j := range c {
			c[j] = 1
			if uniform() < 0.5 {
				c[j] = -1
			}
		}
		far := true
		for _, o := range centres {
			flips := 0
			for j := range c {
				if c[j] != o[j] {
					flips++
				}
			}
			far = far && flips >= dim/2
		}
		if far {
			centres = append(centres, c)
		}
	}
	x := make([]float32, 0, n*dim)
	y := make([]int32, 0, n)
	for i := 0; i < n; i++ {
		class := int(uniform() * classes)
		if class >= classes {
			class = classes - 1
		}
		y = append(y, int32(class))
		for _, c := range centres[class] {
			x = append(x, c+1.2*(2*uniform()-1))
		}
	}
	return x, y
}

func newModel(t *testing.T) *Model {
	t.Helper()
	m, err := FromJSON(smallMLP)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func train(t *testing.T, m *Model, x []float32, y []int32, epochs int) float32 {
	t.Helper()
	var loss float32
	for e := 0; e < epochs; e++ {
		for b := 0; b+50 <= len(y); b += 50 {
			var err error
			if loss, err = m.TrainStep(x[b*dim:(b+50)*dim], y[b:b+50]); err != nil {
				t.Fatal(err)
			}
		}
	}
	return loss
}

func allTensors(t *testing.T, m *Model) [][]float32 {
	t.Helper()
	names, err := m.TensorNames()
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]float32, len(names))
	for i := range names {
		if out[i], err = m.TensorAt(i); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func wantStatus(t *testing.T, err error, want Status) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want a *bnn.Error with %v, got %v", want, err)
	}
	if e.Status != want || !errors.Is(err, want) {
		t.Fatalf("want %v, got %v", want, err)
	}
	return e
}

func TestTrainsSmallModelToThreshold(t *testing.T) {
	x, y := synthetic(600, 7)
	m := newModel(t)
	if m.InputSize() != dim || m.OutputSize() != classes {
		t.Fatalf("sizes %d, %d", m.InputSize(), m.OutputSize())
	}
	loss0, _, err := m.Evaluate(x, y)
	if err != nil {
		t.Fatal(err)
	}
	train(t, m, x, y, 20)
	loss, acc, err := m.Evaluate(x, y)
	if err != nil {
		t.Fatal(err)
	}
	if loss >= loss0 || acc < 0.9 {
		t.Fatalf("loss %v -> %v, accuracy %v", loss0, loss, acc)
	}
	if steps, _ := m.StepCount(); steps != 20*12 {
		t.Errorf("step count %d", steps)
	}
	if r, err := m.FlipRatio(); err != nil || r < 0 || r > 1 {
		t.Errorf("flip ratio %v, %v", r, err)
	}
	_, err = m.LayerFlipRatio(99)
	wantStatus(t, err, StatusOutOfRange)

	logits, err := m.Predict(x)
	if err != nil || len(logits) != len(y)*classes {
		t.Fatalf("predict: %d logits, %v", len(logits), err)
	}
	correct := 0
	for i, label := range y {
		row := logits[i*classes : (i+1)*classes]
		best := 0
		for c := range row {
			if row[c] > row[best] {
				best = c
			}
		}
		if int32(best) == label {
			correct++
		}
	}
	if got := float32(correct) / float32(len(y)); math.Abs(float64(got-acc)) > 0.01 {
		t.Errorf("predict accuracy %v, evaluate %v", got, acc)
	}
}

func TestBadInputIsAnErrorAndChangesNothing(t *testing.T) {
	x, y := synthetic(100, 3)
	m := newModel(t)
	train(t, m, x, y, 1)
	before := allTensors(t, m)

	_, err := m.TrainStep(x[:2*dim+3], y[:2])
	wantStatus(t, err, StatusShapeMismatch)
	_, err = m.TrainStep(x[:4*dim], y[:3])
	wantStatus(t, err, StatusShapeMismatch)
	_, err = m.Predict(x[:5])
	wantStatus(t, err, StatusShapeMismatch)

	bad := append([]float32(nil), x[:4*dim]...)
	bad[5] = float32(math.NaN())
	_, err = m.TrainStep(bad, y[:4])
	if e := wantStatus(t, err, StatusNumeric); e.Message == "" || e.Op != "TrainStep" {
		t.Errorf("error without message or op: %#v", e)
	}
	bad[5] = float32(math.Inf(1))
	_, err = m.TrainStep(bad, y[:4])
	wantStatus(t, err, StatusNumeric)

	_, err = m.TrainStep(x[:2*dim], []int32{0, 3})
	if e := wantStatus(t, err, StatusOutOfRange); e.Message == "" {
		t.Error("no message for a label out of range")
	}
	_, err = m.TrainStep(x[:dim], []int32{-1})
	wantStatus(t, err, StatusOutOfRange)
	_, err = m.TrainStep(nil, nil)
	wantStatus(t, err, StatusInvalidArgument)

	if !reflect.DeepEqual(allTensors(t, m), before) {
		t.Fatal("a failed call changed the model")
	}
	if _, err := m.TrainStep(x[:4*dim], y[:4]); err != nil {
		t.Fatal(err)
	}
}

func TestBadDocumentsNameTheProblem(t *testing.T) {
	_, err := FromJSON("{")
	if e := wantStatus(t, err, StatusInvalidArgument); e.Message == "" {
		t.Error("no message")
	}
	_, err = FromJSON(strings.Replace(smallMLP, `"seed": 1`, `"seed": 1, "bogus": 2`, 1))
	if e := wantStatus(t, err, StatusInvalidArgument); !strings.Contains(e.Message, "bogus") {
		t.Errorf("message does not name the key: %v", e)
	}
}

// The thread-local message must be read in the same C call: hammer it from many goroutines,
// each failing with its own message, while the scheduler moves them between threads.
func TestErrorMessagesSurviveThreadSwitches(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			key := "bogus" + string(rune('a'+g))
			doc := strings.Replace(smallMLP, `"seed": 1`, `"seed": 1, "`+key+`": 2`, 1)
			for i := 0; i < 50; i++ {
				_, err := FromJSON(doc)
				var e *Error
				if !errors.As(err, &e) || !strings.Contains(e.Message, key) {
					t.Errorf("goroutine %d got %v", g, err)
					return
				}
				runtime.Gosched()
			}
		}(g)
	}
	wg.Wait()
}

func TestUseAfterCloseIsAnError(t *testing.T) {
	m, err := FromJSON(smallMLP)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	x, y := synthetic(10, 1)
	_, err = m.TrainStep(x, y)
	wantStatus(t, err, StatusInvalidState)
	_, err = m.Predict(x)
	wantStatus(t, err, StatusInvalidState)
	_, _, err = m.Evaluate(x, y)
	wantStatus(t, err, StatusInvalidState)
	_, err = m.Tensor("layers.0.kernel")
	wantStatus(t, err, StatusInvalidState)
	wantStatus(t, m.Configure(`{}`), StatusInvalidState)
	_, err = m.Bytes()
	wantStatus(t, err, StatusInvalidState)
	wantStatus(t, m.Save(filepath.Join(t.TempDir(), "m.bnn")), StatusInvalidState)
}

func TestFinalizerFreesDroppedModels(t *testing.T) {
	for i := 0; i < 20; i++ {
		if _, err := FromJSON(smallMLP); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.GC()
}

func TestConcurrentUseIsSerialised(t *testing.T) {
	x, y := synthetic(200, 9)
	m := newModel(t)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; b+50 <= len(y); b += 50 {
				if _, err := m.TrainStep(x[b*dim:(b+50)*dim], y[b:b+50]); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if steps, _ := m.StepCount(); steps != 16 {
		t.Errorf("step count %d, want 16", steps)
	}
}

func TestTensorsByName(t *testing.T) {
	m := newModel(t)
	names, err := m.TensorNames()
	if err != nil || names[0] != "layers.0.kernel" {
		t.Fatalf("names %v, %v", names, err)
	}
	kernel, err := m.Tensor("layers.0.kernel")
	if err != nil || len(kernel) != dim*16 {
		t.Fatalf("kernel %d, %v", len(kernel), err)
	}
	values := make([]float32, len(kernel))
	for i := range values {
		values[i] = float32(i)/100 - 0.5
	}
	if err := m.SetTensor("layers.0.kernel", values); err != nil {
		t.Fatal(err)
	}
	if got, _ := m.Tensor("layers.0.kernel"); !reflect.DeepEqual(got, values) {
		t.Fatal("set/get round trip differs")
	}
	wantStatus(t, m.SetTensor("layers.0.kernel", values[1:]), StatusShapeMismatch)
	values[3] = float32(math.NaN())
	wantStatus(t, m.SetTensor("layers.0.kernel", values), StatusNumeric)
	_, err = m.Tensor("no.such.tensor")
	wantStatus(t, err, StatusOutOfRange)
	_, err = m.TensorAt(1000)
	wantStatus(t, err, StatusOutOfRange)
}

func TestParametersAndConfigure(t *testing.T) {
	m := newModel(t)
	if err := m.SetParam(ParamLearningRate, 0.01); err != nil {
		t.Fatal(err)
	}
	if v, _ := m.Param(ParamLearningRate); v != 0.01 {
		t.Errorf("learning rate %v", v)
	}
	if lo, hi, err := ParamLearningRate.Bounds(); err != nil || lo > 0.01 || hi < 0.01 {
		t.Errorf("bounds %v %v %v", lo, hi, err)
	}
	if ParamLearningRate.Name() != "learning_rate" {
		t.Errorf("name %q", ParamLearningRate.Name())
	}
	wantStatus(t, m.SetParam(ParamLearningRate, -1), StatusOutOfRange)
	if v, _ := m.Param(ParamLearningRate); v != 0.01 {
		t.Errorf("a refused value changed the learning rate to %v", v)
	}
	_, err := m.Param(ParamMomentum) // adam has none
	wantStatus(t, err, StatusUnsupported)
	if err := m.SetParamInt(ParamKernelSte, SteIdentity); err != nil {
		t.Fatal(err)
	}
	if v, _ := m.ParamInt(ParamKernelSte); v != SteIdentity {
		t.Errorf("kernel ste %v", v)
	}
	if err := m.Configure(`{"learning_rate": 0.002, "kernel_ste": "clipped"}`); err != nil {
		t.Fatal(err)
	}
	if v, _ := m.ParamInt(ParamKernelSte); v != SteClipped {
		t.Errorf("kernel ste %v after configure", v)
	}
	err = m.Configure(`{"learning_rate": 0.5, "kernel_ste": "nonsense"}`)
	if e := wantStatus(t, err, StatusInvalidArgument); !strings.Contains(e.Message, "kernel_ste") {
		t.Errorf("message %q", e.Message)
	}
	if v, _ := m.Param(ParamLearningRate); v != 0.002 {
		t.Errorf("a refused patch changed the learning rate to %v", v)
	}
	if doc, err := m.ConfigJSON(); err != nil || !strings.Contains(doc, `"layers"`) {
		t.Errorf("config json %q, %v", doc, err)
	}
	if s, err := m.Summary(); err != nil || s == "" {
		t.Errorf("summary %q, %v", s, err)
	}
}

func TestSaveAndLoadResumeBitExactly(t *testing.T) {
	x, y := synthetic(200, 11)
	m := newModel(t)
	train(t, m, x, y, 2)
	b, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "model.bnn")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	fromBytes, err := LoadBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	defer fromBytes.Close()
	fromFile, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fromFile.Close()
	clone, err := m.Clone()
	if err != nil {
		t.Fatal(err)
	}
	defer clone.Close()

	train(t, m, x, y, 1)
	want := allTensors(t, m)
	for _, other := range []*Model{fromBytes, fromFile, clone} {
		train(t, other, x, y, 1)
		if !reflect.DeepEqual(allTensors(t, other), want) {
			t.Error("resumed training differs")
		}
	}

	corrupt := append([]byte(nil), b...)
	corrupt[len(corrupt)/2] ^= 0x55
	_, err = LoadBytes(corrupt)
	wantStatus(t, err, StatusCorruptData)
	_, err = LoadBytes(b[:10])
	wantStatus(t, err, StatusCorruptData)
	_, err = LoadBytes(nil)
	if err == nil {
		t.Error("loading no bytes succeeded")
	}
	_, err = Load(filepath.Join(t.TempDir(), "missing", "m.bnn"))
	if e := wantStatus(t, err, StatusIO); e.Message == "" {
		t.Error("no message")
	}
	if _, err := os.Stat(path); err != nil {
		t.Error(err)
	}
}

func TestVersionAndISA(t *testing.T) {
	n := VersionNumber()
	want := strings.Join([]string{strconv.Itoa(int(n / 10000)), strconv.Itoa(int(n / 100 % 100)), strconv.Itoa(int(n % 100))}, ".")
	if Version() != want {
		t.Errorf("version %q, number %d", Version(), n)
	}
	if ISA() == "" || !ISASupported("scalar") {
		t.Error("no ISA")
	}
	err := SetISA("z80")
	if e := wantStatus(t, err, StatusInvalidArgument); e.Message == "" {
		t.Error("no message")
	}
	wantStatus(t, SetNumThreads(-1), StatusOutOfRange)
}
