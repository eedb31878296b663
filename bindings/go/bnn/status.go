package bnn

import "strconv"

// Status codes. statusTable must be the X-macro list of include/bnn/bnn_status.h (names, values,
// messages, order); status_test.go parses that header and compares.

// Status is a libbnn status code (bnn_status). It is also an error, so that
// errors.Is(err, bnn.StatusNumeric) tells what kind of failure an *Error is.
type Status int

const (
	StatusOK                  Status = 0
	StatusInvalidArgument     Status = 1
	StatusOutOfRange          Status = 2
	StatusShapeMismatch       Status = 3
	StatusInvalidState        Status = 4
	StatusUnsupported         Status = 5
	StatusUnsupportedHardware Status = 6
	StatusOutOfMemory         Status = 7
	StatusIO                  Status = 8
	StatusCorruptData         Status = 9
	StatusNumeric             Status = 10
	StatusInternal            Status = 11
	StatusBufferTooSmall      Status = 12
	StatusCancelled           Status = 13
)

var statusTable = []struct {
	status  Status
	name    string // as in C, without BNN_STATUS_
	message string
}{
	{StatusOK, "OK", "ok"},
	{StatusInvalidArgument, "INVALID_ARGUMENT", "invalid argument"},
	{StatusOutOfRange, "OUT_OF_RANGE", "value out of range"},
	{StatusShapeMismatch, "SHAPE_MISMATCH", "shape mismatch"},
	{StatusInvalidState, "INVALID_STATE", "invalid state (wrong call order or released handle)"},
	{StatusUnsupported, "UNSUPPORTED", "unsupported operation or configuration"},
	{StatusUnsupportedHardware, "UNSUPPORTED_HARDWARE", "the CPU lacks the requested instruction set"},
	{StatusOutOfMemory, "OUT_OF_MEMORY", "out of memory"},
	{StatusIO, "IO", "input/output error"},
	{StatusCorruptData, "CORRUPT_DATA", "corrupt or foreign data"},
	{StatusNumeric, "NUMERIC", "numeric fault (NaN or Inf)"},
	{StatusInternal, "INTERNAL", "internal error"},
	{StatusBufferTooSmall, "BUFFER_TOO_SMALL", "output buffer too small"},
	{StatusCancelled, "CANCELLED", "cancelled by a callback"},
}

// String gives the C name without prefix ("OUT_OF_RANGE"), or "UNKNOWN(n)".
func (s Status) String() string {
	for _, e := range statusTable {
		if e.status == s {
			return e.name
		}
	}
	return "UNKNOWN(" + strconv.Itoa(int(s)) + ")"
}

// Error makes a Status usable as an errors.Is target.
func (s Status) Error() string { return "bnn: " + s.String() }

// Error is a failed libbnn call: the library's status and its detailed message.
type Error struct {
	Status  Status
	Message string
	Op      string // the method that failed, e.g. "TrainStep"
}

func (e *Error) Error() string {
	s := "bnn: " + e.Op + ": " + e.Status.String()
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is reports whether target is this error's Status, so errors.Is(err, bnn.StatusOutOfRange) works.
func (e *Error) Is(target error) bool {
	s, ok := target.(Status)
	return ok && s == e.Status
}
