/* Shared by the standalone C tools (bench/infer/bench_infer.c, tests/onnx/export_tool.c): an IDX
   image file and its label file as arrays of 28x28 floats and labels. Exits with status 2 and a
   message on failure. */
#ifndef BNN_TOOLS_IDX_ARRAYS_H
#define BNN_TOOLS_IDX_ARRAYS_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bnn/bnn.h"

/* Read by the library (bnn_dataset_load_idx); the caller frees both arrays. */
static float* load_idx(const char* images, const char* labels, int32_t** y_out, int* n_out) {
  bnn_dataset* d = NULL;
  if (bnn_dataset_load_idx(images, labels, &d) != BNN_STATUS_OK) {
    fprintf(stderr, "%s: %s\n", images, bnn_last_errmsg());
    exit(2);
  }
  const size_t n = bnn_dataset_count(d), dim = bnn_dataset_sample_size(d);
  float* x = malloc(sizeof(float) * n * dim);
  int32_t* y = malloc(sizeof(int32_t) * n);
  if (dim != 784 || bnn_dataset_get(d, 0, n, x, n * dim, y, n) != BNN_STATUS_OK) {
    fprintf(stderr, "%s: expected 28x28 images\n", images);
    exit(2);
  }
  bnn_dataset_free(d);
  *y_out = y;
  *n_out = (int)n;
  return x;
}

#endif
