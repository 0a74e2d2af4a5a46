package restart

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cortex/cortex-check/cgroup"
	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/trust"
)

// MarkVariable is the environment variable every daemon started by --fix
// carries: its value names the daemon and the start, so that whatever the
// start spawned (children that called setsid or double-forked away) can be
// found again in /proc/PID/environ and stopped when the start fails.
const MarkVariable = "CORTEX_CHECK_START"

// Starter starts daemons detached from the pass: in a session of their own
// (so they outlive the pass, the terminal, cron's job), stdin from
// /dev/null, stdout and stderr appended to <LogDir>/<name>.log, and
// nothing else of the pass: no other descriptor, default signal handling,
// their own umask, nice 0 and an environment built from a fixed base. No
// config value ever goes through a shell.
type Starter struct {
	ConfigDir string // a start program with a slash resolves here
	LogDir    string
	UID       int // the caller: a start program must be theirs or root's, and not writable by others
	// Getenv reads the pass's environment, for LANG and TZ only.
	Getenv func(string) string
	// Groups, when the pass may write them, is where each daemon is born
	// in a control group of its own, and each probe or stop command in a
	// throwaway one; nil: the host keeps none.
	Groups *cgroup.Tree
	// Scopes, where systemd is PID 1 and the pass is root, is where each
	// daemon starts instead: a transient scope of its own.
	Scopes *cgroup.Scopes
}

// stopper empties a daemon's group or scope.
type stopper interface {
	Stop(name string, grace time.Duration) ([]int, error)
}

// program resolves a command's program: a path with a slash against the
// config's folder, a bare name through trust.SafePATH, the PATH every
// started daemon gets too (cron's, a terminal's and systemd's starts give
// the same daemon), in folders trusted for runAs.
func (s Starter) program(prog string, runAs int) (string, error) {
	return trust.FindProgram(prog, s.ConfigDir, "start", s.UID, runAs)
}

// Check says whether --fix may start d as owner, and returns the program
// it would run. The program, its #! interpreters and every folder above
// them must be root's or the pass's own; one that runs as the daemon's user
// may also be that user's (running it as them gives them nothing new).
func (s Starter) Check(d *check.Daemon, owner Owner) (string, error) {
	prog, err := s.program(d.Start[0], owner.UID)
	if err != nil {
		return "", err
	}
	if s.UID != 0 && owner.UID != s.UID {
		return "", fmt.Errorf("user %s: a pass run as uid %d can only start daemons as itself; run --fix as root, or leave user out", owner.Name, s.UID)
	}
	if err := s.judge(prog, d.Start, d.Dir, owner, "an argument of start"); err != nil {
		return "", err
	}
	if _, err := s.Environment(d, owner); err != nil {
		return "", err
	}
	return prog, nil
}

// judge applies the trusted-path rule to what running argv's program
// prog as owner in dir reads: the program and its #! interpreters, the
// working folder, which decides what relative names and interpreters'
// module paths find (python3 -m server loads ./server.py), and the files
// among its arguments, which may be what really runs (a script given to
// /bin/sh, a config that names programs). argument names those in
// messages.
func (s Starter) judge(prog string, argv []string, dir string, owner Owner, argument string) error {
	if err := trust.Program(prog, s.UID, owner.UID); err != nil {
		return fmt.Errorf("refused: %w", err)
	}
	runAs := trust.Owner{UID: owner.UID, GID: owner.GID}
	if err := trust.PathAs(dir, s.UID, runAs); err != nil {
		return fmt.Errorf("refused: dir %s, the folder it runs in: %w", dir, err)
	}
	for _, file := range argFiles(argv, dir) {
		if err := trust.PathAs(file, s.UID, runAs); err != nil {
			return fmt.Errorf("refused: %s, %s: %w", file, argument, err)
		}
	}
	return nil
}

// argFiles lists the existing regular files start's arguments name,
// relative ones against dir (the daemon's working folder), and the values
// of --key=value arguments.
func argFiles(argv []string, dir string) []string {
	var out []string
	for _, a := range argv[1:] {
		if _, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(a, "-") {
			a = v
		}
		if a == "" || strings.HasPrefix(a, "-") {
			continue
		}
		if !filepath.IsAbs(a) {
			a = filepath.Join(dir, a)
		}
		if fi, err := os.Stat(a); err == nil && fi.Mode().IsRegular() {
			out = append(out, a)
		}
	}
	return out
}

// startMu serialises the part of a start that changes process-wide or
// thread-wide state (umask, nice) around the fork.
var startMu sync.Mutex

// inheritOnce marks the descriptors the pass inherited as close-on-exec,
// once: a lock held by a wrapper such as `flock lockfile cortex-check
// --fix` must not pass on to the daemons, or they keep it for ever and the
// next pass never runs.
var inheritOnce sync.Once

func closeInherited() {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return // not Linux: nothing to list
	}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			syscall.CloseOnExec(fd)
		}
	}
}

