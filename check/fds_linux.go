//go:build linux

package check

import (
	"strconv"
	"syscall"
	"unsafe"
)

// CountFDs counts the open descriptors of a process: the entries of
// /proc/PID/fd, listed with getdents into one buffer, no name kept. Only
// root (or the process's own user) may list them; others get an error,
// and the figure is left out.
func CountFDs(pid int) (int, error) {
	return countEntries("/proc/" + strconv.Itoa(pid) + "/fd")
}

// countEntries counts the names in a folder but . and ..
func countEntries(dir string) (int, error) {
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer syscall.Close(fd)
	var buf [8192]byte
	n := 0
	for {
		got, err := syscall.Getdents(fd, buf[:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 0, err
		}
		if got <= 0 {
			return n, nil
		}
		for off := 0; off < got; {
			// struct linux_dirent64: ino (8), off (8), reclen (2), type (1), name.
			reclen := int(*(*uint16)(unsafe.Pointer(&buf[off+16])))
			if reclen == 0 {
				break
			}
			name := buf[off+19 : off+reclen]
			if !(name[0] == '.' && (name[1] == 0 || name[1] == '.' && name[2] == 0)) {
				n++
			}
			off += reclen
		}
	}
}
