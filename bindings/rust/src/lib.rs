//! Safe Rust bindings to libbnn, a C library for training binary neural networks.
//!
//! ```no_run
//! let doc = r#"{"input_shape": [4], "layers": [
//!     {"type": "dense", "units": 2, "kernel_quantizer": {"type": "sign", "ste": "clipped"}},
//!     {"type": "batch_norm"}], "optimizer": {"type": "adam"}}"#;
//! let mut model = bnn::Model::from_json(doc)?;
//! let loss = model.train_step(&[0.5, -1.0, 0.25, 1.0], &[1])?;
//! let logits = model.predict(&[0.5, -1.0, 0.25, 1.0])?;
//! # Ok::<(), bnn::Error>(())
//! ```
//!
//! Every fallible call returns [`Result`], whose [`Error`] carries the library's [`Status`] and
//! its detailed message (read right after the failing call, on the same thread). A [`Model`] owns
//! its handle and frees it when dropped; it may move to another thread (`Send`) but not be shared
//! between threads (`!Sync`), since the C library does not lock a model.

use std::ffi::{CStr, CString};
use std::fmt;
use std::os::raw::c_char;
use std::path::Path;
use std::ptr::{self, NonNull};

mod infer;
mod status;
pub mod sys;
mod train;

pub use infer::InferEngine;
pub use status::{Status, STATUS_TABLE};
pub use train::{gzip_supported, Dataset, EpochRecord, Position, Trainer};

/// The error of a failed libbnn call: its status and the library's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    status: Status,
    message: String,
}

impl Error {
    /// An error made on the Rust side (a check done before calling the library).
    pub fn new(status: Status, message: impl Into<String>) -> Error {
        Error {
            status,
            message: message.into(),
        }
    }

    pub fn status(&self) -> Status {
        self.status
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.status)
        } else {
            write!(f, "{}: {}", self.status, self.message)
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// Typed training parameters (`bnn_param`); values as in `include/bnn/bnn.h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum Param {
    LearningRate = 100,
    Momentum = 101,
    Beta1 = 102,
    Beta2 = 103,
    Epsilon = 104,
    Rho = 105,
    WeightDecay = 106,
    BopThreshold = 107,
    BopGamma = 108,
    /// Integer parameter: a [`Ste`] value.
    KernelSte = 200,
    /// Integer parameter: a [`Ste`] value.
    InputSte = 201,
    SteClip = 202,
    SteBeta = 203,
    /// Integer parameter: 1 = quantizers on, 0 = full-precision training.
    Quantize = 204,
    /// Integer parameter: a [`WeightClip`] value.
    WeightClipMode = 300,
    WeightClipValue = 301,
    /// Integer parameter: a [`LrScale`] value.
    LrScale = 302,
    BatchNormMomentum = 400,
}

/// Straight-through estimators (`bnn_ste`), the integer values of [`Param::KernelSte`] and
/// [`Param::InputSte`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum Ste {
    Identity = 0,
    Clipped = 1,
    ApproxSign = 2,
    SwishSign = 3,
}

/// Latent weight clipping (`bnn_weight_clip`), the integer values of [`Param::WeightClipMode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum WeightClip {
    None = 0,
    Fixed = 1,
    Glorot = 2,
}

/// Per-layer learning-rate scaling (`bnn_lr_scale`), the integer values of [`Param::LrScale`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum LrScale {
    None = 0,
    Glorot = 1,
}

/// Mean loss and accuracy over a data set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    pub loss: f32,
    pub accuracy: f32,
}

/// Copies a library-owned C string (NULL gives "").
fn owned_string(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: the library returns NUL-terminated strings that live at least until the next call.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

fn static_str(p: *const c_char) -> &'static str {
    if p.is_null() {
        return "";
    }
    // SAFETY: used only for strings the header documents as static.
    unsafe { CStr::from_ptr(p) }.to_str().unwrap_or("")
}

