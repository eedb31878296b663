//! Raw declarations of the C API in `include/bnn/bnn.h`, written by hand (no bindgen offline).
//! C enums (`bnn_status`, `bnn_param`) are `int` in the C ABI. Use the safe API in the crate root.
#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_int};

/// Opaque model handle.
#[repr(C)]
pub struct bnn_model {
    _private: [u8; 0],
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

    pub fn bnn_model_train_step(
        m: *mut bnn_model,
        x: *const f32,
        labels: *const i32,
        batch: usize,
        loss_out: *mut f32,
    ) -> bnn_status;
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
}
