package bnn

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// recipe is smallMLP with a three-epoch training section: 300 samples, 10% held out, batches of 20.
var recipe = strings.Replace(smallMLP, `"seed": 1`,
	`"seed": 1, "training": {"epochs": 3, "batch_size": 20, "validation_split": 0.1}`, 1)

func newDataset(t *testing.T, n int, seed uint64) *Dataset {
	t.Helper()
	x, y := synthetic(n, seed)
	d, err := NewDataset(x, y, dim)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func newRecipeModel(t *testing.T) *Model {
	t.Helper()
	m, err := FromJSON(recipe)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func newTrainer(t *testing.T, m *Model, d *Dataset) *Trainer {
	t.Helper()
	tr, err := NewTrainer(m, d, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

func TestDataset(t *testing.T) {
	x, y := synthetic(100, 3)
	d := newDataset(t, 100, 3)
	if d.Len() != 100 || d.SampleSize() != dim || d.NumClasses() != classes {
		t.Fatalf("dataset %d x %d, %d classes", d.Len(), d.SampleSize(), d.NumClasses())
	}
	gx, gy, err := d.Get(10, 5)
	if err != nil || !reflect.DeepEqual(gx, x[10*dim:15*dim]) || !reflect.DeepEqual(gy, y[10:15]) {
		t.Fatalf("Get: %v", err)
	}
	part, err := d.Slice(90, 10)
	if err != nil || part.Len() != 10 {
		t.Fatalf("Slice: %v", err)
	}
	part.Close()
	part.Close()
	if part.Len() != 0 {
		t.Fatal("a closed dataset has no samples")
	}
	_, _, err = part.Get(0, 1)
	wantStatus(t, err, StatusInvalidState)
	_, _, err = d.Get(99, 5)
	wantStatus(t, err, StatusOutOfRange)
	_, err = NewDataset(x[:7], y, dim)
	wantStatus(t, err, StatusShapeMismatch)
	bad := append([]float32(nil), x...)
	bad[3] = float32(inf())
	_, err = NewDataset(bad, y, dim)
	if e := wantStatus(t, err, StatusNumeric); e.Message == "" {
		t.Fatal("the library's message is lost")
	}
	_, err = LoadIDX("/nonexistent/images", "/nonexistent/labels")
	wantStatus(t, err, StatusIO)
	_ = GzipSupported()
}

func inf() float64 { var z float64; return 1 / z }

func TestTrainerRunEpoch(t *testing.T) {
	d := newDataset(t, 300, 1)
	m := newRecipeModel(t)
	tr := newTrainer(t, m, d)
	rec, err := tr.RunEpoch()
	if err != nil {
		t.Fatal(err)
	}
	if rec.Epoch != 0 || rec.ValAccuracy == nil || rec.TestAccuracy != nil || rec.LR <= 0 || rec.JSON == "" {
		t.Fatalf("record %+v", rec)
	}
	rest, err := tr.Fit()
	if err != nil || len(rest) != 2 || rest[1].Epoch != 2 {
		t.Fatalf("Fit: %v %+v", err, rest)
	}
	if !tr.Done() {
		t.Fatal("not done after the last epoch")
	}
	pos, err := tr.Position()
	if err != nil || pos.Epoch != 3 || pos.StepsPerEpoch != 14 {
		t.Fatalf("position %+v %v", pos, err)
	}
	_, err = tr.RunEpoch()
	wantStatus(t, err, StatusInvalidState)
	if *rest[1].ValAccuracy < 0.8 {
		t.Fatalf("val accuracy %v", *rest[1].ValAccuracy)
	}
	best, err := tr.BestModel()
	if err != nil {
		t.Fatal(err)
	}
	defer best.Close()
	val, _ := d.Slice(270, 30)
	defer val.Close()
	_, acc, err := best.EvaluateDataset(val)
	bestVal := *rec.ValAccuracy
	for _, r := range rest {
		if *r.ValAccuracy > bestVal {
			bestVal = *r.ValAccuracy
		}
	}
	if err != nil || float64(acc)-bestVal > 1e-6 || bestVal-float64(acc) > 1e-6 {
		t.Fatalf("best model accuracy %v, records' best %v (%v)", acc, bestVal, err)
	}
	if s, err := tr.State(); err != nil || !strings.Contains(s, "history") {
		t.Fatalf("state %q %v", s, err)
	}
	if n, _ := m.StepCount(); n != 42 {
		t.Fatalf("%d steps", n)
	}
}

func TestTrainerCancelContinueAndResume(t *testing.T) {
	d := newDataset(t, 300, 1)
	ref := newRecipeModel(t)
	history, err := newTrainer(t, ref, d).Fit()
	if err != nil || len(history) != 3 {
		t.Fatal(err)
	}

	m := newRecipeModel(t)
	tr := newTrainer(t, m, d)
	var last int64
	if err := tr.SetStepCallback(func(step int64, epoch int32, loss float32) bool {
		last = step
		return step == 5
	}); err != nil {
		t.Fatal(err)
	}
	_, err = tr.RunEpoch()
	wantStatus(t, err, StatusCancelled)
	if pos, _ := tr.Position(); last != 5 || pos.StepInEpoch != 5 {
		t.Fatalf("stopped at %d, position %+v", last, pos)
	}
	if err := tr.SetStepCallback(nil); err != nil {
		t.Fatal(err)
	}
	rest, err := tr.Fit()
	if err != nil || len(rest) != 3 || rest[2].TrainLoss != history[2].TrainLoss {
		t.Fatalf("continued: %v %+v", err, rest)
	}
	if !reflect.DeepEqual(allTensors(t, m), allTensors(t, ref)) {
		t.Fatal("cancel + continue differs from an uninterrupted run")
	}

	// Save mid-epoch, resume from the file.
	path := filepath.Join(t.TempDir(), "progress.bnn")
	m2 := newRecipeModel(t)
	tr2 := newTrainer(t, m2, d)
	if _, err := tr2.RunEpoch(); err != nil {
		t.Fatal(err)
	}
	tr2.SetStepCallback(func(step int64, _ int32, _ float32) bool { return step == 20 })
	_, err = tr2.RunEpoch()
	wantStatus(t, err, StatusCancelled)
	if err := tr2.Save(path); err != nil {
		t.Fatal(err)
	}
	resumed, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	defer resumed.Close()
	if _, err := newTrainer(t, resumed, d).Fit(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(allTensors(t, resumed), allTensors(t, ref)) {
		t.Fatal("a resumed run differs from an uninterrupted run")
	}
}

func TestTrainerCallbackPanicIsReraised(t *testing.T) {
	d := newDataset(t, 300, 1)
	tr := newTrainer(t, newRecipeModel(t), d)
	tr.SetStepCallback(func(int64, int32, float32) bool { panic("boom") })
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Fatalf("recovered %v", r)
			}
		}()
		tr.RunEpoch()
		t.Fatal("no panic")
	}()
	if pos, _ := tr.Position(); pos.StepInEpoch != 1 {
		t.Fatalf("position %+v", pos)
	}
}

func TestTrainerBadInputAndClosedHandles(t *testing.T) {
	m := newRecipeModel(t)
	wrong, err := NewDataset(make([]float32, 50), make([]int32, 10), 5)
	if err != nil {
		t.Fatal(err)
	}
	defer wrong.Close()
	_, err = NewTrainer(m, wrong, nil, nil)
	if e := wantStatus(t, err, StatusShapeMismatch); e.Message == "" {
		t.Fatal("no message")
	}
	_, err = NewTrainer(m, nil, nil, nil)
	wantStatus(t, err, StatusInvalidArgument)

	d := newDataset(t, 300, 1)
	tr := newTrainer(t, m, d)
	d2 := newDataset(t, 300, 1)
	tr2 := newTrainer(t, m, d2)
	d2.Close()
	_, err = tr2.RunEpoch()
	wantStatus(t, err, StatusInvalidState)
	m.Close()
	_, err = tr.RunEpoch()
	wantStatus(t, err, StatusInvalidState)
	tr.Close()
	tr.Close()
	_, err = tr.RunEpoch()
	wantStatus(t, err, StatusInvalidState)
	if tr.Done() {
		t.Fatal("a closed trainer is not done")
	}
}

func TestMetadataLastStepAccuracyExport(t *testing.T) {
	m := newModel(t)
	if s, err := m.Metadata(); err != nil || s != "null" {
		t.Fatalf("metadata %q %v", s, err)
	}
	if err := m.SetMetadata(`{"run":"a"}`); err != nil {
		t.Fatal(err)
	}
	if s, _ := m.Metadata(); !strings.Contains(s, `"run"`) {
		t.Fatalf("metadata %q", s)
	}
	wantStatus(t, m.SetMetadata("{broken"), StatusInvalidArgument)
	x, y := synthetic(200, 5)
	train(t, m, x, y, 3)
	if acc, err := m.LastStepAccuracy(); err != nil || acc < 0 || acc > 1 {
		t.Fatalf("last step accuracy %v %v", acc, err)
	}

	b, err := m.ExportBytes("bnn-infer")
	if err != nil {
		t.Fatal(err)
	}
	e, err := LoadInferBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	want, _ := m.Predict(x)
	got, err := e.Predict(x)
	if err != nil || len(got) != len(want) {
		t.Fatal(err)
	}
	for i := range got {
		if d := got[i] - want[i]; d > 1e-3 || d < -1e-3 {
			t.Fatalf("logit %d: %v vs %v", i, got[i], want[i])
		}
	}
	_, err = e.Predict(x[:3])
	wantStatus(t, err, StatusShapeMismatch)
	_, err = LoadInferBytes(b[:len(b)/2])
	wantStatus(t, err, StatusCorruptData)
	path := filepath.Join(t.TempDir(), "m.onnx")
	if err := m.Export("onnx", path); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Size() < 100 {
		t.Fatalf("onnx file: %v", err)
	}
	wantStatus(t, m.Export("nope", path), StatusInvalidArgument)
	p2 := filepath.Join(t.TempDir(), "m.bnni")
	if err := m.Export("bnn-infer", p2); err != nil {
		t.Fatal(err)
	}
	e2, err := LoadInfer(p2)
	if err != nil {
		t.Fatal(err)
	}
	e2.Close()
	_, err = e2.Predict(x)
	wantStatus(t, err, StatusInvalidState)
}
