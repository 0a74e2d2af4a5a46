package restart

import (
	"slices"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cortex/cortex-check/check"
)

// unblockSignals empties the calling thread's signal mask until restore.
func unblockSignals() (restore func(), err error) {
	var empty, old unix.Sigset_t
	if err := unix.PthreadSigmask(unix.SIG_SETMASK, &empty, &old); err != nil {
		return nil, err
	}
	return func() { unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil) }, nil
}

// serviceNofile sets the soft RLIMIT_NOFILE to 1024 (at most the hard
// limit) until restore. Go raised the soft limit to the hard one at start
// and would give children back the limit the pass was started with;
// after a Setrlimit it gives them the current one, which is this.
func serviceNofile() (restore func(), err error) {
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		return nil, err
	}
	soft := min(uint64(1024), old.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: soft, Max: old.Max}); err != nil {
		return nil, err
	}
	return func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) }, nil
}

// bornIn makes the child start in the control group open at fd
// (clone3's CLONE_INTO_CGROUP).
func bornIn(attr *syscall.SysProcAttr, fd int) {
	attr.UseCgroupFD, attr.CgroupFD = true, fd
}

// KillSame ends processes read from a table, each only if the PID still
// names the process the table saw (its start time): a PID reused since
// is never signalled. It holds a pidfd for each, so that the check and
// the signals reach one process. SIGTERM (and SIGCONT), up to grace for
// them to exit, then SIGKILL; it returns the PIDs left.
func KillSame(procs []check.Process, grace time.Duration) []int {
	type target struct {
		pid, fd int
	}
	var targets []target
	var plain []int // kernels without pidfd_open (before 5.3)
	for _, p := range procs {
		fd, err := unix.PidfdOpen(p.PID, 0)
		if err != nil {
			if err == unix.ENOSYS && check.SameProcess(p) {
				plain = append(plain, p.PID)
			}
			continue
		}
		if !check.SameProcess(p) {
			unix.Close(fd)
			continue
		}
		targets = append(targets, target{p.PID, fd})
	}
	defer func() {
		for _, t := range targets {
			unix.Close(t.fd)
		}
	}()
	var pids []int
	for _, t := range targets {
		unix.PidfdSendSignal(t.fd, unix.SIGTERM, nil, 0)
		unix.PidfdSendSignal(t.fd, unix.SIGCONT, nil, 0)
		pids = append(pids, t.pid)
	}
	left := WaitGone(pids, grace)
	for _, t := range targets {
		if slices.Contains(left, t.pid) {
			unix.PidfdSendSignal(t.fd, unix.SIGKILL, nil, 0)
		}
	}
	left = WaitGone(left, time.Second)
	if len(plain) > 0 {
		left = append(left, Kill(plain, grace)...)
	}
	return left
}
