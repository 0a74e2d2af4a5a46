package check

import (
	"bytes"
	"strconv"
	"time"
)

// Pidfile is what a pass read of a pidfile. Reading it safely (without
// blocking on a FIFO, following a planted link or reading /dev/zero for
// ever) is the trust package's job; judging what it says is this one's.
type Pidfile struct {
	// FirstLine is the file's first line as written: daemons such as
	// PostgreSQL write more lines after the PID.
	FirstLine []byte
	// ModTime is when the file was last written: a process that started
	// after that did not write it.
	ModTime time.Time
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
