package bnn

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// statusTable must be the X-macro list of include/bnn/bnn_status.h.
func TestStatusTableMatchesHeader(t *testing.T) {
	path := filepath.Join("..", "..", "..", "include", "bnn", "bnn_status.h")
	text, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		t.Skip("bnn_status.h not next to the package (used outside the repository)")
	}
	if err != nil {
		t.Fatal(err)
	}
	entry := regexp.MustCompile(`(?m)^\s*X\((\w+),\s*(-?\d+),\s*"([^"]*)"\)`)
	matches := entry.FindAllStringSubmatch(string(text), -1)
	if len(matches) < 12 {
		t.Fatalf("parsed only %d statuses from %s", len(matches), path)
	}
	if len(matches) != len(statusTable) {
		t.Fatalf("bnn_status.h lists %d statuses, status.go %d: update status.go", len(matches), len(statusTable))
	}
	for i, m := range matches {
		value, _ := strconv.Atoi(m[2])
		got := statusTable[i]
		if got.name != m[1] || int(got.status) != value || got.message != m[3] {
			t.Errorf("entry %d: header X(%s, %d, %q), status.go {%d %q %q}", i, m[1], value, m[3],
				got.status, got.name, got.message)
		}
	}
}

// And the library agrees at run time.
func TestStatusTableMatchesLibrary(t *testing.T) {
	for _, e := range statusTable {
		if got := e.status.libraryName(); got != e.name {
			t.Errorf("status %d: library name %q, table %q", e.status, got, e.name)
		}
		if got := e.status.Description(); got != e.message {
			t.Errorf("status %d: library message %q, table %q", e.status, got, e.message)
		}
		if e.status.String() != e.name {
			t.Errorf("String() of %d is %q", e.status, e.status.String())
		}
	}
	if s := Status(999).String(); s != "UNKNOWN(999)" {
		t.Errorf("unknown status prints %q", s)
	}
}