fn c_string(s: &str, what: &str) -> Result<CString> {
    CString::new(s).map_err(|_| {
        Error::new(
            Status::InvalidArgument,
            format!("{what} contains a NUL byte"),
        )
    })
}

fn c_path(path: &Path) -> Result<CString> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        CString::new(path.as_os_str().as_bytes())
            .map_err(|_| Error::new(Status::InvalidArgument, "path contains a NUL byte"))
    }
    #[cfg(not(unix))]
    {
        let s = path
            .to_str()
            .ok_or_else(|| Error::new(Status::InvalidArgument, "path is not valid Unicode"))?;
        c_string(s, "path")
    }
}

/// Turns a status from a call without a model into a Result, reading the thread-local message.
/// Must be called right after the failing call, on the same thread (which a Rust call is).
fn check_global(status: sys::bnn_status) -> Result<()> {
    if status == 0 {
        return Ok(());
    }
    // SAFETY: no arguments; returns a thread-local string, never NULL.
    let message = owned_string(unsafe { sys::bnn_last_errmsg() });
    Err(Error {
        status: Status::from_code(status),
        message,
    })
}

/// A model: its layers, latent weights, optimiser state and training recipe.
pub struct Model {
    raw: NonNull<sys::bnn_model>,
}

// SAFETY: the C library allows a model to be used from any thread as long as calls on it do not
// overlap; `&mut self`/`&self` plus `!Sync` (from NonNull) guarantee that.
unsafe impl Send for Model {}

