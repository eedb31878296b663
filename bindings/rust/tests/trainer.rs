//! Datasets, the trainer, metadata and deployment (libbnn 0.2.0) through the safe API.
mod common;

use bnn::{Dataset, InferEngine, Model, Status, Trainer};
use common::{all_tensors, synthetic, CLASSES, DIM, SMALL_MLP};

/// SMALL_MLP with a three-epoch recipe: 300 samples, 10% held out, batches of 20.
fn recipe() -> String {
    SMALL_MLP.replacen(
        r#""seed": 1"#,
        r#""seed": 1, "training": {"epochs": 3, "batch_size": 20, "validation_split": 0.1}"#,
        1,
    )
}

fn dataset(n: usize, seed: u64) -> Dataset {
    let d = synthetic(n, seed);
    Dataset::new(&d.x, &d.y, DIM).expect("dataset")
}

#[test]
fn datasets_copy_and_report() {
    let d = synthetic(100, 3);
    let ds = Dataset::new(&d.x, &d.y, DIM).unwrap();
    assert_eq!(
        (ds.len(), ds.sample_size(), ds.num_classes()),
        (100, DIM, CLASSES)
    );
    let (x, y) = ds.get(10, 5).unwrap();
    assert_eq!(x, d.x[10 * DIM..15 * DIM]);
    assert_eq!(y, d.y[10..15]);
    let part = ds.slice(90, 10).unwrap();
    assert_eq!(part.len(), 10);
    assert_eq!(ds.get(99, 5).unwrap_err().status(), Status::OutOfRange);
    let err = Dataset::new(&d.x[..7], &d.y, DIM).unwrap_err();
    assert_eq!(err.status(), Status::ShapeMismatch);
    let mut bad = d.x.clone();
    bad[5] = f32::NAN;
    let err = Dataset::new(&bad, &d.y, DIM).unwrap_err();
    assert_eq!(err.status(), Status::Numeric);
    assert!(
        !err.message().is_empty(),
        "the library's message is carried"
    );
    let err = Dataset::load_idx("/nonexistent/images", "/nonexistent/labels").unwrap_err();
    assert_eq!(err.status(), Status::Io);
    let _ = bnn::gzip_supported();
}

#[test]
fn trainer_runs_the_recipe_as_an_iterator() {
    let train = dataset(300, 1);
    let mut model = Model::from_json(&recipe()).unwrap();
    let mut trainer = Trainer::new(&mut model, &train, None, None).unwrap();
    let first = trainer.run_epoch().unwrap();
    assert_eq!(first.epoch(), 0);
    for key in [
        "lr",
        "train_loss",
        "train_accuracy",
        "val_accuracy",
        "flip_ratio",
        "seconds",
    ] {
        assert!(first.number(key).is_some(), "record lacks {key}: {first}");
    }
    assert_eq!(first.raw("test_accuracy"), Some("null"));
    let rest: Vec<_> = trainer.by_ref().collect::<bnn::Result<_>>().unwrap();
    assert_eq!(
        rest.iter().map(|r| r.epoch()).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert!(trainer.done());
    let pos = trainer.position().unwrap();
    assert_eq!((pos.epoch, pos.steps_per_epoch), (3, 14));
    assert_eq!(
        trainer.run_epoch().unwrap_err().status(),
        Status::InvalidState
    );
    assert!(rest[1].val_accuracy().unwrap() > 0.8, "{}", rest[1]);
    let mut best = trainer.best_model().unwrap();
    assert!(trainer.state_json().unwrap().contains("history"));
    assert_eq!(trainer.model().step_count().unwrap(), 42);
    drop(trainer);
    assert_eq!(model.step_count().unwrap(), 42);
    let val = train.slice(270, 30).unwrap();
    let best_val = [&first, &rest[0], &rest[1]]
        .iter()
        .map(|r| r.val_accuracy().unwrap())
        .fold(0.0, f64::max);
    let acc = best.evaluate_dataset(&val).unwrap().accuracy as f64;
    assert!(
        (acc - best_val).abs() < 1e-6,
        "best {acc} vs records {best_val}"
    );
}

#[test]
fn cancel_and_continue_equals_uninterrupted_and_same_seed_same_records() {
    let train = dataset(300, 1);
    let mut reference = Model::from_json(&recipe()).unwrap();
    let history = Trainer::new(&mut reference, &train, None, None)
        .unwrap()
        .fit()
        .unwrap();
    assert_eq!(history.len(), 3);

    let mut model = Model::from_json(&recipe()).unwrap();
    let mut steps = Vec::new();
    {
        let mut trainer = Trainer::new(&mut model, &train, None, None).unwrap();
        trainer
            .set_step_callback(|step, epoch, loss| {
                steps.push((step, epoch, loss));
                step == 5
            })
            .unwrap();
        let err = trainer.run_epoch().unwrap_err();
        assert_eq!(err.status(), Status::Cancelled);
        assert_eq!(trainer.position().unwrap().step_in_epoch, 5);
        trainer.clear_step_callback().unwrap();
        let records: Vec<_> = trainer.collect::<bnn::Result<_>>().unwrap();
        assert_eq!(records.len(), 3);
        for (a, b) in records.iter().zip(&history) {
            assert_eq!(a.train_loss(), b.train_loss());
            assert_eq!(a.val_accuracy(), b.val_accuracy());
        }
    }
    assert_eq!(steps.last().unwrap().0, 5);
    assert_eq!(all_tensors(&model), all_tensors(&reference));
}

#[test]
fn a_panicking_callback_is_resumed_not_unwound_through_c() {
    let train = dataset(300, 1);
    let mut model = Model::from_json(&recipe()).unwrap();
    let mut trainer = Trainer::new(&mut model, &train, None, None).unwrap();
    trainer
        .set_step_callback(|_, _, _| panic!("callback panic"))
        .unwrap();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| trainer.run_epoch()));
    assert!(caught.is_err());
    assert_eq!(trainer.position().unwrap().step_in_epoch, 1);
}

