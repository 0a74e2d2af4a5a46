// Command floor is the physical floor of a pass that looks at every command
// line: one walk of /proc reading each process's stat and cmdline once,
// into one reused buffer, and nothing else. The benchmark compares
// cortex-check against it.
package main

import (
	"fmt"
	"os"
	"syscall"
)

func main() {
	dir, err := os.Open("/proc")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	names, err := dir.Readdirnames(-1)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buf := make([]byte, 1<<20)
	procs, bytes := 0, 0
	for _, name := range names {
		if name[0] < '0' || name[0] > '9' {
			continue
		}
		for _, file := range []string{"/stat", "/cmdline"} {
			bytes += read("/proc/"+name+file, buf)
		}
		procs++
	}
	fmt.Println(procs, "processes,", bytes, "bytes")
}

func read(path string, buf []byte) int {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return 0
	}
	defer syscall.Close(fd)
	total := 0
	for {
		n, err := syscall.Read(fd, buf)
		if n <= 0 || err != nil {
			return total
		}
		total += n
	}
}
