package trust

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Owner is who a log file created by the pass belongs to: the daemon's user
// and group for <log_dir>/<name>.log, Caller() for the restart log.
type Owner struct{ UID, GID int }

// Caller is this process's effective user and group (root:root for the
// timer's pass): the owner of the pass's own files.
func Caller() Owner { return Owner{UID: os.Geteuid(), GID: os.Getegid()} }

// LogMode is the mode of a log file the pass creates: the owner (the
// daemon, which may reopen its log by name on SIGHUP) writes it, its group
// (the admins who read that daemon's logs) reads it, others get nothing,
// since a daemon's output carries what it should not show every local user
// (stack traces with tokens, connection strings). An existing log keeps its
// mode: that is the admin's choice.
const LogMode = 0o640

// OpenAppend opens the log at path for appending, creating it (and its
// missing folders) if needed, for a pass running as root on behalf of
// owner.
//
// The folder (and every folder above it) must pass the folder rule for root
// or owner.UID, and the folder itself must not be writable by others even
// if sticky (anyone could plant the log there first). owner.UID is trusted
// for folders only, never for symbolic links: a link on the way is
// followed only when root (or the caller) owns it and the folder it is in,
// which no one else may write; otherwise the owner could lead root to
// create or open the log in a folder the owner may not write. Missing
// folders are created 0755 and owned by root, not by owner: the daemon
// gets its log through the descriptor the pass hands it and needs no right
// to the folder, and a root-owned folder stays trusted; chown it yourself
// if the daemon must create files there. No folder is created past a
// refused link: the walk stops there.
//
// The log is opened relative to that folder with O_NOFOLLOW|O_NONBLOCK, and
// fstat must show a regular file with exactly one link: a symbolic link, a
// hard link, a FIFO or a device planted at the log's name is refused, never
// written through. A log the pass creates is chowned to owner and chmoded
// to LogMode through the descriptor. The file is open for reading too, for
// TailFrom.
func OpenAppend(path string, owner Owner) (*os.File, error) {
	return OpenAppendKind(path, owner, "log")
}

// OpenAppendKind is OpenAppend for a file that messages name kind (the
// events file) rather than "log".
func OpenAppendKind(path string, owner Owner, kind string) (*os.File, error) {
	return writer(owner.UID).openIn(path, kind, func(dir int, name string) (int, bool, error) {
		const flags = unix.O_RDWR | unix.O_APPEND | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_NOCTTY | unix.O_CLOEXEC
		for range 3 { // a name removed or created between the two opens: try again
			fd, err := unix.Openat(dir, name, flags|unix.O_CREAT|unix.O_EXCL, LogMode)
			if err == nil {
				if err := chown(fd, owner); err != nil {
					unix.Close(fd)
					unix.Unlinkat(dir, name, 0)
					return -1, false, err
				}
				if err := unix.Fchmod(fd, LogMode); err != nil { // not what umask left
					unix.Close(fd)
					unix.Unlinkat(dir, name, 0)
					return -1, false, err
				}
				return fd, true, nil
			}
			if err != unix.EEXIST {
				return -1, false, err
			}
			fd, err = unix.Openat(dir, name, flags, 0)
			if err != unix.ENOENT {
				return fd, false, err
			}
		}
		return -1, false, unix.EAGAIN
	})
}

