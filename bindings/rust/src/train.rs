//! Datasets and the library's trainer (since libbnn 0.2.0).

use std::any::Any;
use std::ffi::CStr;
use std::fmt;
use std::marker::PhantomData;
use std::os::raw::{c_char, c_int, c_void};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::ptr::{self, NonNull};

use crate::{c_path, check_global, owned_string, sys, Error, Evaluation, Model, Result, Status};

/// Samples owned by the library (`bnn_dataset`): read-only once made, so it may be shared by
/// several trainers and threads (`Send + Sync`).
pub struct Dataset {
    raw: NonNull<sys::bnn_dataset>,
}

// SAFETY: a dataset is read-only once made; the C library allows concurrent readers.
unsafe impl Send for Dataset {}
unsafe impl Sync for Dataset {}

impl Drop for Dataset {
    fn drop(&mut self) {
        // SAFETY: raw is a live handle owned by self, never used again.
        unsafe { sys::bnn_dataset_free(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for Dataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dataset")
            .field("len", &self.len())
            .field("sample_size", &self.sample_size())
            .field("num_classes", &self.num_classes())
            .finish()
    }
}

impl Dataset {
    fn from_created(status: sys::bnn_status, raw: *mut sys::bnn_dataset) -> Result<Dataset> {
        check_global(status)?;
        NonNull::new(raw).map(|raw| Dataset { raw }).ok_or_else(|| {
            Error::new(
                Status::Internal,
                "the library returned OK without a dataset",
            )
        })
    }

    /// Copies `labels.len()` samples: `x` holds `labels.len() * sample_size` floats, row-major.
    pub fn new(x: &[f32], labels: &[i32], sample_size: usize) -> Result<Dataset> {
        if sample_size == 0 || x.len() != labels.len().saturating_mul(sample_size) {
            return Err(Error::new(
                Status::ShapeMismatch,
                format!(
                    "x holds {} floats; expected {} labels x {sample_size} floats per sample",
                    x.len(),
                    labels.len()
                ),
            ));
        }
        let mut raw = ptr::null_mut();
        // SAFETY: x and labels hold the sizes passed; raw is a valid out-pointer.
        let status = unsafe {
            sys::bnn_dataset_create(
                x.as_ptr(),
                labels.as_ptr(),
                labels.len(),
                sample_size,
                &mut raw,
            )
        };
        Dataset::from_created(status, raw)
    }

    /// Reads an IDX image file and its IDX label file (gzip'd or raw); pixels / 255.
    pub fn load_idx(images: impl AsRef<Path>, labels: impl AsRef<Path>) -> Result<Dataset> {
        let images = c_path(images.as_ref())?;
        let labels = c_path(labels.as_ref())?;
        let mut raw = ptr::null_mut();
        // SAFETY: NUL-terminated paths, valid out-pointer.
        let status =
            unsafe { sys::bnn_dataset_load_idx(images.as_ptr(), labels.as_ptr(), &mut raw) };
        Dataset::from_created(status, raw)
    }

    pub(crate) fn ptr(&self) -> *const sys::bnn_dataset {
        self.raw.as_ptr()
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        // SAFETY: live handle.
        unsafe { sys::bnn_dataset_count(self.ptr()) }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Floats per sample.
    pub fn sample_size(&self) -> usize {
        // SAFETY: live handle.
        unsafe { sys::bnn_dataset_sample_size(self.ptr()) }
    }

    /// 1 + the largest label.
    pub fn num_classes(&self) -> usize {
        // SAFETY: live handle.
        unsafe { sys::bnn_dataset_num_classes(self.ptr()) }
    }

    /// Copies samples `[first, first + count)` out as (samples row-major, labels).
    pub fn get(&self, first: usize, count: usize) -> Result<(Vec<f32>, Vec<i32>)> {
        let mut x = vec![0.0f32; count.saturating_mul(self.sample_size())];
        let mut y = vec![0i32; count];
        // SAFETY: the buffers have the capacities passed.
        let status = unsafe {
            sys::bnn_dataset_get(
                self.ptr(),
                first,
                count,
                x.as_mut_ptr(),
                x.len(),
                y.as_mut_ptr(),
                y.len(),
            )
        };
        check_global(status).map(|_| (x, y))
    }

    /// Samples `[first, first + count)` as a new dataset (a copy).
    pub fn slice(&self, first: usize, count: usize) -> Result<Dataset> {
        let mut raw = ptr::null_mut();
        // SAFETY: live handle, valid out-pointer.
        let status = unsafe { sys::bnn_dataset_slice(self.ptr(), first, count, &mut raw) };
        Dataset::from_created(status, raw)
    }
}

/// Whether [`Dataset::load_idx`] reads gzip'd files in this build of the library.
pub fn gzip_supported() -> bool {
    // SAFETY: no arguments.
    unsafe { sys::bnn_dataset_gzip_supported() != 0 }
}

/// One epoch's metrics: the JSON object of a metrics.jsonl line, with typed accessors for the
/// keys every record has.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochRecord {
    json: String,
}

impl EpochRecord {
    /// The record as the library wrote it (one JSON object).
    pub fn json(&self) -> &str {
        &self.json
    }

    /// The raw JSON text of a top-level key's value ("0.5", "null", "\"adam\"", "[...]").
    pub fn raw(&self, key: &str) -> Option<&str> {
        top_level_value(&self.json, key)
    }

    /// A numeric value (None when the key is absent, null or not a number).
    pub fn number(&self, key: &str) -> Option<f64> {
        self.raw(key).and_then(|v| v.parse::<f64>().ok())
    }

    /// The 0-based epoch.
    pub fn epoch(&self) -> i64 {
        self.number("epoch").map(|v| v as i64).unwrap_or(-1)
    }
    pub fn lr(&self) -> Option<f64> {
        self.number("lr")
    }
    pub fn train_loss(&self) -> Option<f64> {
        self.number("train_loss")
    }
    pub fn train_accuracy(&self) -> Option<f64> {
        self.number("train_accuracy")
    }
    pub fn val_accuracy(&self) -> Option<f64> {
        self.number("val_accuracy")
    }
    pub fn test_accuracy(&self) -> Option<f64> {
        self.number("test_accuracy")
    }
    pub fn flip_ratio(&self) -> Option<f64> {
        self.number("flip_ratio")
    }
    pub fn seconds(&self) -> Option<f64> {
        self.number("seconds")
    }
}

impl fmt::Display for EpochRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.json)
    }
}

