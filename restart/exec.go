package restart

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
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
	"github.com/cortex/cortex-check/probe"
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

// Owner is who a daemon runs as.
type Owner struct {
	Name     string
	UID, GID int
	Groups   []uint32
	Home     string
	Shell    string
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
	if err := trust.Program(prog, s.UID, owner.UID); err != nil {
		return "", fmt.Errorf("refused: %w", err)
	}
	// The working folder decides what relative names and interpreters'
	// module paths find (python3 -m server loads ./server.py): judged like
	// a program's folder.
	if err := trust.PathAs(d.Dir, s.UID, trust.Owner{UID: owner.UID, GID: owner.GID}); err != nil {
		return "", fmt.Errorf("refused: dir %s, the folder it runs in: %w", d.Dir, err)
	}
	// A file among the arguments may be what really runs (a script given
	// to /bin/sh, a config that names programs): the same rule.
	for _, file := range argFiles(d.Start, d.Dir) {
		if err := trust.PathAs(file, s.UID, trust.Owner{UID: owner.UID, GID: owner.GID}); err != nil {
			return "", fmt.Errorf("refused: %s, an argument of start: %w", file, err)
		}
	}
	if _, err := s.Environment(d, owner); err != nil {
		return "", err
	}
	return prog, nil
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
		return nil, fmt.Errorf("%s: %w", prog, unwrapExec(err))
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

// Environment is what a started daemon gets: the fixed base, LANG and TZ
// when the pass has them, the identity of the user it runs as, PWD, then
// its env_file files and its env, in that order.
func (s Starter) Environment(d *check.Daemon, owner Owner) ([]string, error) {
	getenv := s.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	vars := map[string]string{"PATH": trust.SafePATH, "PWD": d.Dir}
	for _, k := range []string{"LANG", "TZ"} {
		if v := getenv(k); v != "" {
			vars[k] = v
		}
	}
	if owner.Name != "" {
		vars["USER"], vars["LOGNAME"] = owner.Name, owner.Name
	}
	if owner.Home != "" {
		vars["HOME"] = owner.Home
	}
	if owner.Shell != "" {
		vars["SHELL"] = owner.Shell
	}
	for _, f := range d.EnvFiles {
		if err := readEnvFile(f, vars, s.UID, trust.Owner{UID: owner.UID, GID: owner.GID}); err != nil {
			return nil, err
		}
	}
	for k, v := range d.Env {
		vars[k] = v
	}
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	env := make([]string, 0, len(keys)+1)
	for _, k := range keys {
		env = append(env, k+"="+vars[k])
	}
	return env, nil
}

// readEnvFile adds the KEY=value lines of an env_file; blank lines and #
// comments are skipped, a value may be quoted. A path starting with "-"
// may be missing. An env_file steers what runs (BASH_ENV, LD_PRELOAD,
// PATH), so it must pass the trusted-path rule like a start program: owned
// by root, the pass's user or the daemon's, in folders others cannot
// write. It is opened without following a link at its name and without
// blocking (a FIFO there must not hang the pass), only as a regular file,
// and what it holds is never quoted back.
func readEnvFile(path string, vars map[string]string, uid int, runAs trust.Owner) error {
	optional := strings.HasPrefix(path, "-")
	path = strings.TrimPrefix(path, "-")
	if err := trust.PathAs(path, uid, runAs); err != nil {
		if optional && errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("env_file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		if optional && errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("env_file: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		what := "not readable"
		if err == nil {
			what = fileKind(fi.Mode())
		}
		return fmt.Errorf("env_file %s is %s, not a regular file: set env_file to a file of KEY=value lines", path, what)
	}
	sc := bufio.NewScanner(io.LimitReader(f, 1<<20))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t\x00") {
			return fmt.Errorf("env_file %s:%d: want KEY=value (the line is not shown: it may be secret)", path, n)
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		vars[k] = v
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("env_file %s: %w", path, err)
	}
	return nil
}

// fileKind names what a non-regular file is, for messages.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO (named pipe)"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a folder"
	}
	return "not a regular file"
}

