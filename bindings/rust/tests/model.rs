//! The safe API end to end: training, inference, state, and misuse that must give errors.
mod common;

use bnn::{Model, Param, Status, Ste};
use common::*;

fn model() -> Model {
    Model::from_json(SMALL_MLP).expect("create")
}

#[test]
fn trains_a_small_model_to_a_threshold() {
    let data = synthetic(600, 7);
    let mut m = model();
    assert_eq!((m.input_size(), m.output_size()), (DIM, CLASSES));
    let before = m.evaluate(&data.x, &data.y).unwrap();
    train(&mut m, &data, 20);
    let after = m.evaluate(&data.x, &data.y).unwrap();
    assert!(
        after.loss < before.loss,
        "loss {} -> {}",
        before.loss,
        after.loss
    );
    assert!(after.accuracy >= 0.9, "accuracy {}", after.accuracy);
    assert_eq!(m.step_count().unwrap(), 20 * 12);
    let flips = m.flip_ratio().unwrap();
    assert!((0.0..=1.0).contains(&flips));
    assert!((0.0..=1.0).contains(&m.layer_flip_ratio(0).unwrap()));
    assert_eq!(
        m.layer_flip_ratio(99).unwrap_err().status(),
        Status::OutOfRange
    );

    // predict agrees with evaluate's accuracy.
    let logits = m.predict(&data.x).unwrap();
    assert_eq!(logits.len(), data.y.len() * CLASSES);
    let correct = logits
        .chunks(CLASSES)
        .zip(&data.y)
        .filter(|(row, &y)| {
            let best = (0..CLASSES)
                .max_by(|&a, &b| row[a].total_cmp(&row[b]))
                .unwrap();
            best as i32 == y
        })
        .count();
    let accuracy = correct as f32 / data.y.len() as f32;
    assert!(
        (accuracy - after.accuracy).abs() < 0.01,
        "{accuracy} vs {}",
        after.accuracy
    );
}

#[test]
fn bad_input_is_an_error_and_changes_nothing() {
    let data = synthetic(100, 3);
    let mut m = model();
    train(&mut m, &data, 1);
    let tensors = all_tensors(&m);
    let steps = m.step_count().unwrap();

    // Not a whole number of samples; labels that do not match the samples (checked in Rust).
    let e = m
        .train_step(&data.x[..DIM * 2 + 3], &data.y[..2])
        .unwrap_err();
    assert_eq!(e.status(), Status::ShapeMismatch);
    let e = m.train_step(&data.x[..DIM * 4], &data.y[..3]).unwrap_err();
    assert_eq!(e.status(), Status::ShapeMismatch);
    assert_eq!(
        m.predict(&data.x[..5]).unwrap_err().status(),
        Status::ShapeMismatch
    );
    assert_eq!(
        m.evaluate(&data.x[..DIM], &[]).unwrap_err().status(),
        Status::ShapeMismatch
    );

    // Checked by the library, with its message.
    let mut x = data.x[..DIM * 4].to_vec();
    x[5] = f32::NAN;
    let e = m.train_step(&x, &data.y[..4]).unwrap_err();
    assert_eq!(e.status(), Status::Numeric);
    assert!(!e.message().is_empty());
    x[5] = f32::INFINITY;
    assert_eq!(
        m.train_step(&x, &data.y[..4]).unwrap_err().status(),
        Status::Numeric
    );

    let e = m.train_step(&data.x[..DIM * 2], &[0, 3]).unwrap_err();
    assert_eq!(e.status(), Status::OutOfRange);
    assert!(!e.message().is_empty(), "{e}");
    assert_eq!(
        m.train_step(&data.x[..DIM], &[-1]).unwrap_err().status(),
        Status::OutOfRange
    );
    assert_eq!(
        m.train_step(&[], &[]).unwrap_err().status(),
        Status::InvalidArgument
    );

    assert_eq!(all_tensors(&m), tensors);
    assert_eq!(m.step_count().unwrap(), steps);
    // Still usable.
    m.train_step(&data.x[..DIM * 4], &data.y[..4]).unwrap();
}

#[test]
fn bad_documents_name_the_problem() {
    let e = Model::from_json("{").unwrap_err();
    assert_eq!(e.status(), Status::InvalidArgument);
    assert!(!e.message().is_empty());
    let e =
        Model::from_json(&SMALL_MLP.replace("\"units\": 16", "\"units\": \"many\"")).unwrap_err();
    assert!(e.message().contains("units"), "{e}");
    let e = Model::from_json(&SMALL_MLP.replace("\"seed\": 1", "\"seed\": 1, \"bogus\": 2"))
        .unwrap_err();
    assert!(e.message().contains("bogus"), "{e}");
    assert_eq!(
        Model::from_json("{\"a\0\": 1}").unwrap_err().status(),
        Status::InvalidArgument
    );
}

