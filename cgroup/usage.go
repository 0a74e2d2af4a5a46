package cgroup

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Usage is what a control group's processes use, as the kernel counts it
// for the group: exited members' CPU time included.
type Usage struct {
	// Memory is memory.current (resident memory and page cache charged
	// to the group); MemoryOK is false where the group has no memory
	// controller (a hybrid host keeps it in the v1 hierarchy).
	Memory   int64
	MemoryOK bool
	// CPU is cpu.stat's usage_usec, which cgroup2 keeps in every group,
	// controller or not.
	CPU   time.Duration
	CPUOK bool
}

// Usage reads the daemon's group's usage.
func (t *Tree) Usage(name string) Usage { return usageAt(t.Path(name)) }

// Usage reads the daemon's scope's usage.
func (s *Scopes) Usage(name string) Usage { return usageAt(filepath.Join(s.dir, s.Unit(name))) }

// usageAt reads memory.current and cpu.stat in dir.
func usageAt(dir string) Usage {
	var u Usage
	if b, err := os.ReadFile(filepath.Join(dir, "memory.current")); err == nil {
		if n, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64); err == nil {
			u.Memory, u.MemoryOK = n, true
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "cpu.stat")); err == nil {
		for line := range bytes.Lines(b) {
			if v, ok := bytes.CutPrefix(line, []byte("usage_usec ")); ok {
				if n, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64); err == nil {
					u.CPU, u.CPUOK = time.Duration(n)*time.Microsecond, true
				}
				break
			}
		}
	}
	return u
}