/// The text of a top-level member's value in a JSON object (no crates offline: a small
/// scanner that skips strings and nested brackets).
fn top_level_value<'j>(json: &'j str, key: &str) -> Option<&'j str> {
    let b = json.as_bytes();
    let mut i = json.find('{')? + 1;
    let skip_ws = |mut i: usize| {
        while i < b.len() && (b[i] as char).is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    let end_of_string = |mut i: usize| {
        // i is just after the opening quote; returns the index after the closing quote.
        while i < b.len() {
            match b[i] {
                b'\\' => i += 2,
                b'"' => return Some(i + 1),
                _ => i += 1,
            }
        }
        None
    };
    loop {
        i = skip_ws(i);
        if i >= b.len() || b[i] != b'"' {
            return None;
        }
        let name_end = end_of_string(i + 1)?;
        let name = &json[i + 1..name_end - 1];
        i = skip_ws(name_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(i + 1);
        let start = i;
        let mut depth = 0i32;
        while i < b.len() {
            match b[i] {
                b'"' => {
                    i = end_of_string(i + 1)?;
                    continue;
                }
                b'[' | b'{' => depth += 1,
                b']' | b'}' if depth > 0 => depth -= 1,
                b',' | b'}' if depth == 0 => break,
                _ => {}
            }
            i += 1;
        }
        if name == key {
            return Some(json[start..i].trim());
        }
        if i >= b.len() || b[i] == b'}' {
            return None;
        }
        i += 1;
    }
}

/// Where a trainer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// 0-based epoch (= the number of epochs when done).
    pub epoch: i32,
    pub step_in_epoch: i64,
    pub steps_per_epoch: i64,
}

type StepFn<'a> = dyn FnMut(i64, i32, f32) -> bool + 'a;

struct CallbackState<'a> {
    f: Box<StepFn<'a>>,
    panic: Option<Box<dyn Any + Send>>,
}

