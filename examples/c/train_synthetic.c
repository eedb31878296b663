/* Trains a tiny binary network on synthetic data with libbnn's C API and prints its loss and
 * accuracy. Built against an installed libbnn, with CMake (CMakeLists.txt) or pkg-config (Makefile).
 * Exits with 1 when training does not reach 90% accuracy, so it doubles as a smoke test. */
#include <bnn/bnn.h>
#include <stdio.h>
#include <stdlib.h>

enum { DIM = 8, CLASSES = 3, SAMPLES = 600, BATCH = 50, EPOCHS = 20 };

static const char* kModel =
    "{\"input_shape\": [8], \"layers\": ["
    " {\"type\": \"dense\", \"units\": 16, \"use_bias\": false,"
    "  \"kernel_quantizer\": {\"type\": \"sign\", \"ste\": \"clipped\", \"clip\": 1.0}},"
    " {\"type\": \"batch_norm\", \"momentum\": 0.9, \"epsilon\": 1e-5},"
    " {\"type\": \"dense\", \"units\": 3, \"use_bias\": false,"
    "  \"input_quantizer\": {\"type\": \"sign\", \"ste\": \"clipped\"},"
    "  \"kernel_quantizer\": {\"type\": \"sign\", \"ste\": \"identity\"}},"
    " {\"type\": \"batch_norm\"}],"
    " \"loss\": \"cross_entropy\", \"optimizer\": {\"type\": \"adam\", \"learning_rate\": 0.001},"
    " \"weight_clip\": {\"mode\": \"fixed\", \"value\": 1.0}, \"seed\": 1}";

/* A small deterministic generator, so that every run sees the same data. */
static uint64_t rng_state = 42;
static float uniform01(void) {
  rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
  return (float)((rng_state >> 40) & 0xFFFFFF) / 16777216.0f;
}

/* Each class is a random corner of the {-1,+1}^DIM cube, at least DIM/2 sign flips away from the
   other classes' corners; samples are that corner plus noise. */
static void make_data(float* x, int32_t* y) {
  float centres[CLASSES][DIM];
  for (int c = 0; c < CLASSES; ++c) {
    int far_enough;
    do {
      for (int j = 0; j < DIM; ++j) centres[c][j] = uniform01() < 0.5f ? -1.0f : 1.0f;
      far_enough = 1;
      for (int k = 0; k < c; ++k) {
        int flips = 0;
        for (int j = 0; j < DIM; ++j) flips += centres[c][j] != centres[k][j];
        if (flips < DIM / 2) far_enough = 0;
      }
    } while (!far_enough);
  }
  for (int i = 0; i < SAMPLES; ++i) {
    y[i] = (int32_t)(uniform01() * CLASSES) % CLASSES;
    for (int j = 0; j < DIM; ++j) x[i * DIM + j] = centres[y[i]][j] + 1.2f * (2.0f * uniform01() - 1.0f);
  }
}

int main(void) {
  static float x[SAMPLES * DIM];
  static int32_t y[SAMPLES];
  bnn_model* model = NULL;
  float loss = 0.0f, accuracy = 0.0f;

  printf("libbnn %s, ISA %s\n", bnn_version_string(), bnn_get_isa());
  make_data(x, y);
  if (bnn_model_create_from_json(kModel, &model) != BNN_STATUS_OK) {
    fprintf(stderr, "create: %s\n", bnn_last_errmsg());
    return 1;
  }
  for (int epoch = 0; epoch < EPOCHS; ++epoch) {
    for (int b = 0; b < SAMPLES; b += BATCH) {
      bnn_status s = bnn_model_train_step(model, &x[b * DIM], &y[b], BATCH, &loss);
      if (s != BNN_STATUS_OK) {
        fprintf(stderr, "train_step: %s: %s\n", bnn_status_name(s), bnn_model_errmsg(model));
        bnn_model_free(model);
        return 1;
      }
    }
    if (epoch % 5 == 4) printf("epoch %2d  last batch loss %.4f\n", epoch + 1, loss);
  }
  if (bnn_model_evaluate(model, x, y, SAMPLES, &loss, &accuracy) != BNN_STATUS_OK) {
    fprintf(stderr, "evaluate: %s\n", bnn_model_errmsg(model));
    bnn_model_free(model);
    return 1;
  }
  printf("loss %.4f  accuracy %.3f\n", loss, accuracy);
  bnn_model_free(model);
  return accuracy >= 0.9f ? 0 : 1;
}
