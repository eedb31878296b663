/* The native side of the wasm cross-build test and of the wasm benchmark, over the public C ABI
 * (linked against the native libbnn.so):
 *   native_tool train DOC.json X.f32 Y.i32 N EPOCHS BATCH OUT.bnn LOGITS.f32
 *       trains on N samples (raw little-endian float32 / int32 files), saves, writes the logits of X
 *   native_tool predict MODEL.bnn X.f32 N LOGITS.f32
 *       loads a model (e.g. saved by the wasm build) and writes its logits of X
 *   native_tool bench DOC.json BATCH SECONDS [THREADS]
 *       trains on random data for about SECONDS and prints "samples_per_second <v> isa <name> ..."
 * Exit status 0 on success; failures print the library's message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bnn/bnn.h"

static void* read_file(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  if (!f) { perror(path); exit(1); }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char* buf = malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) { fprintf(stderr, "%s: read failed\n", path); exit(1); }
  buf[n] = 0;
  fclose(f);
  *size = (size_t)n;
  return buf;
}

static void write_file(const char* path, const void* data, size_t size) {
  FILE* f = fopen(path, "wb");
  if (!f || fwrite(data, 1, size, f) != size) { perror(path); exit(1); }
  fclose(f);
}

static void check(bnn_status s, const bnn_model* m, const char* what) {
  if (s == BNN_STATUS_OK) return;
  fprintf(stderr, "%s: %s: %s\n", what, bnn_status_name(s), m ? bnn_model_errmsg(m) : bnn_last_errmsg());
  exit(1);
}

static void write_logits(bnn_model* m, const float* x, size_t n, const char* path) {
  size_t k = bnn_model_output_size(m);
  float* logits = malloc(n * k * sizeof(float));
  check(bnn_model_predict(m, x, n, logits, n * k), m, "predict");
  write_file(path, logits, n * k * sizeof(float));
  free(logits);
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char** argv) {
  if (argc == 10 && strcmp(argv[1], "train") == 0) {
    size_t size;
    char* doc = read_file(argv[2], &size);
    bnn_model* m = NULL;
    check(bnn_model_create_from_json(doc, &m), NULL, "create");
    size_t n = (size_t)atol(argv[5]), epochs = (size_t)atol(argv[6]), batch = (size_t)atol(argv[7]);
    size_t d = bnn_model_input_size(m);
    float* x = read_file(argv[3], &size);
    if (size != n * d * sizeof(float)) { fprintf(stderr, "X: %zu bytes, expected %zu\n", size, n * d * 4); return 1; }
    int32_t* y = read_file(argv[4], &size);
    if (size != n * sizeof(int32_t)) { fprintf(stderr, "Y: wrong size\n"); return 1; }
    for (size_t e = 0; e < epochs; ++e)
      for (size_t b = 0; b + batch <= n; b += batch)
        check(bnn_model_train_step(m, x + b * d, y + b, batch, NULL), m, "train_step");
    check(bnn_model_save(m, argv[8]), m, "save");
    write_logits(m, x, n, argv[9]);
    bnn_model_free(m);
    free(doc); free(x); free(y);
    return 0;
  }
  if (argc == 6 && strcmp(argv[1], "predict") == 0) {
    bnn_model* m = NULL;
    check(bnn_model_load(argv[2], &m), NULL, "load");
    size_t size, n = (size_t)atol(argv[4]);
    float* x = read_file(argv[3], &size);
    if (size != n * bnn_model_input_size(m) * sizeof(float)) { fprintf(stderr, "X: wrong size\n"); return 1; }
    write_logits(m, x, n, argv[5]);
    bnn_model_free(m);
    free(x);
    return 0;
  }
  if ((argc == 5 || argc == 6) && strcmp(argv[1], "bench") == 0) {
    if (argc == 6) check(bnn_set_num_threads(atoi(argv[5])), NULL, "set_num_threads");
    size_t size;
    char* doc = read_file(argv[2], &size);
    bnn_model* m = NULL;
    check(bnn_model_create_from_json(doc, &m), NULL, "create");
    size_t batch = (size_t)atol(argv[3]), d = bnn_model_input_size(m), k = bnn_model_output_size(m);
    double seconds = atof(argv[4]);
    const size_t pool = 8 * batch;  /* a few distinct batches, like an epoch's worth of variety */
    float* x = malloc(pool * d * sizeof(float));
    int32_t* y = malloc(pool * sizeof(int32_t));
    unsigned s = 12345;
    for (size_t i = 0; i < pool * d; ++i) { s = s * 1103515245u + 12345u; x[i] = (float)((s >> 8) & 0xffff) / 32768.0f - 1.0f; }
    for (size_t i = 0; i < pool; ++i) { s = s * 1103515245u + 12345u; y[i] = (int32_t)((s >> 16) % k); }
    for (int w = 0; w < 5; ++w) check(bnn_model_train_step(m, x, y, batch, NULL), m, "warm-up");
    size_t samples = 0, step = 0;
    double t0 = now_seconds(), t = t0;
    while (t - t0 < seconds) {
      size_t off = (step++ % 8) * batch;
      check(bnn_model_train_step(m, x + off * d, y + off, batch, NULL), m, "train_step");
      samples += batch;
      t = now_seconds();
    }
    printf("samples_per_second %.1f isa %s threads %d\n", (double)samples / (t - t0), bnn_get_isa(),
           bnn_get_num_threads());
    bnn_model_free(m);
    free(doc); free(x); free(y);
    return 0;
  }
  fprintf(stderr, "usage: native_tool train DOC X Y N EPOCHS BATCH OUT.bnn LOGITS | predict MODEL X N LOGITS | "
                  "bench DOC BATCH SECONDS [THREADS]\n");
  return 2;
}