impl Drop for Model {
    fn drop(&mut self) {
        // SAFETY: raw is a live handle owned by this Model and is never used again.
        unsafe { sys::bnn_model_free(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model")
            .field("input_size", &self.input_size())
            .field("output_size", &self.output_size())
            .finish()
    }
}

impl Model {
    fn from_created(status: sys::bnn_status, raw: *mut sys::bnn_model) -> Result<Model> {
        check_global(status)?;
        Model::from_raw(raw)
    }

    /// Takes ownership of a handle the library just returned.
    fn from_raw(raw: *mut sys::bnn_model) -> Result<Model> {
        NonNull::new(raw)
            .map(|raw| Model { raw })
            .ok_or_else(|| Error::new(Status::Internal, "the library returned OK without a model"))
    }

    /// Builds a model, its optimiser and its training recipe from a JSON document.
    pub fn from_json(json: &str) -> Result<Model> {
        let doc = c_string(json, "JSON document")?;
        let mut raw = ptr::null_mut();
        // SAFETY: doc is NUL-terminated; raw is a valid out-pointer.
        let status = unsafe { sys::bnn_model_create_from_json(doc.as_ptr(), &mut raw) };
        Model::from_created(status, raw)
    }

    /// Loads a model saved with [`Model::save`].
    pub fn load(path: impl AsRef<Path>) -> Result<Model> {
        let path = c_path(path.as_ref())?;
        let mut raw = ptr::null_mut();
        // SAFETY: path is NUL-terminated; raw is a valid out-pointer.
        let status = unsafe { sys::bnn_model_load(path.as_ptr(), &mut raw) };
        Model::from_created(status, raw)
    }

    /// Loads a model from the bytes of [`Model::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Model> {
        let mut raw = ptr::null_mut();
        // SAFETY: bytes is valid for bytes.len() reads; raw is a valid out-pointer.
        let status = unsafe { sys::bnn_model_load_buffer(bytes.as_ptr(), bytes.len(), &mut raw) };
        Model::from_created(status, raw)
    }

    /// An independent copy with the whole training state (through the save format).
    pub fn try_clone(&self) -> Result<Model> {
        Model::from_bytes(&self.to_bytes()?)
    }

    /// The raw handle, for calling C functions this crate does not wrap. It stays owned by self.
    pub fn as_raw(&mut self) -> *mut sys::bnn_model {
        self.raw.as_ptr()
    }

    fn ptr(&self) -> *const sys::bnn_model {
        self.raw.as_ptr()
    }

    /// Turns a status from a call on this model into a Result, reading the model's message.
    fn check(&self, status: sys::bnn_status) -> Result<()> {
        if status == 0 {
            return Ok(());
        }
        // SAFETY: the handle is live; the message is copied before any other call on the model.
        let message = owned_string(unsafe { sys::bnn_model_errmsg(self.ptr()) });
        Err(Error {
            status: Status::from_code(status),
            message,
        })
    }

    /// Floats per input sample.
    pub fn input_size(&self) -> usize {
        // SAFETY: live handle.
        unsafe { sys::bnn_model_input_size(self.ptr()) }
    }

    /// Number of classes (logits per sample).
    pub fn output_size(&self) -> usize {
        // SAFETY: live handle.
        unsafe { sys::bnn_model_output_size(self.ptr()) }
    }

    /// Number of samples in `x`, which must hold whole samples.
    fn batch_of(&self, x: &[f32]) -> Result<usize> {
        let dim = self.input_size();
        if dim == 0 || !x.len().is_multiple_of(dim) {
            return Err(Error::new(
                Status::ShapeMismatch,
                format!(
                    "x holds {} floats, not a multiple of the input size {dim}",
                    x.len()
                ),
            ));
        }
        Ok(x.len() / dim)
    }

    fn batch_with_labels(&self, x: &[f32], labels: &[i32]) -> Result<usize> {
        let batch = self.batch_of(x)?;
        if batch != labels.len() {
            return Err(Error::new(
                Status::ShapeMismatch,
                format!(
                    "x holds {batch} samples but there are {} labels",
                    labels.len()
                ),
            ));
        }
        Ok(batch)
    }

    /// One optimisation step on a batch (`x`: samples row-major, `labels`: one class id per
    /// sample). Returns the batch's mean loss. On error the model is unchanged.
    pub fn train_step(&mut self, x: &[f32], labels: &[i32]) -> Result<f32> {
        let batch = self.batch_with_labels(x, labels)?;
        let mut loss = 0.0f32;
        // SAFETY: x and labels hold batch samples (checked above); loss is a valid out-pointer.
        let status = unsafe {
            sys::bnn_model_train_step(
                self.raw.as_ptr(),
                x.as_ptr(),
                labels.as_ptr(),
                batch,
                &mut loss,
            )
        };
        self.check(status).map(|_| loss)
    }

    /// Inference with binarised weights: `output_size()` logits per sample of `x`.
    pub fn predict(&mut self, x: &[f32]) -> Result<Vec<f32>> {
        let batch = self.batch_of(x)?;
        let mut logits = vec![0.0f32; batch * self.output_size()];
        // SAFETY: x holds batch samples; logits has the capacity passed.
        let status = unsafe {
            sys::bnn_model_predict(
                self.raw.as_ptr(),
                x.as_ptr(),
                batch,
                logits.as_mut_ptr(),
                logits.len(),
            )
        };
        self.check(status).map(|_| logits)
    }

    /// Mean loss and accuracy over the samples of `x`, in inference mode.
    pub fn evaluate(&mut self, x: &[f32], labels: &[i32]) -> Result<Evaluation> {
        let n = self.batch_with_labels(x, labels)?;
        let (mut loss, mut accuracy) = (0.0f32, 0.0f32);
        // SAFETY: x and labels hold n samples; out-pointers are valid.
        let status = unsafe {
            sys::bnn_model_evaluate(
                self.raw.as_ptr(),
                x.as_ptr(),
                labels.as_ptr(),
                n,
                &mut loss,
                &mut accuracy,
            )
        };
        self.check(status).map(|_| Evaluation { loss, accuracy })
    }

    /// Accuracy of the last successful train step on its own batch (before the update).
    pub fn last_step_accuracy(&self) -> Result<f32> {
        let mut accuracy = 0.0f32;
        // SAFETY: live handle, valid out-pointer.
        let status = unsafe { sys::bnn_model_last_step_accuracy(self.ptr(), &mut accuracy) };
        self.check(status).map(|_| accuracy)
    }

    /// Changes the recipe between two steps with a partial JSON document of training-phase keys,
    /// e.g. `{"kernel_ste": "clipped", "learning_rate": 1e-4}`. An invalid patch changes nothing.
    pub fn configure(&mut self, json_patch: &str) -> Result<()> {
        let patch = c_string(json_patch, "JSON patch")?;
        // SAFETY: live handle, NUL-terminated patch.
        let status = unsafe { sys::bnn_model_configure(self.raw.as_ptr(), patch.as_ptr()) };
        self.check(status)
    }

    /// Fraction of binary weights whose sign changed in the last train step.
    pub fn flip_ratio(&self) -> Result<f32> {
        let mut ratio = 0.0f32;
        // SAFETY: live handle, valid out-pointer.
        let status = unsafe { sys::bnn_model_flip_ratio(self.ptr(), &mut ratio) };
        self.check(status).map(|_| ratio)
    }

    /// The flip ratio of one layer (index into the document's "layers").
    pub fn layer_flip_ratio(&self, layer: usize) -> Result<f32> {
        let mut ratio = 0.0f32;
        // SAFETY: live handle, valid out-pointer.
        let status = unsafe { sys::bnn_model_layer_flip_ratio(self.ptr(), layer, &mut ratio) };
        self.check(status).map(|_| ratio)
    }

    /// Number of optimisation steps taken.
    pub fn step_count(&self) -> Result<u64> {
        let mut steps = 0u64;
        // SAFETY: live handle, valid out-pointer.
        let status = unsafe { sys::bnn_model_step_count(self.ptr(), &mut steps) };
        self.check(status).map(|_| steps)
    }

    /// Reads a string through the "NULL buffer asks for the size" convention.
    fn read_text(
        &self,
        f: unsafe extern "C" fn(
            *const sys::bnn_model,
            *mut c_char,
            usize,
            *mut usize,
        ) -> sys::bnn_status,
    ) -> Result<String> {
        let mut size = 0usize;
        // SAFETY: a NULL buffer with capacity 0 asks for the size only.
        self.check(unsafe { f(self.ptr(), ptr::null_mut(), 0, &mut size) })?;
        let mut buf = vec![0u8; size.max(1)];
        // SAFETY: buf has the capacity passed.
        self.check(unsafe { f(self.ptr(), buf.as_mut_ptr().cast(), buf.len(), &mut size) })?;
        let text = CStr::from_bytes_until_nul(&buf)
            .map_err(|_| Error::new(Status::Internal, "the library wrote a string without NUL"))?;
        Ok(text.to_string_lossy().into_owned())
    }

    /// The model's current document as JSON (including every change made since creation).
    pub fn config_json(&self) -> Result<String> {
        self.read_text(sys::bnn_model_config_json)
    }

    /// A human-readable table of the layers.
    pub fn summary(&self) -> Result<String> {
        self.read_text(sys::bnn_model_summary)
    }

    /// The free-form JSON value that travels with the model and its checkpoints ("null" when
    /// unset).
    pub fn metadata(&self) -> Result<String> {
        self.read_text(sys::bnn_model_metadata)
    }

    /// Sets the metadata: any JSON value, at most 1 MiB.
    pub fn set_metadata(&mut self, json: &str) -> Result<()> {
        let json = c_string(json, "metadata")?;
        // SAFETY: live handle, NUL-terminated JSON.
        let status = unsafe { sys::bnn_model_set_metadata(self.raw.as_ptr(), json.as_ptr()) };
        self.check(status)
    }

    /// Number of parameter tensors.
    pub fn tensor_count(&self) -> usize {
        // SAFETY: live handle.
        unsafe { sys::bnn_model_tensor_count(self.ptr()) }
    }

    /// Name and number of elements of the tensor at `index`.
    pub fn tensor_info(&self, index: usize) -> Result<(String, usize)> {
        let mut name: *const c_char = ptr::null();
        let mut numel = 0usize;
        // SAFETY: live handle, valid out-pointers; the name is copied at once.
        let status =
            unsafe { sys::bnn_model_tensor_info(self.ptr(), index, &mut name, &mut numel) };
        self.check(status)?;
        Ok((owned_string(name), numel))
    }

    /// The names of all parameter tensors, in index order ("layers.0.kernel", ...).
    pub fn tensor_names(&self) -> Result<Vec<String>> {
        (0..self.tensor_count())
            .map(|i| self.tensor_info(i).map(|(name, _)| name))
            .collect()
    }

    /// Index of the tensor called `name`.
    pub fn tensor_index(&self, name: &str) -> Result<usize> {
        let cname = c_string(name, "tensor name")?;
        let mut index = 0usize;
        // SAFETY: live handle, NUL-terminated name, valid out-pointer.
        let status = unsafe { sys::bnn_model_tensor_index(self.ptr(), cname.as_ptr(), &mut index) };
        self.check(status).map(|_| index)
    }

    /// The values of the tensor at `index`.
    pub fn tensor_at(&self, index: usize) -> Result<Vec<f32>> {
        let (_, numel) = self.tensor_info(index)?;
        let mut values = vec![0.0f32; numel];
        // SAFETY: values has the capacity passed.
        let status = unsafe {
            sys::bnn_model_get_tensor(self.ptr(), index, values.as_mut_ptr(), values.len())
        };
        self.check(status).map(|_| values)
    }

    /// The values of the tensor called `name`.
    pub fn tensor(&self, name: &str) -> Result<Vec<f32>> {
        self.tensor_at(self.tensor_index(name)?)
    }

    /// Overwrites the tensor at `index` (the length must match; NaN/Inf are refused).
    pub fn set_tensor_at(&mut self, index: usize, values: &[f32]) -> Result<()> {
        // SAFETY: values is valid for values.len() reads.
        let status = unsafe {
            sys::bnn_model_set_tensor(self.raw.as_ptr(), index, values.as_ptr(), values.len())
        };
        self.check(status)
    }

    /// Overwrites the tensor called `name`.
    pub fn set_tensor(&mut self, name: &str, values: &[f32]) -> Result<()> {
        let index = self.tensor_index(name)?;
        self.set_tensor_at(index, values)
    }

    /// Sets a real-valued parameter (see [`param_bounds`]).
    pub fn set_param(&mut self, p: Param, value: f32) -> Result<()> {
        // SAFETY: live handle.
        let status = unsafe { sys::bnn_model_set_param_f32(self.raw.as_ptr(), p as i32, value) };
        self.check(status)
    }

    /// The bounds the setters enforce for `p` on this model now (its current optimiser's for an
    /// optimiser parameter; [`param_bounds`] gives the widest over every optimiser).
    pub fn param_bounds(&self, p: Param) -> Result<(f64, f64)> {
        let (mut lo, mut hi) = (0.0f64, 0.0f64);
        // SAFETY: live handle, valid out-pointers.
        let status = unsafe { sys::bnn_model_param_bounds(self.ptr(), p as i32, &mut lo, &mut hi) };
        self.check(status).map(|_| (lo, hi))
    }

    /// Reads a real-valued parameter.
    pub fn get_param(&self, p: Param) -> Result<f32> {
        let mut value = 0.0f32;
        // SAFETY: live handle, valid out-pointer.
        let status = unsafe { sys::bnn_model_get_param_f32(self.ptr(), p as i32, &mut value) };
        self.check(status).map(|_| value)
    }

    /// Sets an integer parameter ([`Param::KernelSte`] with a [`Ste`] as i32, ...).
    pub fn set_param_i32(&mut self, p: Param, value: i32) -> Result<()> {
        // SAFETY: live handle.
        let status = unsafe { sys::bnn_model_set_param_i32(self.raw.as_ptr(), p as i32, value) };
        self.check(status)
    }

    /// Reads an integer parameter.
    pub fn get_param_i32(&self, p: Param) -> Result<i32> {
        let mut value = 0i32;
        // SAFETY: live handle, valid out-pointer.
        let status = unsafe { sys::bnn_model_get_param_i32(self.ptr(), p as i32, &mut value) };
        self.check(status).map(|_| value)
    }

    /// Saves the whole training state to a file (atomically).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = c_path(path.as_ref())?;
        // SAFETY: live handle, NUL-terminated path.
        let status = unsafe { sys::bnn_model_save(self.ptr(), path.as_ptr()) };
        self.check(status)
    }

