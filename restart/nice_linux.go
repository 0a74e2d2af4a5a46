package restart

import "syscall"

// getNice and setNice act on the calling thread: on Linux a nice value
// belongs to a thread, and a fork copies the forking thread's.
func getNice() (int, error) {
	// The raw syscall returns 20 - nice, so that it is never negative.
	r, _, errno := syscall.Syscall(syscall.SYS_GETPRIORITY, syscall.PRIO_PROCESS, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return 20 - int(r), nil
}

func setNice(n int) error { return syscall.Setpriority(syscall.PRIO_PROCESS, 0, n) }
