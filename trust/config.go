package trust

import (
	"fmt"
	"io/fs"

	"golang.org/x/sys/unix"
)

// MaxConfig is the most ReadConfig reads: a config is a few KiB; anything
// near this is not one.
const MaxConfig = 1 << 20

// ConfigFile is a config read once, with the verdict on who could have
// changed it.
type ConfigFile struct {
	Data []byte // the bytes read: parse these, never the path again
	Path string // the file really read: every symbolic link resolved
	// Owner is the file's owner, as fstat found it on the descriptor
	// read: without user, a daemon is this user's.
	Owner int

	// Untrusted is nil, or an *Error saying who besides the caller and root
	// could have changed the config (the file, a folder above it, a link on
	// the way). A --fix pass refuses to run start commands then; a plain
	// pass only warns.
	Untrusted error
}

// ReadConfig reads the config at path once. The path is walked as Path does
// (owner uid or root, not writable by group or others, every link and every
// folder it leads through judged), the file is opened relative to the folder
// that was judged without following a link, judged again through its own
// descriptor (fstat), and read through that descriptor: what is judged is
// what is read, with no window to swap it.
//
// A refusal by the rule does not stop the read: it comes back in
// ConfigFile.Untrusted, so a warn-only caller still gets the data. err is
// for what makes the config unreadable: missing (fs.ErrNotExist), not a
// regular file, larger than MaxConfig, an I/O error.
func ReadConfig(path string, uid int) (*ConfigFile, error) {
	return readOnce(path, uid, "config", forConfig)
}

// ReadState reads a file the pass itself writes and reads back (the status
// file) under the same rule, named what in messages: what others could
// have planted or forged comes back in Untrusted, not believed.
func ReadState(path string, uid int, what string) (*ConfigFile, error) {
	return readOnce(path, uid, what, forWrite)
}

func readOnce(path string, uid int, what string, p purpose) (*ConfigFile, error) {
	w := &walker{uids: []int{uid}, purpose: p, lenient: true}
	t, err := w.walk(path, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer t.close()
	fd, err := unix.Openat(t.dir, t.name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, &fs.PathError{Op: "open", Path: t.path, Err: changed(err)})
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", what, &fs.PathError{Op: "stat", Path: t.path, Err: err})
	}
	fi := infoOf(&st)
	if !fi.isRegular() {
		return nil, fmt.Errorf("%s %s is %s, not a regular file", what, t.path, fi.typeName())
	}
	w.flag(w.judge(t.path, fi, asFile))
	data, err := readAll(fd, min(st.Size, MaxConfig)+1, MaxConfig+1)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, &fs.PathError{Op: "read", Path: t.path, Err: err})
	}
	if len(data) > MaxConfig {
		return nil, fmt.Errorf("%s %s is larger than %d KiB: that is not cortex-check's", what, t.path, MaxConfig>>10)
	}
	c := &ConfigFile{Data: data, Path: t.path, Owner: int(st.Uid)}
	if w.bad != nil {
		c.Untrusted = w.bad
	}
	return c, nil
}

// readAll reads fd to its end, or to limit bytes, into a buffer of size
// first (its size by fstat, and one more to see the end): a config or a
// status file in one read, not the growing reads of io.ReadAll, and on the
// descriptor itself, which os.File would first try to add to the
// network poller.
func readAll(fd int, first, limit int64) ([]byte, error) {
	buf := make([]byte, 0, max(first, 512))
	for int64(len(buf)) < limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := unix.Read(fd, buf[len(buf):min(int64(cap(buf)), limit)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			break
		}
		buf = buf[:len(buf)+n]
	}
	return buf, nil
}