func unwrapExec(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
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

// Stop stops everything this start spawned. With a control group, the
// group: every process born of the start is in it, whatever it did.
// Without one: the start program's process group and session (the
// kernel reuses no PID while a group or session of that number lives),
// its descendants, and the processes that carry its mark, each only if
// owned by the daemon's user and started after the start began, so that
// a reused PID or a forged mark is never hit.
func (p *started) Stop(grace time.Duration) {
	if p.groups != nil {
		p.groups.Stop(p.name, grace)
		return
	}
	procs, err := check.ReadTable(check.Need{Owner: true})
	if err != nil {
		return
	}
	KillSame(spawned(procs, p.PID(), Marked(p.mark), p.uid, p.began), grace)
}

// spawned picks, from a process table, what a start program (PID
// leader) left: members of its session or process group, its
// descendants, and the marked PIDs, owned by uid and started no earlier
// than began (less the second the table's start times may be off by).
func spawned(procs []check.Process, leader int, marked []int, uid int, began time.Time) []check.Process {
	children := map[int][]int{}
	byPID := map[int]check.Process{}
	for _, q := range procs {
		children[q.PPID] = append(children[q.PPID], q.PID)
		byPID[q.PID] = q
	}
	ours := map[int]bool{}
	for _, q := range procs {
		if q.SID == leader || q.PGID == leader || slices.Contains(marked, q.PID) {
			ours[q.PID] = true
		}
	}
	visited := map[int]bool{leader: true}
	for queue := []int{leader}; len(queue) > 0; queue = queue[1:] {
		for _, c := range children[queue[0]] {
			if !visited[c] {
				visited[c], ours[c] = true, true
				queue = append(queue, c)
			}
		}
	}
	ours[leader] = true
	var out []check.Process
	for _, q := range procs {
		if !ours[q.PID] || q.PID <= 1 || (q.UID >= 0 && q.UID != uid) || q.Gone() {
			continue
		}
		if !q.StartTime.IsZero() && q.StartTime.Before(began.Add(-time.Second)) {
			continue // older than the start: not its child, whatever it says
		}
		out = append(out, q)
	}
	return out
}

// Marked lists the live processes whose environment carries the mark. It
// reads /proc/PID/environ, which only the process's user and root may.
func Marked(mark string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	needle := []byte(MarkVariable + "=" + mark + "\x00")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err == nil && strings.Contains(string(b), string(needle)) {
			out = append(out, pid)
		}
	}
	return out
}

// Kill sends SIGTERM to each PID, waits up to grace for them to exit, then
// SIGKILLs those left, and returns the PIDs that still did not go (a
// process stuck in the kernel, or one this user may not signal): a caller
// must not start a second copy beside them.
func Kill(pids []int, grace time.Duration) []int {
	for _, pid := range pids {
		syscall.Kill(pid, syscall.SIGTERM)
		// A suspended process acts on SIGTERM only once continued.
		syscall.Kill(pid, syscall.SIGCONT)
	}
	pids = WaitGone(pids, grace)
	for _, pid := range pids {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	return WaitGone(pids, time.Second)
}

// WaitGone waits up to d for the processes to exit and returns those left.
func WaitGone(pids []int, d time.Duration) []int {
	pids = slices.Clone(pids)
	deadline := time.Now().Add(d)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		pids = slices.DeleteFunc(pids, gone)
		if len(pids) == 0 || !time.Now().Before(deadline) {
			return pids
		}
		time.Sleep(min(wait, time.Until(deadline)))
	}
}

// gone says whether pid has exited: no such process, or a zombie.
func gone(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return syscall.Kill(pid, 0) != nil
	}
	i := strings.LastIndexByte(string(b), ')')
	return i < 0 || i+2 >= len(b) || b[i+2] == 'Z' || b[i+2] == 'X'
}

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

// LookupOwner finds who d runs as: its user (and group) from the system's
// user database, or, without user, the pass's own user.
func LookupOwner(d *check.Daemon) (Owner, error) {
	var u *user.User
	var err error
	if d.User == "" {
		u, err = user.LookupId(strconv.Itoa(os.Geteuid()))
		if err != nil {
			// A uid without a passwd entry (a container): run as it, bare.
			return Owner{UID: os.Geteuid(), GID: os.Getegid()}, nil
		}
	} else if u, err = user.Lookup(d.User); err != nil {
		return Owner{}, fmt.Errorf("user %q: %w", d.User, err)
	}
	o := Owner{Name: u.Username, Home: u.HomeDir, Shell: loginShell(u.Username)}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return Owner{}, fmt.Errorf("user %q has no numeric uid and gid", u.Username)
	}
	o.UID, o.GID = uid, gid
	if d.Group != "" {
		g, err := user.LookupGroup(d.Group)
		if err != nil {
			return Owner{}, fmt.Errorf("group %q: %w", d.Group, err)
		}
		if o.GID, err = strconv.Atoi(g.Gid); err != nil {
			return Owner{}, fmt.Errorf("group %q has no numeric gid", d.Group)
		}
	}
	o.Groups = supplementary(u, o.GID, d.Group != "")
	return o, nil
}

