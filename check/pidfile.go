package check

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"
	"time"
)

// Pidfile is what a pass read of a pidfile.
type Pidfile struct {
	// FirstLine is the file's first line as written: daemons such as
	// PostgreSQL write more lines after the PID.
	FirstLine []byte
	// ModTime is when the file was last written: a process that started
	// after that did not write it.
	ModTime time.Time
}

// maxPidfile bounds what a pass reads of a pidfile: a PID needs a few bytes.
const maxPidfile = 4096

// ReadPidfile reads the first line of a pidfile without being made to
// hang or to read something else: it opens without blocking (a FIFO
// planted as the pidfile would block an open for reading) and without
// following a symlink in the last component, accepts only a regular file,
// and reads at most 4 KiB (not /dev/zero's endless bytes).
func ReadPidfile(path string) (Pidfile, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return Pidfile{}, fmt.Errorf("pidfile %s is a symlink: cortex-check reads only a regular file there", path)
		}
		return Pidfile{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Pidfile{}, err
	}
	if !fi.Mode().IsRegular() {
		return Pidfile{}, fmt.Errorf("pidfile %s is not a regular file (%s)", path, fi.Mode().Type())
	}
	b, err := io.ReadAll(io.LimitReader(f, maxPidfile))
	if err != nil {
		return Pidfile{}, fmt.Errorf("read pidfile %s: %w", path, err)
	}
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return Pidfile{FirstLine: b, ModTime: fi.ModTime()}, nil
}

// parsePID reads the PID from a pidfile's first line: trailing NULs and
// whitespace are ignored, as some daemons write them.
func parsePID(line []byte) (int, bool) {
	text := bytes.TrimRight(bytes.TrimSpace(line), "\x00 \t\r")
	text = bytes.TrimSpace(text)
	pid, err := strconv.Atoi(string(text))
	if err != nil || pid <= 0 || pid > maxPID {
		return 0, false
	}
	return pid, true
}
