//! Raw declarations of the C API in `include/bnn/bnn.h`, written by hand (no bindgen offline).
//! C enums (`bnn_status`, `bnn_param`) are `int` in the C ABI. Use the safe API in the crate root.
#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_int, c_void};

/// Opaque model handle.
#[repr(C)]
pub struct bnn_model {
    _private: [u8; 0],
}

/// Opaque dataset handle (since 0.2.0).
#[repr(C)]
pub struct bnn_dataset {
    _private: [u8; 0],
}

/// Opaque trainer handle (since 0.2.0).
#[repr(C)]
pub struct bnn_trainer {
    _private: [u8; 0],
}

/// Opaque inference engine handle (since 0.2.0).
#[repr(C)]
pub struct bnn_infer {
    _private: [u8; 0],
}

/// `typedef int (*bnn_step_callback)(void* user, int64_t step, int32_t epoch, float loss);`
/// (`None` is the C NULL).
pub type bnn_step_callback =
    Option<unsafe extern "C" fn(user: *mut c_void, step: i64, epoch: i32, loss: f32) -> c_int>;

/// The data-parallel communicator table of `bnn_trainer_set_communicator`.
#[repr(C)]
pub struct bnn_communicator {
    pub user: *mut c_void,
    pub rank: c_int,
    pub size: c_int,
    pub allreduce_i64: Option<
        unsafe extern "C" fn(user: *mut c_void, data: *mut i64, n: usize, op: c_int) -> c_int,
    >,
    pub allreduce_f64:
        Option<unsafe extern "C" fn(user: *mut c_void, data: *mut f64, n: usize) -> c_int>,
    pub allreduce_f32:
        Option<unsafe extern "C" fn(user: *mut c_void, data: *mut f32, n: usize) -> c_int>,
    pub broadcast: Option<
        unsafe extern "C" fn(
            user: *mut c_void,
            data: *mut c_void,
            bytes: usize,
            root: c_int,
        ) -> c_int,
    >,
    pub barrier: Option<unsafe extern "C" fn(user: *mut c_void) -> c_int>,
}

/// `bnn_communicator_v2`: the table with a reduce-scatter (`bnn_trainer_set_communicator_v2`).
#[repr(C)]
pub struct bnn_communicator_v2 {
    pub base: bnn_communicator,
    pub reduce_scatter: Option<
        unsafe extern "C" fn(
            user: *mut c_void,
            data: *mut c_void,
            counts: *const usize,
            r#type: c_int,
        ) -> c_int,
    >,
}

pub type bnn_status = c_int;
pub type bnn_param = c_int;