// supplementary is initgroups(user, gid), as systemd's User= and Group=
// give a service: gid and the groups that list the user as a member. With
// a group of its own the daemon does not keep its user's primary group
// (os/user counts that among the user's groups); without one, that is
// its gid anyway.
func supplementary(u *user.User, gid int, groupSet bool) []uint32 {
	ids, err := u.GroupIds()
	if err != nil {
		return nil
	}
	out := []uint32{uint32(gid)}
	for _, id := range ids {
		n, err := strconv.ParseUint(id, 10, 32)
		if err != nil || (groupSet && id == u.Gid) || uint32(n) == uint32(gid) {
			continue
		}
		out = append(out, uint32(n))
	}
	return out
}

// loginShell reads the user's shell from /etc/passwd, which os/user does
// not expose.
func loginShell(name string) string {
	b, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) == 7 && f[0] == name {
			return f[6]
		}
	}
	return ""
}

// command builds argv (a probe's exec, a daemon's stop) to run as the
// daemon's user with the environment and folder of its start: never
// through a shell, never with the pass's environment.
func (s Starter) command(d *check.Daemon, argv []string) (*exec.Cmd, error) {
	runAs := d
	if s.UID != 0 {
		// A pass that is not root (a Nagios check as the nagios user)
		// cannot switch users: it runs a probe as itself rather than fail
		// it for want of setuid.
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
	if err := trust.Program(prog, s.UID, owner.UID); err != nil {
		return nil, fmt.Errorf("refused: %w", err)
	}
	if err := trust.PathAs(d.Dir, s.UID, trust.Owner{UID: owner.UID, GID: owner.GID}); err != nil {
		return nil, fmt.Errorf("refused: dir %s, the folder it runs in: %w", d.Dir, err)
	}
	for _, file := range argFiles(argv, d.Dir) {
		if err := trust.PathAs(file, s.UID, trust.Owner{UID: owner.UID, GID: owner.GID}); err != nil {
			return nil, fmt.Errorf("refused: %s, an argument: %w", file, err)
		}
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
		done, err := s.throwaway(d, cmd)
		if err != nil {
			return nil, err
		}
		defer done()
		return probe.RunCommand(ctx, cmd)
	}
}

// throwaway starts cmd in a control group of its own, emptied and
// removed by done: a probe or stop command that setsid()s a child leaves
// nothing behind, one more every pass. Without groups it does nothing.
func (s Starter) throwaway(d *check.Daemon, cmd *exec.Cmd) (done func(), err error) {
	if s.Scopes != nil {
		unit := s.Scopes.Throwaway(d.Name)
		if err := s.Scopes.Wrap(cmd, unit, "cortex-check: a probe or stop command of "+d.Name, time.Second, cmd.Args[0]); err != nil {
			return nil, err
		}
		return func() { s.Scopes.StopThrowaway(unit) }, nil
	}
	if s.Groups == nil {
		return func() {}, nil
	}
	f, dir, err := s.Groups.OpenProbe(d.Name)
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

// RunStop runs the daemon's stop command and waits for it, up to
// stop_grace.
func (s Starter) RunStop(d *check.Daemon) error {
	cmd, err := s.command(d, d.Stop)
	if err != nil {
		return err
	}
	done, err := s.throwaway(d, cmd)
	if err != nil {
		return err
	}
	defer done()
	ctx, cancel := context.WithTimeout(context.Background(), d.StopGrace)
	defer cancel()
	out, err := probe.RunCommand(ctx, cmd)
	if err != nil {
		// Only the restart log (root's, 0640) hears this.
		if said := strings.Join(strings.Fields(string(out)), " "); said != "" {
			return fmt.Errorf("%w; it said: %s", err, said)
		}
		return err
	}
	return nil
}
