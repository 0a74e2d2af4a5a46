package restart

import (
	"fmt"
	"os"
	"syscall"
)

// CheckTrusted refuses a file that someone other than the caller or root
// could change: cortex-check runs the config's start commands with the
// caller's privileges, often root, so whoever can write the config or a
// start program can run anything as that user (monit's rule for its
// control file). The file is followed through symlinks: what is judged is
// what will be read or run.
func CheckTrusted(path string, uid int) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("%s is writable by group or others (mode %04o): whoever can write it can make cortex-check run commands as uid %d; fix: chmod go-w %s",
			path, perm, uid, path)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != uid && st.Uid != 0 {
		return fmt.Errorf("%s is owned by uid %d, not by you (uid %d) or root: its owner can make cortex-check run commands as you; fix: chown %d %s",
			path, st.Uid, uid, uid, path)
	}
	return nil
}
