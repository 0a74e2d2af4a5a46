package main

import (
	"bytes"
	"os"
	"testing"
)

func TestUseColor(t *testing.T) {
	// A buffer or a pipe is never a terminal: no colour, whatever NO_COLOR says.
	if useColor(&bytes.Buffer{}) {
		t.Error("colour for a buffer")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if useColor(w) {
		t.Error("colour for a pipe")
	}
	// A terminal, when the test has one, gets colour unless NO_COLOR is set.
	tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no terminal to test with")
	}
	defer tty.Close()
	t.Setenv("NO_COLOR", "1")
	if useColor(tty) {
		t.Error("colour on a terminal with NO_COLOR set")
	}
}
