/* Trains a small fully binary MLP and a small binary CNN on a Fashion-MNIST subset through the
 * public C API, exports both as "onnx" and "bnn-infer", and checks bnn_infer_predict against
 * bnn_model_predict on the whole test set. Writes for the ONNX Runtime test (onnx.test.mjs):
 *   OUT/{mlp,mlp_std,cnn}.onnx, OUT/{mlp,mlp_std,cnn}.bnninfer, OUT/test_x.f32 (10000 x 784), OUT/test_y.i32,
 *   OUT/{mlp,mlp_std,cnn}_logits.f32 (bnn_model_predict).
 * Usage: export_tool DATA_DIR OUT_DIR [train_samples]. Exit 0 when bnn-infer matches. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bnn/bnn.h"
#include "idx_arrays.h"


static void check(bnn_status s, const char* what, bnn_model* m) {
  if (s != BNN_STATUS_OK) {
    fprintf(stderr, "%s: %s: %s\n", what, bnn_status_string(s), m ? bnn_model_errmsg(m) : bnn_last_errmsg());
    exit(2);
  }
}

static void write_file(const char* dir, const char* name, const void* p, size_t n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE* f = fopen(path, "wb");
  if (!f || fwrite(p, 1, n, f) != n) { fprintf(stderr, "cannot write %s\n", path); exit(2); }
  fclose(f);
}

static int argmax(const float* v, int n) {
  int b = 0;
  for (int i = 1; i < n; ++i) if (v[i] > v[b]) b = i;
  return b;
}

/* Returns the number of failures. */
static int run(const char* name, const char* doc, int epochs, const float* xtr, const int32_t* ytr,
               int ntr, const float* xte, const int32_t* yte, int nte, const char* out) {
  bnn_model* m = NULL;
  check(bnn_model_create_from_json(doc, &m), "create", NULL);
  const int batch = 100;
  float loss = 0;
  for (int e = 0; e < epochs; ++e)
    for (int b = 0; b + batch <= ntr; b += batch)
      check(bnn_model_train_step(m, xtr + (size_t)b * 784, ytr + b, batch, &loss), "train_step", m);
  const int classes = (int)bnn_model_output_size(m);
  float* want = malloc(sizeof(float) * (size_t)nte * classes);
  float* got = malloc(sizeof(float) * (size_t)nte * classes);
  check(bnn_model_predict(m, xte, nte, want, (size_t)nte * classes), "predict", m);
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.onnx", out, name);
  check(bnn_model_export(m, "onnx", path), "export onnx", m);
  snprintf(path, sizeof path, "%s/%s.bnninfer", out, name);
  check(bnn_model_export(m, "bnn-infer", path), "export bnn-infer", m);
  snprintf(path, sizeof path, "%s/%s.bnn", out, name);
  check(bnn_model_save(m, path), "save", m);
  bnn_infer* e = NULL;
  snprintf(path, sizeof path, "%s/%s.bnninfer", out, name);
  check(bnn_infer_load(path, &e), "infer_load", NULL);
  if (bnn_infer_predict(e, xte, nte, got, (size_t)nte * classes) != BNN_STATUS_OK) {
    fprintf(stderr, "infer_predict: %s\n", bnn_infer_errmsg(e));
    exit(2);
  }
  int class_diff = 0, logit_diff = 0, correct = 0;
  double worst = 0;
  for (int i = 0; i < nte; ++i) {
    const float* a = want + (size_t)i * classes;
    const float* b = got + (size_t)i * classes;
    float scale = 0;
    for (int j = 0; j < classes; ++j) scale = fmaxf(scale, fabsf(a[j]));
    int bad = 0;
    for (int j = 0; j < classes; ++j) {
      const double rel = fabs(a[j] - b[j]) / (scale > 0 ? scale : 1);
      if (rel > worst) worst = rel;
      bad |= rel > 1e-4;
    }
    logit_diff += bad;
    class_diff += argmax(a, classes) != argmax(b, classes);
    correct += argmax(a, classes) == yte[i];
  }
  char fname[256];
  snprintf(fname, sizeof fname, "%s_logits.f32", name);
  write_file(out, fname, want, sizeof(float) * (size_t)nte * classes);
  printf("%s: test accuracy %.4f; bnn-infer vs predict on %d samples: %d class differences, "
         "%d samples with logits beyond 1e-4 relative (worst %.3g)\n",
         name, (double)correct / nte, nte, class_diff, logit_diff, worst);
  bnn_infer_free(e);
  bnn_model_free(m);
  free(want);
  free(got);
  return class_diff + logit_diff;
}

