package trust

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// maxPidfile is how much of a pidfile is read: a PID and a newline, with
// room to spare.
const maxPidfile = 4 << 10

// ErrNoPID is matched by ReadPidfile's error for a pidfile that is there
// but does not start with a PID (empty, or text).
var ErrNoPID = errors.New("no PID in the pidfile")

// ReadPidfile returns the first line of the pidfile at path, spaces
// trimmed; it is digits only.
//
// The folders on the path are walked from / one at a time, as elsewhere in
// this package, but not judged: a pidfile in a daemon's own folder is
// normal. Only symbolic links are: one on the way is followed only when it
// and the folder it is in are root's (or the caller's) and no one else may
// write that folder, so a user who owns a folder on the path cannot lead
// root to a file they may not read. The pidfile itself is opened relative
// to the folder reached, without following a link at its name and without
// blocking (O_RDONLY|O_NONBLOCK|O_NOFOLLOW); fstat must show a regular file
// with one link, and at most 4 KiB is read: a FIFO, a device such as
// /dev/zero, a symbolic link or a hard link planted at a pidfile's name is
// refused, never read, so a user who can write the pidfile's folder can
// neither hang the pass nor have root read another file for them.
//
// Errors: a missing pidfile (or folder) matches fs.ErrNotExist (the daemon
// is stopped); a refused or unreadable one matches fs.ErrPermission
// (unknown); one without a PID matches ErrNoPID. What a pidfile holds when
// it is not a PID is never put in the error: root may have read it for
// someone who could not.
func ReadPidfile(path string) (line []byte, written time.Time, err error) {
	dirPath, name := filepath.Split(path)
	if name == "" { // "run/": the folder itself, refused below as one
		name = "."
	}
	if dirPath == "" {
		dirPath = "."
	}
	w := &walker{purpose: forRead, rootLinks: true, linksOnly: true, context: "pidfile " + path}
	t, err := w.walk(dirPath, true)
	if errors.Is(err, fs.ErrNotExist) {
		// A folder on the way is missing: so is the pidfile, as before.
		return nil, time.Time{}, &fs.PathError{Op: "open", Path: path, Err: unix.ENOENT}
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	defer t.close()
	fd, err := unix.Openat(t.dir, name, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOFOLLOW|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err == unix.ELOOP {
		var st unix.Stat_t
		if unix.Fstatat(t.dir, name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && infoOf(&st).isLink() {
			e := refusal("pidfile", path, infoOf(&st))
			e.Problem = "is a symbolic link"
			e.Risk = "cortex-check, running as " + runAs() + ", does not follow links to read a pidfile: whoever can write its folder could point it at any file"
			e.Fix = "set pidfile to where the daemon really writes it"
			return nil, time.Time{}, e
		}
	}
	if err != nil {
		return nil, time.Time{}, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, time.Time{}, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if err := pidfileKind(path, infoOf(&st)); err != nil {
		return nil, time.Time{}, err
	}
	line, err = readPID(fd, path)
	if err != nil {
		return nil, time.Time{}, err
	}
	return line, modTime(&st), nil
}

// pidfileKind refuses a pidfile that is not one regular file with one
// link.
func pidfileKind(path string, fi info) error {
	if fi.isRegular() && fi.nlink == 1 {
		return nil
	}
	e := onlyLink("pidfile", path, fi).(*Error)
	if fi.isRegular() {
		e.Risk = "it may be another file linked there so that cortex-check reads it as " + runAs()
		e.Fix = "rm " + path + " and let the daemon write a fresh one"
		return e
	}
	e.Risk = "reading it could hang cortex-check or never end"
	if fi.typ() != unix.S_IFIFO {
		// Not "rm /dev/zero" (or a folder, or a socket): the config
		// names the wrong file. A FIFO at a pidfile's name was most
		// likely planted: rm it, as onlyLink says.
		e.Fix = "set pidfile to where the daemon writes its PID"
	}
	return e
}

// readPID reads the PID on a pidfile's first line, at most maxPidfile
// bytes in.
func readPID(fd int, path string) ([]byte, error) {
	buf := make([]byte, maxPidfile)
	n := 0
	for n < len(buf) {
		m, err := unix.Pread(fd, buf[n:], int64(n))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if m == 0 {
			break
		}
		n += m
	}
	line := buf[:n]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	// Some daemons end the PID with NULs or spaces.
	line = bytes.TrimSpace(bytes.TrimRight(line, "\x00 \t\r"))
	switch {
	case len(line) == 0:
		return nil, &noPIDError{path: path, why: "it is empty"}
	case len(line) > 10 || bytes.IndexFunc(line, func(r rune) bool { return r < '0' || r > '9' }) >= 0:
		return nil, &noPIDError{path: path, why: "its first line is not a number (not shown: cortex-check read it as " + runAs() + ")"}
	}
	return line, nil
}

type noPIDError struct{ path, why string }

func (e *noPIDError) Error() string {
	return fmt.Sprintf("pidfile %s holds no PID: %s", e.path, e.why)
}

func (e *noPIDError) Is(target error) bool { return target == ErrNoPID }

func modTime(st *unix.Stat_t) time.Time { return time.Unix(st.Mtim.Unix()) }