// OpenLock opens (creating if needed, mode 0600) the lock file at path for
// flock. The folder and link rules apply for uid as in OpenAppend. The
// lock must be a regular file with one link, owned by uid, and neither
// readable nor writable by group or others: flock needs no write access,
// so anyone who can open the lock at all can hold it and stop every pass.
func OpenLock(path string, uid int) (*os.File, error) {
	f, err := writer(uid).openIn(path, "lock", func(dir int, name string) (int, bool, error) {
		fd, err := unix.Openat(dir, name, unix.O_RDWR|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0o600)
		return fd, false, err
	})
	if err != nil {
		return nil, err
	}
	fi, err := fstat(f)
	if err == nil {
		err = lockRule(path, fi, uid)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// lockRule refuses a lock that is not uid's alone.
func lockRule(path string, fi info, uid int) error {
	switch {
	case fi.uid != uid:
		e := refusal("lock", path, fi)
		e.ownerInProblem = true
		e.Problem = fmt.Sprintf("is owned by %s, not by %s", userDesc(fi.uid), UserName(uid))
		e.Risk = "another user created it, and whoever can open it can hold it and stop every pass"
		e.Fix = "rm " + path + ", or set lock_file"
		return e
	case fi.mode&0o077 != 0:
		e := refusal("lock", path, fi)
		e.Problem = "is open to group or others"
		e.Risk = "anyone who can open it can hold the lock and stop every pass"
		e.Fix = "chmod 0600 " + path
		return e
	}
	return nil
}

// writer is the walker of every file the pass writes for uid (root
// trusted too): folders must pass the folder rule for them, links on the
// way only the link rule for root, and missing folders are created.
// OpenAppend, OpenLock, WriteFileAtomic and Writable share it, so that
// what validate and schedule say is what the writers do.
func writer(uid int) *walker {
	return &walker{uids: []int{uid}, purpose: forWrite, create: true, rootLinks: true}
}

// openIn walks to path's folder (creating it if missing), opens path's last
// component in it with open, which must not follow a link, and refuses what
// is not a regular file with exactly one link. kind names the file in
// messages.
func (w *walker) openIn(path, kind string, open func(dir int, name string) (fd int, created bool, err error)) (*os.File, error) {
	dirPath, name := filepath.Split(path)
	if name == "" || name == "." || name == ".." {
		return nil, fmt.Errorf("%s %s: not a file name", kind, path)
	}
	if dirPath == "" {
		dirPath = "."
	}
	t, err := w.walk(dirPath, true)
	if err != nil {
		return nil, fmt.Errorf("%s %s: its folder: %w", kind, path, err)
	}
	defer t.close()
	full := filepath.Join(t.path, name)
	fd, created, err := open(t.dir, name)
	if err == unix.ELOOP || err == unix.ENXIO {
		// O_NOFOLLOW met a link; or, opening write-only, a FIFO.
		return nil, plantedAt(kind, full, t.dir, name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", kind, &fs.PathError{Op: "open", Path: full, Err: err})
	}
	f := os.NewFile(uintptr(fd), full)
	fi, err := fstat(f)
	if err == nil {
		err = onlyLink(kind, full, fi)
	}
	if err == nil {
		err = unix.SetNonblock(fd, false) // the daemon gets this descriptor as its stdout
	}
	if err != nil {
		f.Close()
		if created {
			unix.Unlinkat(t.dir, name, 0)
		}
		return nil, err
	}
	return f, nil
}

// onlyLink refuses what is not a regular file with exactly one link.
// The refusal is built only to refuse: it names the owner, which reads
// the user database (/etc/passwd) on every pass otherwise.
func onlyLink(kind, path string, fi info) error {
	if fi.isRegular() && fi.nlink == 1 {
		return nil
	}
	e := refusal(kind, path, fi)
	if !fi.isRegular() {
		e.Problem = "is " + fi.typeName() + ", not a regular file"
		e.Risk = "whoever put it there could make cortex-check hang on it or write into something else as " + runAs()
		e.Fix = "rm " + path
	} else {
		e.Problem = fmt.Sprintf("has %d hard links", fi.nlink)
		e.Risk = "it may be another file linked there so that cortex-check, as " + runAs() + ", writes into it"
		e.Fix = "check what else it is (find / -samefile " + path + "), then rm " + path
	}
	return e
}

// plantedAt describes what an open without following links met at name.
func plantedAt(kind, path string, dir int, name string) error {
	var st unix.Stat_t
	if err := unix.Fstatat(dir, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("%s %s: changed while being opened; try again", kind, path)
	}
	return plantedInfo(kind, path, infoOf(&st))
}

// plantedInfo refuses what a writer that appends must not write through:
// a symbolic link, a hard link, anything but a regular file.
func plantedInfo(kind, path string, fi info) error {
	if !fi.isLink() {
		return onlyLink(kind, path, fi)
	}
	e := refusal(kind, path, fi)
	e.Problem = "is a symbolic link"
	e.Risk = "cortex-check, running as " + runAs() + ", does not follow links where it writes: whoever made it could point it at any file"
	e.Fix = "rm " + path
	return e
}

// chown gives a file the pass created to owner, unless it has it already
// (a pass that is not root may only keep its own).
func chown(fd int, owner Owner) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if int(st.Uid) == owner.UID && int(st.Gid) == owner.GID {
		return nil
	}
	return unix.Fchown(fd, owner.UID, owner.GID)
}

func fstat(f *os.File) (info, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return info{}, &fs.PathError{Op: "stat", Path: f.Name(), Err: err}
	}
	return infoOf(&st), nil
}

// TailFrom returns what was appended to f after offset, at most its last
// maxBytes (then starting at a line when one starts in it), read through
// the descriptor the pass opened, never by name: no one can swap in another
// file to have root read it. A file now shorter than offset was truncated
// (copytruncate): all of it is new.
func TailFrom(f *os.File, offset int64, maxBytes int) (string, error) {
	fi, err := fstat(f)
	if err != nil {
		return "", err
	}
	if !fi.isRegular() {
		return "", fmt.Errorf("tail %s: %s, not a regular file", f.Name(), fi.typeName())
	}
	if maxBytes <= 0 {
		return "", nil
	}
	if fi.size < offset || offset < 0 {
		offset = 0
	}
	start := max(offset, fi.size-int64(maxBytes))
	buf := make([]byte, fi.size-start)
	n, err := f.ReadAt(buf, start)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("tail %s: %w", f.Name(), err)
	}
	buf = buf[:n]
	if start > offset {
		if i := bytes.IndexByte(buf, '\n'); i >= 0 && i < len(buf)-1 {
			buf = buf[i+1:]
		}
	}
	return string(buf), nil
}

