//go:build unix

package probe

import (
	"context"
	"errors"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// outputCap is how much of a command's output RunCommand keeps: the end,
// where a failing command says why. A chatty probe must not fill memory.
const outputCap = 4 << 10

// waitDelay bounds how long RunCommand waits for output after the command
// exited, when something it started elsewhere still holds the pipe.
const waitDelay = 100 * time.Millisecond

// RunCommand runs cmd until it exits or ctx is done and returns the end
// of its combined output; it is the body of an ExecFunc. The caller
// builds cmd with exec.Command (not CommandContext) and sets what is
// theirs to set: the resolved program, a clean Env, Dir, and the
// daemon's user in SysProcAttr.Credential. It must leave Stdout and
// Stderr nil; stdin stays /dev/null.
//
// RunCommand starts cmd in a process group of its own (unless the caller
// asked for Setsid, which makes one too) and kills the whole group when
// ctx is done and again once cmd has exited: a probe such as a shell
// script forks, and whatever it leaves behind would pile up, one more
// every 30 seconds. A command that exits 0 is healthy even if something
// it left behind held its output open.
func RunCommand(ctx context.Context, cmd *exec.Cmd) ([]byte, error) {
	if cmd.Stdout != nil || cmd.Stderr != nil {
		return nil, errors.New("RunCommand: Stdout and Stderr must be nil, it collects the output itself")
	}
	out := &tailWriter{max: outputCap}
	cmd.Stdout, cmd.Stderr = out, out // one writer: exec shares one pipe
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	if !cmd.SysProcAttr.Setsid { // setpgid after setsid fails with EPERM
		cmd.SysProcAttr.Setpgid = true
	}
	cmd.WaitDelay = waitDelay
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	// The group's id is the leader's PID. Killing it after Wait has
	// reaped the leader is safe: the kernel does not reuse a PID while it
	// still names a group, and an empty group gets ESRCH.
	group := -cmd.Process.Pid
	stop := context.AfterFunc(ctx, func() { _ = syscall.Kill(group, syscall.SIGKILL) })
	err := cmd.Wait()
	stop()
	_ = syscall.Kill(group, syscall.SIGKILL)
	if errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState.Success() {
		err = nil
	}
	return out.bytes(), err
}

// tailWriter keeps the last max bytes written to it.
type tailWriter struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if over := len(w.buf) - w.max; over > 0 {
		w.buf = append(w.buf[:0], w.buf[over:]...)
	}
	return len(p), nil
}

func (w *tailWriter) bytes() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]byte(nil), w.buf...)
}
