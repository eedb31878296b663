//! Shared test data: a small model document and a synthetic, well-separated data set.
#![allow(dead_code)]

pub const DIM: usize = 8;
pub const CLASSES: usize = 3;

pub const SMALL_MLP: &str = r#"{
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

pub struct Data {
    pub x: Vec<f32>,
    pub y: Vec<i32>,
}

/// Classes are corners of the {-1,+1}^DIM cube at least DIM/2 sign flips apart; samples are a
/// corner plus uniform noise in [-1.2, 1.2].
pub fn synthetic(n: usize, seed: u64) -> Data {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut uniform = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 40) & 0xFF_FFFF) as f32 / 16_777_216.0
    };
    let mut centres: Vec<[f32; DIM]> = Vec::new();
    while centres.len() < CLASSES {
        let mut c = [0.0f32; DIM];
        for v in c.iter_mut() {
            *v = if uniform() < 0.5 { -1.0 } else { 1.0 };
        }
        let far = centres
            .iter()
            .all(|o| o.iter().zip(c.iter()).filter(|(a, b)| a != b).count() >= DIM / 2);
        if far {
            centres.push(c);
        }
    }
    let mut data = Data {
        x: Vec::with_capacity(n * DIM),
        y: Vec::with_capacity(n),
    };
    for _ in 0..n {
        let class = ((uniform() * CLASSES as f32) as usize).min(CLASSES - 1);
        data.y.push(class as i32);
        for c in centres[class] {
            data.x.push(c + 1.2 * (2.0 * uniform() - 1.0));
        }
    }
    data
}

/// Trains `epochs` passes in batches of 50 and returns the last batch loss.
pub fn train(model: &mut bnn::Model, data: &Data, epochs: usize) -> f32 {
    let mut loss = f32::NAN;
    for _ in 0..epochs {
        for (x, y) in data.x.chunks(50 * DIM).zip(data.y.chunks(50)) {
            loss = model.train_step(x, y).expect("train_step");
        }
    }
    loss
}

pub fn all_tensors(model: &bnn::Model) -> Vec<Vec<f32>> {
    (0..model.tensor_count())
        .map(|i| model.tensor_at(i).unwrap())
        .collect()
}