    /// The whole training state as bytes (the file format of [`Model::save`]).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut size = 0usize;
        // SAFETY: a NULL buffer asks for the size.
        self.check(unsafe {
            sys::bnn_model_save_buffer(self.ptr(), ptr::null_mut(), 0, &mut size)
        })?;
        let mut bytes = vec![0u8; size];
        // SAFETY: bytes has the capacity passed.
        self.check(unsafe {
            sys::bnn_model_save_buffer(self.ptr(), bytes.as_mut_ptr(), bytes.len(), &mut size)
        })?;
        bytes.truncate(size);
        Ok(bytes)
    }
}

/// The library's version, "MAJOR.MINOR.PATCH".
pub fn version() -> &'static str {
    // SAFETY: static string.
    static_str(unsafe { sys::bnn_version_string() })
}

/// major*10000 + minor*100 + patch.
pub fn version_number() -> u32 {
    // SAFETY: no arguments.
    unsafe { sys::bnn_version_number() }
}

/// The SIMD path in use ("avx2", "scalar", ...).
pub fn isa() -> &'static str {
    // SAFETY: static string.
    static_str(unsafe { sys::bnn_get_isa() })
}

/// Forces a SIMD path for the whole process ("auto" restores the best detected).
pub fn set_isa(name: &str) -> Result<()> {
    let name = c_string(name, "ISA name")?;
    // SAFETY: NUL-terminated name.
    check_global(unsafe { sys::bnn_set_isa(name.as_ptr()) })
}