// WriteFileAtomic replaces path with data whole or not at all: a reader
// sees the old file or the new one, never a part. The folder (created 0755
// if missing) must pass the folder rule for uid and not be writable by
// others even if sticky; links on the way are followed as in OpenAppend. The data goes to a new temporary file in that
// folder (random name, O_CREAT|O_EXCL|O_NOFOLLOW, so nothing planted is
// written through), is synced, and renamed over path: a symbolic or hard
// link at path is replaced, never followed. The folder is synced after the
// rename so the new name survives a crash. On failure the temporary file is
// removed and the old file is unchanged.
func WriteFileAtomic(path string, data []byte, perm os.FileMode, uid int) (err error) {
	w := writer(uid)
	dirPath, name := filepath.Split(path)
	if name == "" || name == "." || name == ".." {
		return fmt.Errorf("write %s: not a file name", path)
	}
	if dirPath == "" {
		dirPath = "."
	}
	t, err := w.walk(dirPath, true)
	if err != nil {
		return fmt.Errorf("write %s: its folder: %w", path, err)
	}
	defer t.close()
	var fd int
	var tmp string
	for range 10 {
		tmp = "." + name + ".tmp-" + randomSuffix()
		fd, err = unix.Openat(t.dir, tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if err != unix.EEXIST {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("write %s: create a temporary file in its folder: %w", path, err)
	}
	f := os.NewFile(uintptr(fd), filepath.Join(t.path, tmp))
	defer func() {
		if err != nil {
			f.Close()
			unix.Unlinkat(t.dir, tmp, 0)
		}
	}()
	// Created 0600 (and under umask); set perm before anyone can see the
	// data under path.
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, Bare(err))
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, Bare(err))
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, Bare(err))
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, Bare(err))
	}
	if err := unix.Renameat(t.dir, tmp, t.dir, name); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// The file is replaced; a failed folder sync only weakens durability
	// after a crash, so it is not reported as a failed write.
	if dfd, err := unix.Openat(t.dir, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err == nil {
		unix.Fsync(dfd)
		unix.Close(dfd)
	}
	return nil
}

func randomSuffix() string {
	b := make([]byte, 8)
	rand.Read(b) // never fails (crypto/rand panics instead)
	return hex.EncodeToString(b)
}

// Bare drops the path an *fs.PathError repeats, for a message that names
// the file already: "lock /run/x.lock: permission denied", not "lock
// /run/x.lock: open /run/x.lock: permission denied".
func Bare(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
