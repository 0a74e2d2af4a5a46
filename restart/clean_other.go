//go:build !linux

package restart

import (
	"errors"
	"syscall"
	"time"

	"github.com/cortex/cortex-check/check"
)

var errUnsupported = errors.New("not supported here")

func unblockSignals() (func(), error) { return nil, errUnsupported }

func serviceNofile() (func(), error) { return nil, errUnsupported }

// bornIn is never called where there are no control groups.
func bornIn(*syscall.SysProcAttr, int) {}

// KillSame ends the processes, each only if it still runs the process
// the table saw; without pidfds the check and the signal are apart.
func KillSame(procs []check.Process, grace time.Duration) []int {
	var pids []int
	for _, p := range procs {
		if check.SameProcess(p) {
			pids = append(pids, p.PID)
		}
	}
	return Kill(pids, grace)
}
