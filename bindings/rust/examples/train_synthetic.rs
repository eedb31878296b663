//! Trains a tiny binary network on synthetic data and prints loss and accuracy.
//!   PKG_CONFIG_PATH=<prefix>/lib/pkgconfig LD_LIBRARY_PATH=<prefix>/lib \
//!     cargo run --offline --example train_synthetic
use bnn::{Model, Param};

const DIM: usize = 8;
const CLASSES: usize = 3;

const MODEL: &str = r#"{
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
}"#;

/// Three classes, each a corner of the {-1,+1}^8 cube (far apart), plus uniform noise.
fn synthetic(n: usize) -> (Vec<f32>, Vec<i32>) {
    let mut state = 42u64;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 40) & 0xFF_FFFF) as f32 / 16_777_216.0
    };
    let centres: [[f32; DIM]; CLASSES] = [
        [1.0, 1.0, 1.0, 1.0, -1.0, -1.0, -1.0, -1.0],
        [-1.0, -1.0, 1.0, 1.0, 1.0, 1.0, -1.0, -1.0],
        [1.0, -1.0, -1.0, 1.0, 1.0, -1.0, 1.0, -1.0],
    ];
    let (mut x, mut y) = (Vec::with_capacity(n * DIM), Vec::with_capacity(n));
    for _ in 0..n {
        let class = ((uniform() * CLASSES as f32) as usize).min(CLASSES - 1);
        y.push(class as i32);
        x.extend(
            centres[class]
                .iter()
                .map(|c| c + 1.2 * (2.0 * uniform() - 1.0)),
        );
    }
    (x, y)
}

fn main() -> Result<(), bnn::Error> {
    println!("libbnn {} ({})", bnn::version(), bnn::isa());
    let (x, y) = synthetic(600);
    let mut model = Model::from_json(MODEL)?;
    for epoch in 1..=20 {
        let mut loss = 0.0;
        for (xb, yb) in x.chunks(50 * DIM).zip(y.chunks(50)) {
            loss = model.train_step(xb, yb)?;
        }
        if epoch == 10 {
            // Halve the learning rate for the second half of training.
            let lr = model.get_param(Param::LearningRate)?;
            model.set_param(Param::LearningRate, lr / 2.0)?;
        }
        if epoch % 5 == 0 {
            println!(
                "epoch {epoch:2}  loss {loss:.4}  flips {:.4}",
                model.flip_ratio()?
            );
        }
    }
    let eval = model.evaluate(&x, &y)?;
    println!("loss {:.4}  accuracy {:.3}", eval.loss, eval.accuracy);
    // Errors carry the library's status and message:
    if let Err(e) = model.train_step(&x[..DIM], &[7]) {
        println!("a label out of range is refused: {e}");
    }
    if eval.accuracy < 0.9 {
        eprintln!("accuracy {:.3} below 0.9", eval.accuracy);
        std::process::exit(1);
    }
    Ok(())
}