int main(int argc, char** argv) {
  if (argc < 3) { fprintf(stderr, "usage: export_tool DATA_DIR OUT_DIR [train_samples]\n"); return 2; }
  char p1[4096], p2[4096];
  int ntr = 0, nte = 0;
  int32_t *ytr = NULL, *yte = NULL;
  snprintf(p1, sizeof p1, "%s/train-images-idx3-ubyte.gz", argv[1]);
  snprintf(p2, sizeof p2, "%s/train-labels-idx1-ubyte.gz", argv[1]);
  float* xtr = load_idx(p1, p2, &ytr, &ntr);
  snprintf(p1, sizeof p1, "%s/t10k-images-idx3-ubyte.gz", argv[1]);
  snprintf(p2, sizeof p2, "%s/t10k-labels-idx1-ubyte.gz", argv[1]);
  float* xte = load_idx(p1, p2, &yte, &nte);
  const int use = argc > 3 ? atoi(argv[3]) : 6000;
  if (use < ntr) ntr = use;
  write_file(argv[2], "test_x.f32", xte, sizeof(float) * (size_t)nte * 784);
  write_file(argv[2], "test_y.i32", yte, sizeof(int32_t) * (size_t)nte);
  /* Fully binary MLP: every hidden activation and weight is a sign; the first layer reads pixels. */
  const char* mlp =
      "{\"input_shape\": [784], \"layers\": ["
      "{\"type\": \"dense\", \"units\": 256, \"use_bias\": false, \"kernel_quantizer\": {\"type\": \"sign\"}},"
      "{\"type\": \"batch_norm\", \"momentum\": 0.9, \"epsilon\": 1e-4},"
      "{\"type\": \"dense\", \"units\": 256, \"use_bias\": false, \"input_quantizer\": {\"type\": \"sign\"}, \"kernel_quantizer\": {\"type\": \"sign\"}},"
      "{\"type\": \"batch_norm\", \"momentum\": 0.9, \"epsilon\": 1e-4},"
      "{\"type\": \"dense\", \"units\": 10, \"use_bias\": false, \"input_quantizer\": {\"type\": \"sign\"}, \"kernel_quantizer\": {\"type\": \"sign\"}},"
      "{\"type\": \"batch_norm\", \"momentum\": 0.9, \"epsilon\": 1e-4}],"
      "\"loss\": \"square_hinge\", \"optimizer\": {\"type\": \"adam\", \"learning_rate\": 0.003},"
      "\"weight_clip\": {\"mode\": \"fixed\", \"value\": 1.0}, \"seed\": 1}";
  /* Binary CNN: float pixels into a binary-kernel conv, then binary convs and dense layers. */
  const char* cnn =
      "{\"input_shape\": [28, 28, 1], \"layers\": ["
      "{\"type\": \"conv2d\", \"filters\": 16, \"kernel_size\": [3, 3], \"padding\": \"same\", \"use_bias\": false, \"kernel_quantizer\": {\"type\": \"sign\"}},"
      "{\"type\": \"max_pool2d\", \"pool_size\": [2, 2]},"
      "{\"type\": \"batch_norm\", \"momentum\": 0.9, \"epsilon\": 1e-4},"
      "{\"type\": \"conv2d\", \"filters\": 32, \"kernel_size\": [3, 3], \"padding\": \"same\", \"pad_value\": 1, \"use_bias\": false, \"input_quantizer\": {\"type\": \"sign\"}, \"kernel_quantizer\": {\"type\": \"sign\"}},"
      "{\"type\": \"max_pool2d\", \"pool_size\": [2, 2]},"
      "{\"type\": \"batch_norm\", \"momentum\": 0.9, \"epsilon\": 1e-4},"
      "{\"type\": \"flatten\"},"
      "{\"type\": \"dense\", \"units\": 128, \"use_bias\": false, \"input_quantizer\": {\"type\": \"sign\"}, \"kernel_quantizer\": {\"type\": \"sign\"}},"
      "{\"type\": \"batch_norm\", \"momentum\": 0.9, \"epsilon\": 1e-4},"
      "{\"type\": \"dense\", \"units\": 10, \"use_bias\": false, \"input_quantizer\": {\"type\": \"sign\"}, \"kernel_quantizer\": {\"type\": \"sign\"}},"
      "{\"type\": \"batch_norm\", \"momentum\": 0.9, \"epsilon\": 1e-4}],"
      "\"loss\": \"cross_entropy\", \"optimizer\": {\"type\": \"adam\", \"learning_rate\": 0.005},"
      "\"weight_clip\": {\"mode\": \"fixed\", \"value\": 1.0}, \"seed\": 1}";
  /* Binary from the pixels on: each image standardised (per_image), then signs everywhere. */
  const char* mlp_std =
      "{\"input_shape\": [784], \"standardize\": \"per_image\", \"layers\": ["
      "{\"type\": \"dense\", \"units\": 256, \"use_bias\": false, \"input_quantizer\": {\"type\": \"sign\"}, \"kernel_quantizer\": {\"type\": \"sign\"}},"
      "{\"type\": \"batch_norm\", \"momentum\": 0.9, \"epsilon\": 1e-4},"
      "{\"type\": \"dense\", \"units\": 10, \"use_bias\": false, \"input_quantizer\": {\"type\": \"sign\"}, \"kernel_quantizer\": {\"type\": \"sign\"}},"
      "{\"type\": \"batch_norm\", \"momentum\": 0.9, \"epsilon\": 1e-4}],"
      "\"loss\": \"square_hinge\", \"optimizer\": {\"type\": \"adam\", \"learning_rate\": 0.003},"
      "\"weight_clip\": {\"mode\": \"fixed\", \"value\": 1.0}, \"seed\": 1}";
  int failures = run("mlp", mlp, 2, xtr, ytr, ntr, xte, yte, nte, argv[2]);
  failures += run("mlp_std", mlp_std, 1, xtr, ytr, ntr, xte, yte, nte, argv[2]);
  failures += run("cnn", cnn, 1, xtr, ytr, ntr / 2, xte, yte, nte, argv[2]);
  return failures ? 1 : 0;
}
