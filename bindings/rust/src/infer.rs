//! Deployment: exports and the inference engine (since libbnn 0.2.0).

use std::fmt;
use std::path::Path;
use std::ptr::{self, NonNull};

use crate::{c_path, c_string, check_global, owned_string, sys, Error, Model, Result, Status};

/// A model exported with `Model::export("bnn-infer", ..)`: bit-packed binary weights, batch
/// norm folded, no training state (`bnn_infer`). `Send`, not `Sync` (calls must not overlap).
pub struct InferEngine {
    raw: NonNull<sys::bnn_infer>,
}

// SAFETY: the engine may be used from any thread as long as calls do not overlap (&mut self).
unsafe impl Send for InferEngine {}

impl Drop for InferEngine {
    fn drop(&mut self) {
        // SAFETY: live handle owned by self, never used again.
        unsafe { sys::bnn_infer_free(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for InferEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InferEngine")
            .field("input_size", &self.input_size())
            .field("output_size", &self.output_size())
            .finish()
    }
}

impl InferEngine {
    fn from_created(status: sys::bnn_status, raw: *mut sys::bnn_infer) -> Result<InferEngine> {
        check_global(status)?;
        NonNull::new(raw)
            .map(|raw| InferEngine { raw })
            .ok_or_else(|| {
                Error::new(
                    Status::Internal,
                    "the library returned OK without an engine",
                )
            })
    }

    /// Loads a "bnn-infer" file.
    pub fn load(path: impl AsRef<Path>) -> Result<InferEngine> {
        let path = c_path(path.as_ref())?;
        let mut raw = ptr::null_mut();
        // SAFETY: NUL-terminated path, valid out-pointer.
        let status = unsafe { sys::bnn_infer_load(path.as_ptr(), &mut raw) };
        InferEngine::from_created(status, raw)
    }

    /// Loads the bytes of `Model::export_bytes("bnn-infer")`.
    pub fn from_bytes(bytes: &[u8]) -> Result<InferEngine> {
        let mut raw = ptr::null_mut();
        // SAFETY: bytes is valid for its length; valid out-pointer.
        let status = unsafe { sys::bnn_infer_load_buffer(bytes.as_ptr(), bytes.len(), &mut raw) };
        InferEngine::from_created(status, raw)
    }

    pub fn input_size(&self) -> usize {
        // SAFETY: live handle.
        unsafe { sys::bnn_infer_input_size(self.raw.as_ptr()) }
    }

    pub fn output_size(&self) -> usize {
        // SAFETY: live handle.
        unsafe { sys::bnn_infer_output_size(self.raw.as_ptr()) }
    }

    /// `output_size()` logits per sample of `x` (samples row-major).
    pub fn predict(&mut self, x: &[f32]) -> Result<Vec<f32>> {
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
        let batch = x.len() / dim;
        let mut logits = vec![0.0f32; batch * self.output_size()];
        // SAFETY: x holds batch samples; logits has the capacity passed.
        let status = unsafe {
            sys::bnn_infer_predict(
                self.raw.as_ptr(),
                x.as_ptr(),
                batch,
                logits.as_mut_ptr(),
                logits.len(),
            )
        };
        if status != 0 {
            // SAFETY: live handle; the message is copied at once.
            let message = owned_string(unsafe { sys::bnn_infer_errmsg(self.raw.as_ptr()) });
            return Err(Error::new(Status::from_code(status), message));
        }
        Ok(logits)
    }
}

impl Model {
    /// Writes a deployment file: "onnx" or "bnn-infer".
    pub fn export(&self, format: &str, path: impl AsRef<Path>) -> Result<()> {
        let format = c_string(format, "format")?;
        let path = c_path(path.as_ref())?;
        // SAFETY: live handle, NUL-terminated strings.
        let status = unsafe { sys::bnn_model_export(self.ptr(), format.as_ptr(), path.as_ptr()) };
        self.check(status)
    }

    /// The bytes of [`Model::export`].
    pub fn export_bytes(&self, format: &str) -> Result<Vec<u8>> {
        let cformat = c_string(format, "format")?;
        let mut size = 0usize;
        // SAFETY: a NULL buffer asks for the size.
        self.check(unsafe {
            sys::bnn_model_export_buffer(
                self.ptr(),
                cformat.as_ptr(),
                ptr::null_mut(),
                0,
                &mut size,
            )
        })?;
        let mut bytes = vec![0u8; size];
        // SAFETY: bytes has the capacity passed.
        self.check(unsafe {
            sys::bnn_model_export_buffer(
                self.ptr(),
                cformat.as_ptr(),
                bytes.as_mut_ptr(),
                bytes.len(),
                &mut size,
            )
        })?;
        bytes.truncate(size);
        Ok(bytes)
    }
}
