package main

import (
	"os"
	"strconv"

	"github.com/cortex/cortex-check/cgroup"
	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/pass"
	"github.com/cortex/cortex-check/restart"
	"github.com/cortex/cortex-check/trust"
)

// hostMeters are the pass's figures and files beyond the process table:
// descriptors in /proc/PID/fd, the daemons' control groups' counters, a
// main process's program link, restart_on_change files through trust,
// the listening sockets of /proc/net/tcp{,6}, and whether exec probes can
// run at all.
func hostMeters(groups pass.Groups, starter restart.Starter) pass.Meters {
	m := pass.Meters{
		FDs:        check.CountFDs,
		Exe:        func(pid int) (string, error) { return os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe") },
		ModTime:    trust.ModTime,
		Holders:    check.PortHolders,
		CheckProbe: starter.CheckProbe,
	}
	type usager interface {
		Usage(name string) cgroup.Usage
	}
	if g, ok := groups.(usager); ok {
		m.Group = func(name string) pass.GroupUsage {
			u := g.Usage(name)
			return pass.GroupUsage{Memory: u.Memory, MemoryOK: u.MemoryOK, CPU: u.CPU, CPUOK: u.CPUOK}
		}
	}
	return m
}
