package trust

import (
	"io/fs"
	"time"

	"golang.org/x/sys/unix"
)

// ModTime is when the file at path was last modified, for
// restart_on_change. It is looked at, never opened: the path is walked from
// / as a pidfile's is, following a symbolic link (on the way or at its
// name, as /usr/sbin/nginx may be one) only when root or the caller alone
// controls it and its folder, and the file reached is stat'ed without
// following another. So an account that can write a folder on the way
// cannot have cortex-check, as root, look at a file of its choosing.
func ModTime(path string) (time.Time, error) {
	w := &walker{purpose: forRead, rootLinks: true, linksOnly: true, context: "restart_on_change " + path}
	t, err := w.walk(path, false)
	if err != nil {
		return time.Time{}, err
	}
	defer t.close()
	var st unix.Stat_t
	if err := unix.Fstatat(t.dir, t.name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return time.Time{}, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	return time.Unix(st.Mtim.Unix()), nil
}