#[test]
fn trainer_save_resumes_bit_exactly() {
    let train = dataset(300, 1);
    let mut reference = Model::from_json(&recipe()).unwrap();
    Trainer::new(&mut reference, &train, None, None)
        .unwrap()
        .fit()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("bnn-rust-trainer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("progress.bnn");
    {
        let mut model = Model::from_json(&recipe()).unwrap();
        let mut trainer = Trainer::new(&mut model, &train, None, None).unwrap();
        trainer.run_epoch().unwrap();
        trainer.set_step_callback(|step, _, _| step == 20).unwrap();
        assert_eq!(trainer.run_epoch().unwrap_err().status(), Status::Cancelled);
        trainer.save(&path).unwrap();
    }
    let mut resumed = Model::load(&path).unwrap();
    Trainer::new(&mut resumed, &train, None, None)
        .unwrap()
        .fit()
        .unwrap();
    assert_eq!(all_tensors(&resumed), all_tensors(&reference));
    let other = dataset(200, 2);
    let mut again = Model::load(&path).unwrap();
    let err = Trainer::new(&mut again, &other, None, None).unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn trainer_refuses_mismatched_data() {
    let wrong = Dataset::new(&[0.5; 50], &[0; 10], 5).unwrap();
    let mut model = Model::from_json(&recipe()).unwrap();
    let err = Trainer::new(&mut model, &wrong, None, None).unwrap_err();
    assert_eq!(err.status(), Status::ShapeMismatch);
    assert!(!err.message().is_empty());
}

#[test]
fn metadata_and_last_step_accuracy() {
    let mut model = Model::from_json(SMALL_MLP).unwrap();
    assert_eq!(model.metadata().unwrap(), "null");
    model.set_metadata(r#"{"run": "a"}"#).unwrap();
    assert!(model.metadata().unwrap().contains("\"run\""));
    assert_eq!(
        model.set_metadata("{broken").unwrap_err().status(),
        Status::InvalidArgument
    );
    let d = synthetic(50, 4);
    model.train_step(&d.x, &d.y).unwrap();
    let acc = model.last_step_accuracy().unwrap();
    assert!((0.0..=1.0).contains(&acc));
    let copy = Model::from_bytes(&model.to_bytes().unwrap()).unwrap();
    assert_eq!(copy.metadata().unwrap(), model.metadata().unwrap());
}

#[test]
fn export_and_infer_engine() {
    let d = synthetic(200, 5);
    let mut model = Model::from_json(SMALL_MLP).unwrap();
    common::train(&mut model, &d, 3);
    let bytes = model.export_bytes("bnn-infer").unwrap();
    let mut engine = InferEngine::from_bytes(&bytes).unwrap();
    assert_eq!((engine.input_size(), engine.output_size()), (DIM, CLASSES));
    let expected = model.predict(&d.x).unwrap();
    let got = engine.predict(&d.x).unwrap();
    assert_eq!(got.len(), expected.len());
    for (a, b) in got.iter().zip(&expected) {
        assert!((a - b).abs() <= 1e-4 * (1.0 + b.abs()), "{a} vs {b}");
    }
    assert_eq!(
        engine.predict(&d.x[..3]).unwrap_err().status(),
        Status::ShapeMismatch
    );
    assert!(!model.export_bytes("onnx").unwrap().is_empty());
    assert_eq!(
        model.export_bytes("nope").unwrap_err().status(),
        Status::InvalidArgument
    );
    assert_eq!(
        InferEngine::from_bytes(&bytes[..bytes.len() / 2])
            .unwrap_err()
            .status(),
        Status::CorruptData
    );
    let path = std::env::temp_dir().join(format!("bnn-rust-{}.bnni", std::process::id()));
    model.export("bnn-infer", &path).unwrap();
    assert_eq!(
        InferEngine::load(&path).unwrap().predict(&d.x).unwrap(),
        got
    );
    std::fs::remove_file(&path).ok();
}