#[test]
fn tensors_by_name() {
    let mut m = model();
    let names = m.tensor_names().unwrap();
    assert_eq!(names.len(), m.tensor_count());
    assert_eq!(names[0], "layers.0.kernel");
    assert!(names.iter().any(|n| n == "layers.1.running_var"));

    let kernel = m.tensor("layers.0.kernel").unwrap();
    assert_eq!(kernel.len(), DIM * 16);
    let new: Vec<f32> = (0..kernel.len())
        .map(|i| (i as f32 / 100.0) - 0.5)
        .collect();
    m.set_tensor("layers.0.kernel", &new).unwrap();
    assert_eq!(m.tensor("layers.0.kernel").unwrap(), new);

    assert_eq!(
        m.set_tensor("layers.0.kernel", &new[1..])
            .unwrap_err()
            .status(),
        Status::ShapeMismatch
    );
    let mut bad = new.clone();
    bad[3] = f32::NAN;
    assert_eq!(
        m.set_tensor("layers.0.kernel", &bad).unwrap_err().status(),
        Status::Numeric
    );
    assert_eq!(
        m.tensor("no.such.tensor").unwrap_err().status(),
        Status::OutOfRange
    );
    assert_eq!(m.tensor_at(1000).unwrap_err().status(), Status::OutOfRange);
    assert_eq!(m.tensor("layers.0.kernel").unwrap(), new);
}

#[test]
fn parameters_and_configure() {
    let mut m = model();
    m.set_param(Param::LearningRate, 0.01).unwrap();
    assert_eq!(m.get_param(Param::LearningRate).unwrap(), 0.01);
    let (lo, hi) = bnn::param_bounds(Param::LearningRate).unwrap();
    assert!(lo <= 0.01 && 0.01 <= hi);
    assert_eq!(bnn::param_name(Param::LearningRate), "learning_rate");
    let e = m.set_param(Param::LearningRate, -1.0).unwrap_err();
    assert_eq!(e.status(), Status::OutOfRange);
    assert_eq!(m.get_param(Param::LearningRate).unwrap(), 0.01);
    // adam has no momentum parameter.
    assert_eq!(
        m.get_param(Param::Momentum).unwrap_err().status(),
        Status::Unsupported
    );

    m.set_param_i32(Param::KernelSte, Ste::Identity as i32)
        .unwrap();
    assert_eq!(
        m.get_param_i32(Param::KernelSte).unwrap(),
        Ste::Identity as i32
    );

    m.configure(r#"{"learning_rate": 0.002, "kernel_ste": "clipped"}"#)
        .unwrap();
    assert_eq!(m.get_param(Param::LearningRate).unwrap(), 0.002);
    assert_eq!(
        m.get_param_i32(Param::KernelSte).unwrap(),
        Ste::Clipped as i32
    );
    let e = m
        .configure(r#"{"learning_rate": 0.5, "kernel_ste": "nonsense"}"#)
        .unwrap_err();
    assert!(e.message().contains("kernel_ste"), "{e}");
    assert_eq!(m.get_param(Param::LearningRate).unwrap(), 0.002);
    assert!(m.config_json().unwrap().contains("\"layers\""));
    assert!(!m.summary().unwrap().is_empty());
}

#[test]
fn save_and_load_resume_bit_exactly() {
    let data = synthetic(200, 11);
    let mut m = model();
    train(&mut m, &data, 2);

    let bytes = m.to_bytes().unwrap();
    let mut from_bytes = Model::from_bytes(&bytes).unwrap();
    let path = std::env::temp_dir().join(format!("bnn-rust-test-{}.bnn", std::process::id()));
    m.save(&path).unwrap();
    let mut from_file = Model::load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let mut cloned = m.try_clone().unwrap();

    train(&mut m, &data, 1);
    for other in [&mut from_bytes, &mut from_file, &mut cloned] {
        train(other, &data, 1);
        assert_eq!(all_tensors(other), all_tensors(&m));
        assert_eq!(other.step_count().unwrap(), m.step_count().unwrap());
    }

    let mut corrupt = bytes.clone();
    let last = corrupt.len() - 1;
    corrupt[last / 2] ^= 0x55;
    assert_eq!(
        Model::from_bytes(&corrupt).unwrap_err().status(),
        Status::CorruptData
    );
    assert_eq!(
        Model::from_bytes(&bytes[..10]).unwrap_err().status(),
        Status::CorruptData
    );
    let e = Model::load("/nonexistent/dir/model.bnn").unwrap_err();
    assert_eq!(e.status(), Status::Io);
    assert!(!e.message().is_empty());
}

#[test]
fn a_model_moves_between_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<Model>();
    let data = synthetic(100, 5);
    let mut m = model();
    m = std::thread::spawn(move || {
        train(&mut m, &data, 1);
        m
    })
    .join()
    .unwrap();
    assert_eq!(m.step_count().unwrap(), 2);
}

#[test]
fn version_is_abi_compatible_with_the_crate() {
    let crate_major: u32 = env!("CARGO_PKG_VERSION_MAJOR").parse().unwrap();
    assert_eq!(bnn::version_number() / 10000, crate_major);
    let n = bnn::version_number();
    let expected = format!("{}.{}.{}", n / 10000, n / 100 % 100, n % 100);
    assert_eq!(bnn::version(), expected);
}
