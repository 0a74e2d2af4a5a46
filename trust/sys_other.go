//go:build !linux

package trust

import "golang.org/x/sys/unix"

// oSearch opens a folder to walk through it; without O_PATH that needs
// read permission, which root has.
const oSearch = unix.O_RDONLY
