/* libbnn status codes: the single list from which the C enum, bnn_status_string(), and the Rust and
 * Go constants are generated (tests check the bindings against this file).
 * X(NAME, value, "message") -- values are pinned forever; add new codes at the end. */
#ifndef BNN_STATUS_H
#define BNN_STATUS_H

#define BNN_STATUS_LIST(X)                                                            \
  X(OK, 0, "ok")                                                                      \
  X(INVALID_ARGUMENT, 1, "invalid argument")                                          \
  X(OUT_OF_RANGE, 2, "value out of range")                                            \
  X(SHAPE_MISMATCH, 3, "shape mismatch")                                              \
  X(INVALID_STATE, 4, "invalid state (wrong call order or released handle)")          \
  X(UNSUPPORTED, 5, "unsupported operation or configuration")                         \
  X(UNSUPPORTED_HARDWARE, 6, "the CPU lacks the requested instruction set")          \
  X(OUT_OF_MEMORY, 7, "out of memory")                                                \
  X(IO, 8, "input/output error")                                                      \
  X(CORRUPT_DATA, 9, "corrupt or foreign data")                                       \
  X(NUMERIC, 10, "numeric fault (NaN or Inf)")                                        \
  X(INTERNAL, 11, "internal error")                                                   \
  X(BUFFER_TOO_SMALL, 12, "output buffer too small")                                 \
  X(CANCELLED, 13, "cancelled by a callback")

#endif /* BNN_STATUS_H */
