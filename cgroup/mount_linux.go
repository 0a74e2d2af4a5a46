package cgroup

import (
	"path/filepath"

	"golang.org/x/sys/unix"
)

// mountPoint finds the cgroup2 hierarchy: a pure v2 /sys/fs/cgroup, or
// the unified mount of a hybrid host. Two statfs calls, no mount table to
// parse.
func mountPoint() (dir string, writable bool, why string) {
	if SystemdBooted() {
		return "", false, "systemd manages this host's control groups"
	}
	for _, dir := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"} {
		var st unix.Statfs_t
		if unix.Statfs(dir, &st) != nil || st.Type != unix.CGROUP2_SUPER_MAGIC {
			continue
		}
		writable := st.Flags&unix.ST_RDONLY == 0 && unix.Access(filepath.Join(dir, "cgroup.procs"), unix.W_OK) == nil
		return dir, writable, ""
	}
	return "", false, "no cgroup2 hierarchy is mounted"
}
