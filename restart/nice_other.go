//go:build !linux

package restart

import "syscall"

func getNice() (int, error) { return syscall.Getpriority(syscall.PRIO_PROCESS, 0) }

func setNice(n int) error { return syscall.Setpriority(syscall.PRIO_PROCESS, 0, n) }