unsafe extern "C" fn step_trampoline(user: *mut c_void, step: i64, epoch: i32, loss: f32) -> c_int {
    // SAFETY: user is the CallbackState the trainer registered and keeps alive.
    let state = unsafe { &mut *(user as *mut CallbackState<'_>) };
    // A panic must not unwind through C: keep it and resume it after run_epoch returns.
    match panic::catch_unwind(AssertUnwindSafe(|| (state.f)(step, epoch, loss))) {
        Ok(stop) => c_int::from(stop),
        Err(payload) => {
            state.panic = Some(payload);
            1
        }
    }
}

/// Runs the model document's "training" recipe exactly as `bnn train` does (`bnn_trainer`).
///
/// The trainer borrows the model mutably and the datasets for its lifetime: the library uses
/// them on every call. [`Trainer::run_epoch`] runs one epoch; the trainer is also an
/// [`Iterator`] over the remaining epochs' records (it stops after the last one, or after the
/// first error).
pub struct Trainer<'a> {
    raw: NonNull<sys::bnn_trainer>,
    model: &'a mut Model,
    callback: Option<Box<CallbackState<'a>>>,
    failed: bool,
    _data: PhantomData<&'a Dataset>,
}

impl Drop for Trainer<'_> {
    fn drop(&mut self) {
        // SAFETY: raw is a live handle owned by self, never used again.
        unsafe { sys::bnn_trainer_free(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for Trainer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trainer")
            .field("position", &self.position().ok())
            .field("done", &self.done())
            .finish()
    }
}

impl<'a> Trainer<'a> {
    /// A trainer of `model` on `train`; `validation` None holds out the last
    /// `training.validation_split` of train; `test` is optional. A model loaded from a file
    /// written by [`Trainer::save`] continues from there (give the same data).
    pub fn new(
        model: &'a mut Model,
        train: &'a Dataset,
        validation: Option<&'a Dataset>,
        test: Option<&'a Dataset>,
    ) -> Result<Trainer<'a>> {
        let mut raw = ptr::null_mut();
        // SAFETY: live handles that outlive the trainer ('a); valid out-pointer.
        let status = unsafe {
            sys::bnn_trainer_create(
                model.as_raw(),
                train.ptr(),
                validation.map_or(ptr::null(), Dataset::ptr),
                test.map_or(ptr::null(), Dataset::ptr),
                &mut raw,
            )
        };
        check_global(status)?;
        let raw = NonNull::new(raw).ok_or_else(|| {
            Error::new(
                Status::Internal,
                "the library returned OK without a trainer",
            )
        })?;
        Ok(Trainer {
            raw,
            model,
            callback: None,
            failed: false,
            _data: PhantomData,
        })
    }

    fn ptr(&self) -> *const sys::bnn_trainer {
        self.raw.as_ptr()
    }

    fn check(&self, status: sys::bnn_status) -> Result<()> {
        if status == 0 {
            return Ok(());
        }
        // SAFETY: live handle; the message is copied before any other call on the trainer.
        let message = owned_string(unsafe { sys::bnn_trainer_errmsg(self.ptr()) });
        Err(Error::new(Status::from_code(status), message))
    }

    /// The model being trained (read-only while the trainer lives).
    pub fn model(&self) -> &Model {
        self.model
    }

    /// Runs the rest of the current epoch and returns its record. [`Status::Cancelled`] when
    /// the step callback asked to stop (the next call continues the same epoch);
    /// [`Status::InvalidState`] after the last epoch. A panic in the step callback stops the
    /// epoch after that step and is resumed here.
    pub fn run_epoch(&mut self) -> Result<EpochRecord> {
        let mut record: *const c_char = ptr::null();
        // SAFETY: live handle, valid out-pointer; the callback state (if any) is alive.
        let status = unsafe { sys::bnn_trainer_run_epoch(self.raw.as_ptr(), &mut record) };
        if let Some(payload) = self.callback.as_mut().and_then(|c| c.panic.take()) {
            panic::resume_unwind(payload);
        }
        self.check(status)?;
        if record.is_null() {
            return Err(Error::new(Status::Internal, "run_epoch gave no record"));
        }
        // SAFETY: the record lives until the next call on the trainer; copied at once.
        let json = unsafe { CStr::from_ptr(record) }
            .to_string_lossy()
            .into_owned();
        Ok(EpochRecord { json })
    }

    /// Whether every epoch ran.
    pub fn done(&self) -> bool {
        // SAFETY: live handle.
        unsafe { sys::bnn_trainer_done(self.ptr()) != 0 }
    }

    /// Calls `f(step, epoch, loss)` after every step; returning true stops `run_epoch` right
    /// after that step with [`Status::Cancelled`].
    pub fn set_step_callback<F>(&mut self, f: F) -> Result<()>
    where
        F: FnMut(i64, i32, f32) -> bool + 'a,
    {
        let mut state = Box::new(CallbackState {
            f: Box::new(f),
            panic: None,
        });
        let user = (&mut *state as *mut CallbackState<'a>).cast::<c_void>();
        // SAFETY: state is kept in self (its address is stable) until replaced or dropped,
        // and it is replaced only after the library has the new pointer.
        let status = unsafe {
            sys::bnn_trainer_set_step_callback(self.raw.as_ptr(), Some(step_trampoline), user)
        };
        self.check(status)?;
        self.callback = Some(state);
        Ok(())
    }

    /// Removes the step callback.
    pub fn clear_step_callback(&mut self) -> Result<()> {
        // SAFETY: live handle; NULL removes the callback.
        let status =
            unsafe { sys::bnn_trainer_set_step_callback(self.raw.as_ptr(), None, ptr::null_mut()) };
        self.check(status)?;
        self.callback = None;
        Ok(())
    }

    /// A new model holding the best-validation binarised epoch so far.
    pub fn best_model(&self) -> Result<Model> {
        let mut raw = ptr::null_mut();
        // SAFETY: live handle, valid out-pointer.
        let status = unsafe { sys::bnn_trainer_best_model(self.ptr(), &mut raw) };
        self.check(status)?;
        Model::from_raw(raw)
    }

    /// The epoch the trainer is in, and the steps taken of it.
    pub fn position(&self) -> Result<Position> {
        let (mut epoch, mut step, mut steps) = (0i32, 0i64, 0i64);
        // SAFETY: live handle, valid out-pointers.
        let status =
            unsafe { sys::bnn_trainer_position(self.ptr(), &mut epoch, &mut step, &mut steps) };
        self.check(status)?;
        Ok(Position {
            epoch,
            step_in_epoch: step,
            steps_per_epoch: steps,
        })
    }

    /// The trainer's state as JSON (position, best epoch, history of records).
    pub fn state_json(&self) -> Result<String> {
        let mut size = 0usize;
        // SAFETY: a NULL buffer asks for the size.
        self.check(unsafe {
            sys::bnn_trainer_state_json(self.ptr(), ptr::null_mut(), 0, &mut size)
        })?;
        let mut buf = vec![0u8; size.max(1)];
        // SAFETY: buf has the capacity passed.
        self.check(unsafe {
            sys::bnn_trainer_state_json(self.ptr(), buf.as_mut_ptr().cast(), buf.len(), &mut size)
        })?;
        let text = CStr::from_bytes_until_nul(&buf)
            .map_err(|_| Error::new(Status::Internal, "the library wrote a string without NUL"))?;
        Ok(text.to_string_lossy().into_owned())
    }

    /// Writes the model with the trainer's progress; `Model::load` + `Trainer::new` with the
    /// same data resumes bit-exactly.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = c_path(path.as_ref())?;
        // SAFETY: live handle, NUL-terminated path.
        self.check(unsafe { sys::bnn_trainer_save(self.ptr(), path.as_ptr()) })
    }

    /// Runs every remaining epoch and returns their records (the history).
    pub fn fit(&mut self) -> Result<Vec<EpochRecord>> {
        self.collect()
    }
}

impl Iterator for Trainer<'_> {
    type Item = Result<EpochRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.done() {
            return None;
        }
        let result = self.run_epoch();
        self.failed = result.is_err();
        Some(result)
    }
}

impl Model {
    /// Mean loss and accuracy over a whole dataset, in inference mode.
    pub fn evaluate_dataset(&mut self, data: &Dataset) -> Result<Evaluation> {
        let (mut loss, mut accuracy) = (0.0f32, 0.0f32);
        // SAFETY: live handles, valid out-pointers.
        let status = unsafe {
            sys::bnn_model_evaluate_dataset(self.as_raw(), data.ptr(), &mut loss, &mut accuracy)
        };
        self.check(status).map(|_| Evaluation { loss, accuracy })
    }
}