extern "C" {
    pub fn bnn_version_string() -> *const c_char;
    pub fn bnn_version_number() -> u32;
    pub fn bnn_status_string(s: bnn_status) -> *const c_char;
    pub fn bnn_status_name(s: bnn_status) -> *const c_char;
    pub fn bnn_last_errmsg() -> *const c_char;

    pub fn bnn_model_create_from_json(json: *const c_char, out: *mut *mut bnn_model) -> bnn_status;
    pub fn bnn_model_free(m: *mut bnn_model);
    pub fn bnn_model_errmsg(m: *const bnn_model) -> *const c_char;
    pub fn bnn_model_input_size(m: *const bnn_model) -> usize;
    pub fn bnn_model_output_size(m: *const bnn_model) -> usize;
    pub fn bnn_model_config_json(
        m: *const bnn_model,
        buf: *mut c_char,
        capacity: usize,
        size_out: *mut usize,
    ) -> bnn_status;
    pub fn bnn_model_summary(
        m: *const bnn_model,
        buf: *mut c_char,
        capacity: usize,
        size_out: *mut usize,
    ) -> bnn_status;
    pub fn bnn_model_set_metadata(m: *mut bnn_model, json: *const c_char) -> bnn_status;
    pub fn bnn_model_metadata(
        m: *const bnn_model,
        buf: *mut c_char,
        capacity: usize,
        size_out: *mut usize,
    ) -> bnn_status;

    pub fn bnn_model_train_step(
        m: *mut bnn_model,
        x: *const f32,
        labels: *const i32,
        batch: usize,
        loss_out: *mut f32,
    ) -> bnn_status;
    pub fn bnn_model_last_step_accuracy(m: *const bnn_model, accuracy_out: *mut f32) -> bnn_status;
    pub fn bnn_model_predict(
        m: *mut bnn_model,
        x: *const f32,
        batch: usize,
        logits: *mut f32,
        logits_capacity: usize,
    ) -> bnn_status;
    pub fn bnn_model_evaluate(
        m: *mut bnn_model,
        x: *const f32,
        labels: *const i32,
        n: usize,
        loss_out: *mut f32,
        accuracy_out: *mut f32,
    ) -> bnn_status;
    pub fn bnn_model_configure(m: *mut bnn_model, json_patch: *const c_char) -> bnn_status;
    pub fn bnn_model_flip_ratio(m: *const bnn_model, ratio_out: *mut f32) -> bnn_status;
    pub fn bnn_model_layer_flip_ratio(
        m: *const bnn_model,
        layer: usize,
        ratio_out: *mut f32,
    ) -> bnn_status;
    pub fn bnn_model_step_count(m: *const bnn_model, steps_out: *mut u64) -> bnn_status;

    pub fn bnn_model_tensor_count(m: *const bnn_model) -> usize;
    pub fn bnn_model_tensor_info(
        m: *const bnn_model,
        index: usize,
        name: *mut *const c_char,
        numel: *mut usize,
    ) -> bnn_status;
    pub fn bnn_model_tensor_index(
        m: *const bnn_model,
        name: *const c_char,
        index_out: *mut usize,
    ) -> bnn_status;
    pub fn bnn_model_get_tensor(
        m: *const bnn_model,
        index: usize,
        out: *mut f32,
        capacity: usize,
    ) -> bnn_status;
    pub fn bnn_model_set_tensor(
        m: *mut bnn_model,
        index: usize,
        values: *const f32,
        numel: usize,
    ) -> bnn_status;

    pub fn bnn_param_bounds(p: bnn_param, lo: *mut f64, hi: *mut f64) -> bnn_status;
    pub fn bnn_model_param_bounds(
        m: *const bnn_model,
        p: bnn_param,
        lo: *mut f64,
        hi: *mut f64,
    ) -> bnn_status;
    pub fn bnn_param_name(p: bnn_param) -> *const c_char;
    pub fn bnn_model_set_param_f32(m: *mut bnn_model, p: bnn_param, value: f32) -> bnn_status;
    pub fn bnn_model_get_param_f32(
        m: *const bnn_model,
        p: bnn_param,
        value_out: *mut f32,
    ) -> bnn_status;
    pub fn bnn_model_set_param_i32(m: *mut bnn_model, p: bnn_param, value: i32) -> bnn_status;
    pub fn bnn_model_get_param_i32(
        m: *const bnn_model,
        p: bnn_param,
        value_out: *mut i32,
    ) -> bnn_status;

    pub fn bnn_model_save(m: *const bnn_model, path: *const c_char) -> bnn_status;
    pub fn bnn_model_load(path: *const c_char, out: *mut *mut bnn_model) -> bnn_status;
    pub fn bnn_model_save_buffer(
        m: *const bnn_model,
        buf: *mut u8,
        capacity: usize,
        size_out: *mut usize,
    ) -> bnn_status;
    pub fn bnn_model_load_buffer(
        buf: *const u8,
        size: usize,
        out: *mut *mut bnn_model,
    ) -> bnn_status;

    pub fn bnn_get_isa() -> *const c_char;
    pub fn bnn_set_isa(name: *const c_char) -> bnn_status;
    pub fn bnn_isa_supported(name: *const c_char) -> c_int;
    pub fn bnn_set_num_threads(n: c_int) -> bnn_status;
    pub fn bnn_get_num_threads() -> c_int;

    // ---- Additions of 0.2.0: datasets ----
    pub fn bnn_dataset_create(
        x: *const f32,
        labels: *const i32,
        n: usize,
        sample_size: usize,
        out: *mut *mut bnn_dataset,
    ) -> bnn_status;
    pub fn bnn_dataset_load_idx(
        images_path: *const c_char,
        labels_path: *const c_char,
        out: *mut *mut bnn_dataset,
    ) -> bnn_status;
    pub fn bnn_dataset_gzip_supported() -> c_int;
    pub fn bnn_dataset_count(d: *const bnn_dataset) -> usize;
    pub fn bnn_dataset_sample_size(d: *const bnn_dataset) -> usize;
    pub fn bnn_dataset_num_classes(d: *const bnn_dataset) -> usize;
    pub fn bnn_dataset_get(
        d: *const bnn_dataset,
        first: usize,
        count: usize,
        x: *mut f32,
        x_capacity: usize,
        labels: *mut i32,
        labels_capacity: usize,
    ) -> bnn_status;
    pub fn bnn_dataset_slice(
        d: *const bnn_dataset,
        first: usize,
        count: usize,
        out: *mut *mut bnn_dataset,
    ) -> bnn_status;
    pub fn bnn_dataset_free(d: *mut bnn_dataset);
    pub fn bnn_model_evaluate_dataset(
        m: *mut bnn_model,
        d: *const bnn_dataset,
        loss_out: *mut f32,
        accuracy_out: *mut f32,
    ) -> bnn_status;

    // ---- Additions of 0.2.0: trainer ----
    pub fn bnn_trainer_create(
        m: *mut bnn_model,
        train: *const bnn_dataset,
        validation: *const bnn_dataset,
        test: *const bnn_dataset,
        out: *mut *mut bnn_trainer,
    ) -> bnn_status;
    pub fn bnn_trainer_free(t: *mut bnn_trainer);
    pub fn bnn_trainer_errmsg(t: *const bnn_trainer) -> *const c_char;
    pub fn bnn_trainer_run_epoch(t: *mut bnn_trainer, record: *mut *const c_char) -> bnn_status;
    pub fn bnn_trainer_done(t: *const bnn_trainer) -> c_int;
    pub fn bnn_trainer_set_step_callback(
        t: *mut bnn_trainer,
        cb: bnn_step_callback,
        user: *mut c_void,
    ) -> bnn_status;
    pub fn bnn_trainer_best_model(t: *const bnn_trainer, out: *mut *mut bnn_model) -> bnn_status;
    pub fn bnn_trainer_position(
        t: *const bnn_trainer,
        epoch_out: *mut i32,
        step_in_epoch_out: *mut i64,
        steps_per_epoch_out: *mut i64,
    ) -> bnn_status;
    pub fn bnn_trainer_state_json(
        t: *const bnn_trainer,
        buf: *mut c_char,
        capacity: usize,
        size_out: *mut usize,
    ) -> bnn_status;
    pub fn bnn_trainer_save(t: *const bnn_trainer, path: *const c_char) -> bnn_status;
    pub fn bnn_trainer_set_communicator(
        t: *mut bnn_trainer,
        comm: *const bnn_communicator,
    ) -> bnn_status;
    pub fn bnn_trainer_set_communicator_v2(
        t: *mut bnn_trainer,
        comm: *const bnn_communicator_v2,
    ) -> bnn_status;

    // ---- Additions of 0.2.0: deployment ----
    pub fn bnn_model_export(
        m: *const bnn_model,
        format: *const c_char,
        path: *const c_char,
    ) -> bnn_status;
    pub fn bnn_model_export_buffer(
        m: *const bnn_model,
        format: *const c_char,
        buf: *mut u8,
        capacity: usize,
        size_out: *mut usize,
    ) -> bnn_status;
    pub fn bnn_infer_load(path: *const c_char, out: *mut *mut bnn_infer) -> bnn_status;
    pub fn bnn_infer_load_buffer(
        buf: *const u8,
        size: usize,
        out: *mut *mut bnn_infer,
    ) -> bnn_status;
    pub fn bnn_infer_input_size(e: *const bnn_infer) -> usize;
    pub fn bnn_infer_output_size(e: *const bnn_infer) -> usize;
    pub fn bnn_infer_predict(
        e: *mut bnn_infer,
        x: *const f32,
        batch: usize,
        logits: *mut f32,
        logits_capacity: usize,
    ) -> bnn_status;
    pub fn bnn_infer_errmsg(e: *const bnn_infer) -> *const c_char;
    pub fn bnn_infer_free(e: *mut bnn_infer);
}
