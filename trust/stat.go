package trust

import (
	"io/fs"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// Stat returns what a heartbeat probe needs of the file at path: whether
// it is there, what it is, and when it was last written.
//
// The path is walked as ReadPidfile walks a pidfile's: its folders are not
// judged (a heartbeat in a daemon's own folder is normal), but every
// symbolic link on it, its last component included, is followed only when
// root (or the caller) owns the link and its folder and no one else may
// write that folder. A link that someone else controls is refused before
// it is read: otherwise the account that owns a daemon's folder could
// point the heartbeat at any file and learn, from the status file or the
// plugin output, whether a file it may not see exists (a root-only
// id_rsa) and when it changed, to the second. The refusal names the link,
// its owner and mode, never what it points at. The file itself is
// lstat'ed relative to the folder reached, never followed.
//
// Errors: a missing file (or folder) matches fs.ErrNotExist; a refused
// link is an *Error and matches fs.ErrPermission.
func Stat(path string) (fs.FileInfo, error) {
	w := &walker{purpose: forStat, rootLinks: true, linksOnly: true}
	t, err := w.walk(path, false)
	if err != nil {
		return nil, err
	}
	defer t.close()
	var st unix.Stat_t
	if err := unix.Fstatat(t.dir, t.name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: path, Err: changed(err)}
	}
	fi := infoOf(&st)
	if fi.isLink() {
		// Swapped for a link since the walk judged the name: someone is
		// changing the folder right now; refused like any link there.
		return nil, &fs.PathError{Op: "stat", Path: path, Err: errChanged}
	}
	return statInfo{name: filepath.Base(t.path), fi: fi, mtime: time.Unix(st.Mtim.Unix())}, nil
}

// statInfo is the fs.FileInfo that Stat returns.
type statInfo struct {
	name  string
	fi    info
	mtime time.Time
}

func (s statInfo) Name() string       { return s.name }
func (s statInfo) Size() int64        { return s.fi.size }
func (s statInfo) Mode() fs.FileMode  { return s.fi.fileMode() }
func (s statInfo) ModTime() time.Time { return s.mtime }
func (s statInfo) IsDir() bool        { return s.fi.isDir() }
func (s statInfo) Sys() any           { return nil }
