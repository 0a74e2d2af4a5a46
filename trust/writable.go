package trust

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Write is how one of the writers in this package writes a file.
type Write int

const (
	// Replace is WriteFileAtomic: a temporary file renamed over the name,
	// so whatever is at the name is replaced, never written through.
	Replace Write = iota
	// Append is OpenAppend: the file at the name is written through, so
	// it must be a regular file of one link.
	Append
	// Lock is OpenLock: as Append, and the lock must be uid's alone.
	Lock
)

// Writable says, creating and changing nothing, whether the writer how
// would write path for uid: the same walk (the folder rule for root and
// uid, the link rule for links) over the same folders, and for Append and
// Lock the same test of what is at the name. A folder that does not exist
// yet is fine where the writer would create it. what names the file in
// messages ("textfile", "restart log"); a refusal is an *Error (path,
// owner, mode, the risk and the fix), as the writer would report it.
func Writable(what, path string, how Write, uid int) error {
	dirPath, name := filepath.Split(path)
	if name == "" || name == "." || name == ".." {
		return fmt.Errorf("%s %s: not a file name", what, path)
	}
	if dirPath == "" {
		dirPath = "."
	}
	w := writer(uid)
	w.dryRun = true
	t, err := w.walk(dirPath, true)
	if err != nil {
		return fmt.Errorf("%s %s: its folder: %w", what, path, err)
	}
	defer t.close()
	if t.missing {
		return nil
	}
	full := filepath.Join(t.path, name)
	var st unix.Stat_t
	err = unix.Fstatat(t.dir, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, &fs.PathError{Op: "stat", Path: full, Err: err})
	}
	fi := infoOf(&st)
	switch how {
	case Replace:
		if fi.isDir() {
			return fmt.Errorf("%s %s is a folder: name a file in it", what, full)
		}
		return nil
	case Lock:
		if err := plantedInfo(what, full, fi); err != nil {
			return err
		}
		return lockRule(full, fi, uid)
	}
	return plantedInfo(what, full, fi)
}