// Start starts d's start command as owner; the returned process is reaped
// in the background so that it never lingers as a zombie that could be
// mistaken for the daemon.
func (s Starter) Start(d *check.Daemon, owner Owner) (Process, error) {
	prog, err := s.Check(d, owner)
	if err != nil {
		return nil, err
	}
	env, err := s.Environment(d, owner)
	if err != nil {
		return nil, err
	}
	// The log is created owned by the daemon's user, opened without
	// following a link planted at its name, and its tail is read later
	// from this same descriptor, never again by path.
	logPath := filepath.Join(s.LogDir, d.Name+".log")
	log, err := trust.OpenAppend(logPath, trust.Owner{UID: owner.UID, GID: owner.GID})
	if err != nil {
		return nil, fmt.Errorf("daemon log: %w", err)
	}
	offset, _ := log.Seek(0, io.SeekEnd)

	mark := fmt.Sprintf("%s:%d:%d", d.Name, os.Getpid(), time.Now().UnixNano())
	// argv[0] stays as written in the config: `sleep` is `sleep` in the
	// process table, so a pattern written for what start runs matches it.
	cmd := &exec.Cmd{Path: prog, Args: slices.Clone(d.Start), Dir: d.Dir, Env: append(env, MarkVariable+"="+mark)}
	cmd.Stdout, cmd.Stderr = log, log // stdin stays nil: /dev/null
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if owner.UID != os.Geteuid() || owner.GID != os.Getegid() {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(owner.UID), Gid: uint32(owner.GID), Groups: owner.Groups}
	}
	var group *os.File
	if s.Groups != nil {
		// Born in its own group: no window in which it, or a child it
		// forks at once, is anywhere else.
		if group, err = s.Groups.Open(d.Name); err != nil {
			log.Close()
			return nil, err
		}
		defer group.Close()
		bornIn(cmd.SysProcAttr, int(group.Fd()))
	}
	var stops stopper
	switch {
	case s.Scopes != nil:
		desc := fmt.Sprintf("cortex-check: %s, of %s", d.Name, s.ConfigDir)
		if err := s.Scopes.Wrap(cmd, s.Scopes.Unit(d.Name), desc, d.StopGrace, d.Start[0]); err != nil {
			log.Close()
			return nil, err
		}
		stops = s.Scopes
	case s.Groups != nil:
		stops = s.Groups
	}
	inheritOnce.Do(closeInherited)
	began := time.Now()
	if err := startClean(cmd, d.Umask); err != nil {
		log.Close()
		if s.Groups != nil {
			s.Groups.Remove(d.Name)
		}
		if errors.Is(err, syscall.ENOEXEC) {
			return nil, fmt.Errorf("start program %s is not a program the kernel can run (exec format error): a script needs a first line such as #!/bin/bash", prog)
		}
		return nil, fmt.Errorf("%s: %w", prog, trust.Bare(err))
	}
	p := &started{cmd: cmd, exited: make(chan struct{}), log: log, offset: offset, mark: mark,
		name: d.Name, groups: stops, uid: owner.UID, began: began}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// startClean forks with umask, nice, the signal mask and the soft
// descriptor limit set for the child: each is inherited at fork, umask
// and rlimits per process, nice and the signal mask per thread, so the
// fork happens under a lock on a thread held for it.
func startClean(cmd *exec.Cmd, umask int) error {
	startMu.Lock()
	defer startMu.Unlock()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	old := syscall.Umask(umask)
	defer syscall.Umask(old)
	// nice 0 for the child; only root may lower a nice value, and a
	// non-root pass's daemons keep its own.
	if prio, err := getNice(); err == nil && prio != 0 {
		if setNice(0) == nil {
			defer setNice(prio)
		}
	}
	// An empty signal mask: a caller that blocked SIGUSR1 (or SIGTERM)
	// must not hand a daemon that never hears it. Go's fork restores the
	// forking thread's mask in the child.
	if restore, err := unblockSignals(); err == nil {
		defer restore()
	}
	// The soft descriptor limit systemd gives services (1024; the hard
	// one stays the caller's), not whatever the caller had raised it to.
	if restore, err := serviceNofile(); err == nil {
		defer restore()
	}
	return cmd.Start()
}

type started struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error
	log    *os.File // the daemon's log as the pass opened it; the tail is read here
	offset int64
	mark   string
	name   string
	groups stopper   // the daemon's group or scope; nil: none
	uid    int       // the daemon's user
	began  time.Time // just before the fork
}

func (p *started) PID() int                { return p.cmd.Process.Pid }
func (p *started) Exited() <-chan struct{} { return p.exited }
func (p *started) ExitErr() error          { return p.err }

// LogTail returns the last few lines the daemon wrote since it was started,
// read from the descriptor the pass opened (never again by a path the
// daemon's user could point elsewhere), the log's path, and whether all
// may read it. The descriptor lives as long as the pass.
func (p *started) LogTail() (string, string, bool) {
	const maxBytes, maxLines = 600, 3
	public := false
	if fi, err := p.log.Stat(); err == nil {
		public = fi.Mode().Perm()&0o004 != 0
	}
	// What it wrote since its start, however the log was truncated since
	// (copytruncate) or grew: trust.TailFrom knows both.
	b, err := trust.TailFrom(p.log, p.offset, 4*maxBytes)
	if err != nil || b == "" {
		return "", p.log.Name(), public
	}
	lines := strings.Split(strings.TrimRight(b, "\n"), "\n")
	if len(lines) > maxLines {
		lines = lines[len(lines)-maxLines:]
	}
	s := strings.Join(lines, " / ")
	if len(s) > maxBytes {
		s = "..." + s[len(s)-maxBytes:]
	}
	return s, p.log.Name(), public
}
