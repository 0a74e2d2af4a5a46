package restart

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/cortex/cortex-check/cgroup"
	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/probe"
)

// command builds argv (a probe's exec, a daemon's stop) to run as the
// daemon's user with the environment and folder of its start: never
// through a shell, never with the pass's environment.
func (s Starter) command(d *check.Daemon, argv []string) (*exec.Cmd, error) {
	runAs := d
	if s.UID != 0 {
		// A pass that is not root cannot switch users: a writer (a
		// user's own timer) runs a probe as itself rather than fail it
		// for want of setuid. An observer (a Nagios check as nagios)
		// runs none it may not run as the daemon's user: it reports the
		// writer's verdict (pass.borrowProbes).
		runAs = &check.Daemon{Dir: d.Dir, Env: d.Env, EnvFiles: d.EnvFiles}
	}
	owner, err := LookupOwner(runAs)
	if err != nil {
		return nil, err
	}
	prog, err := s.program(argv[0], owner.UID)
	if err != nil {
		return nil, err
	}
	if err := s.judge(prog, argv, d.Dir, owner, "an argument"); err != nil {
		return nil, err
	}
	env, err := s.Environment(runAs, owner)
	if err != nil {
		return nil, err
	}
	cmd := &exec.Cmd{Path: prog, Args: slices.Clone(argv), Dir: d.Dir, Env: env}
	if owner.UID != os.Geteuid() || owner.GID != os.Getegid() {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(owner.UID), Gid: uint32(owner.GID), Groups: owner.Groups}}
	}
	return cmd, nil
}

// ProbeExec runs an exec probe's command as the daemon's user.
func (s Starter) ProbeExec(d *check.Daemon) probe.ExecFunc {
	return func(ctx context.Context, argv []string) ([]byte, error) {
		cmd, err := s.command(d, argv)
		if err != nil {
			return nil, err
		}
		done, err := s.Throwaway(d.Name, cmd)
		if err != nil {
			return nil, err
		}
		defer done()
		return probe.RunCommand(ctx, cmd)
	}
}

// Throwaway makes cmd start in a control group of its own (a scope,
// where systemd keeps the groups), for one run of a command for name (a
// daemon's probe or stop command, or a notifier), emptied and removed by
// done: a command that setsid()s or daemonizes a child leaves nothing
// behind, one more every pass. Without groups it does nothing.
func (s Starter) Throwaway(name string, cmd *exec.Cmd) (done func(), err error) {
	if s.Scopes != nil {
		unit := s.Scopes.Throwaway(name)
		if err := s.Scopes.Wrap(cmd, unit, "cortex-check: a command run for "+name, time.Second, cmd.Args[0],
			"RuntimeMaxSec="+strconv.Itoa(int(cgroup.ThrowawayMax/time.Second))); err != nil {
			return nil, err
		}
		return func() { s.Scopes.StopThrowaway(unit) }, nil
	}
	if s.Groups == nil {
		return func() {}, nil
	}
	f, dir, err := s.Groups.OpenProbe(name)
	if err != nil {
		return nil, err
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	bornIn(cmd.SysProcAttr, int(f.Fd()))
	return func() {
		f.Close()
		s.Groups.RemoveProbe(dir)
	}, nil
}