/// Whether this CPU and build can run the named SIMD path.
pub fn isa_supported(name: &str) -> bool {
    match CString::new(name) {
        // SAFETY: NUL-terminated name.
        Ok(name) => unsafe { sys::bnn_isa_supported(name.as_ptr()) != 0 },
        Err(_) => false,
    }
}

/// Number of worker threads (0 = all cores).
pub fn set_num_threads(n: i32) -> Result<()> {
    // SAFETY: plain value.
    check_global(unsafe { sys::bnn_set_num_threads(n) })
}

pub fn num_threads() -> i32 {
    // SAFETY: no arguments.
    unsafe { sys::bnn_get_num_threads() }
}

/// Inclusive bounds of a parameter.
pub fn param_bounds(p: Param) -> Result<(f64, f64)> {
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    // SAFETY: valid out-pointers.
    check_global(unsafe { sys::bnn_param_bounds(p as i32, &mut lo, &mut hi) })?;
    Ok((lo, hi))
}

/// The JSON-style name of a parameter ("learning_rate").
pub fn param_name(p: Param) -> &'static str {
    // SAFETY: static string or NULL.
    static_str(unsafe { sys::bnn_param_name(p as i32) })
}

/// The library's short description of a status.
pub fn status_message(s: Status) -> &'static str {
    // SAFETY: static string, never NULL.
    static_str(unsafe { sys::bnn_status_string(s.code()) })
}
