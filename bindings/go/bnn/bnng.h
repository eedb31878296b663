// Shared by the cgo preambles of this package (bnn.go, train.go): each failing call copies the
// library's message into the caller's buffer inside the same C call, because a goroutine can
// move to another OS thread between two cgo calls and bnn_last_errmsg() is thread-local.
#ifndef BNNG_H
#define BNNG_H
#include <stdlib.h>
#include <string.h>
#include <bnn/bnn.h>

static inline void bnng_copy(const char* msg, char* buf, size_t cap) {
	size_t n;
	if (buf == NULL || cap == 0) return;
	if (msg == NULL) msg = "";
	n = strlen(msg);
	if (n >= cap) n = cap - 1;
	memcpy(buf, msg, n);
	buf[n] = '\0';
}
// s from a call without a handle: the thread-local message.
static inline int bnng_global(bnn_status s, char* err, size_t cap) {
	if (s != BNN_STATUS_OK) bnng_copy(bnn_last_errmsg(), err, cap);
	return (int)s;
}
// s from a call on a handle: that handle's message.
static inline int bnng_model(const bnn_model* m, bnn_status s, char* err, size_t cap) {
	if (s != BNN_STATUS_OK) bnng_copy(bnn_model_errmsg(m), err, cap);
	return (int)s;
}
static inline int bnng_trainer(const bnn_trainer* t, bnn_status s, char* err, size_t cap) {
	if (s != BNN_STATUS_OK) bnng_copy(bnn_trainer_errmsg(t), err, cap);
	return (int)s;
}
static inline int bnng_infer(const bnn_infer* e, bnn_status s, char* err, size_t cap) {
	if (s != BNN_STATUS_OK) bnng_copy(bnn_infer_errmsg(e), err, cap);
	return (int)s;
}
#endif
