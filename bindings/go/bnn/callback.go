package bnn

// The Go side of the trainer's step callback. It lives in its own file because a file with an
// //export may only declare, not define, C functions in its preamble.

/*
#include <stdint.h>
*/
import "C"

import "runtime/cgo"

type stepState struct {
	fn    StepCallback
	panic interface{}
}

//export bnngoStepCallback
func bnngoStepCallback(handle C.uintptr_t, step C.int64_t, epoch C.int32_t, loss C.float) (stop C.int) {
	state := cgo.Handle(handle).Value().(*stepState)
	defer func() {
		// A panic must not unwind through the C trainer: keep it, stop, re-panic in RunEpoch.
		if r := recover(); r != nil {
			state.panic = r
			stop = 1
		}
	}()
	if state.fn(int64(step), int32(epoch), float32(loss)) {
		return 1
	}
	return 0
}
