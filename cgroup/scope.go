package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Scopes keeps each daemon in a transient systemd scope of its own,
// cortex-<daemon>.scope, where systemd is PID 1 and the control group
// tree is systemd's: `systemctl status cortex-pm-daemon.scope` shows it,
// and it is in neither cortex-check.service's cgroup nor the login
// session of the person who ran `cortex-check start`. The daemon is
// started through `systemd-run --scope`, which registers the scope and
// then executes the start program in it: no window in which it is
// elsewhere. Its members are read from the scope's cgroup.procs; nothing
// in systemd's tree is ever written by cortex-check.
type Scopes struct {
	dir      string // the system slice's folder in the cgroup tree
	writable bool
	run, ctl string // systemd-run and systemctl
	setpriv  string // util-linux's setpriv: a daemon's user, after the scope is made
	tag      string // "" for DefaultConfig, else -HASH of the config's path
	user     bool   // the user's own systemd (systemd-run --user)
	names    []string
}

// ScopePrefix starts the unit name of a daemon's scope.
const ScopePrefix = "cortex-"

// throwawayPrefix starts the scope of a probe's or stop command's one run.
const throwawayPrefix = "run-cortex-"

// DefaultConfig is the config whose daemons' scopes have bare names,
// cortex-NAME.scope; another config's carry a tag of its path,
// cortex-NAME-1a2b3c4d.scope, so that two configs never share a scope.
const DefaultConfig = "/etc/cortex/cortex.toml"

// Unit is the scope unit of the daemon called name.
func (s *Scopes) Unit(name string) string { return ScopePrefix + name + s.tag + ".scope" }

// SystemdBooted says whether systemd is PID 1 and so owns the host's
// control groups: sd_booted(3)'s test, /run/systemd/system.
func SystemdBooted() bool {
	_, err := os.Stat("/run/systemd/system")
	return err == nil
}

// FindScopes returns the scopes of the config's daemons (names) on a host
// whose PID 1 is systemd, or nil and why not.
//
// A config of a user's own (owned by the pass's user, not root) keeps its
// daemons in that user's systemd, reached through $XDG_RUNTIME_DIR; any
// other config's daemons are the system manager's, and only root may start
// or stop their scopes (an observer as nagios reads them).
func FindScopes(configPath string, names []string, euid, configOwner int) (*Scopes, string) {
	if !SystemdBooted() {
		return nil, "systemd is not PID 1"
	}
	s := &Scopes{writable: euid == 0, names: names}
	if filepath.Clean(configPath) != DefaultConfig {
		s.tag = fmt.Sprintf("-%08x", tag(filepath.Clean(configPath)))
	}
	slice := "system.slice"
	if euid != 0 && configOwner == euid {
		// A user's pass makes scopes in its own systemd (a user timer,
		// schedule systemd --user): the user manager's, reached through
		// $XDG_RUNTIME_DIR, so that at logout and shutdown that manager
		// stops its daemons with SIGTERM.
		rt := os.Getenv("XDG_RUNTIME_DIR")
		if rt == "" {
			return nil, "a user's own config, and no user systemd ($XDG_RUNTIME_DIR is not set)"
		}
		if _, err := os.Stat(filepath.Join(rt, "systemd", "private")); err != nil {
			return nil, "a user's own config, and no user systemd runs for this user (loginctl enable-linger)"
		}
		s.user, s.writable = true, true
		uid := strconv.Itoa(euid)
		slice = "user.slice/user-" + uid + ".slice/user@" + uid + ".service/app.slice"
	}
	for _, mount := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd"} {
		if _, err := os.Stat(filepath.Join(mount, "cgroup.procs")); err == nil {
			s.dir = filepath.Join(mount, slice)
			break
		}
	}
	if s.dir == "" {
		return nil, "systemd's " + slice + " has no cgroup folder here"
	}
	s.run, s.ctl, s.setpriv = lookRoot("systemd-run"), lookRoot("systemctl"), lookRoot("setpriv")
	if s.run == "" || s.ctl == "" {
		return nil, "systemd-run or systemctl is missing"
	}
	return s, ""
}

// lookRoot finds a system program in the folders only root writes.
func lookRoot(name string) string {
	for _, dir := range []string{"/usr/bin", "/bin", "/usr/sbin", "/sbin"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// Writable says whether this pass may start and stop scopes.
func (s *Scopes) Writable() bool { return s.writable }

// Describe says where people find the daemon's scope.
func (s *Scopes) Describe(name string) string { return "scope " + s.Unit(name) }

// Members reads the scopes of this config's daemons once: one listing
// of the system slice, then the members of each scope named for one of
// them (another config's scopes carry another tag).
func (s *Scopes) Members() (map[string][]int, error) {
	entries, err := os.ReadDir(s.dir)
	if errors.Is(err, fs.ErrNotExist) && s.user {
		return map[string][]int{}, nil // app.slice: made with the first scope
	}
	if err != nil {
		return nil, fmt.Errorf("control groups %s: %w", s.dir, err)
	}
	units := make(map[string]string, len(s.names))
	for _, name := range s.names {
		units[s.Unit(name)] = name
	}
	out := map[string][]int{}
	for _, e := range entries {
		name, ok := units[e.Name()]
		if !ok || !e.IsDir() {
			continue
		}
		pids, err := procs(filepath.Join(s.dir, e.Name()))
		if err != nil {
			continue // gone meanwhile
		}
		out[name] = pids
	}
	return out, nil
}

// Prune does nothing: systemd unloads a scope once it is empty
// (--collect).
func (s *Scopes) Prune(map[string][]int) {}

// Stop ends every process in the daemon's scope: SIGTERM (and SIGCONT),
// up to grace, then SIGKILL, member by member until none is left, then
// `systemctl stop` so that the unit is gone before a new start names it.
func (s *Scopes) Stop(name string, grace time.Duration) ([]int, error) {
	return s.stopUnit(s.Unit(name), grace)
}

func (s *Scopes) stopUnit(unit string, grace time.Duration) ([]int, error) {
	dir := filepath.Join(s.dir, unit)
	pids, err := procs(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if grace > 0 && len(pids) > 0 {
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGTERM)
			syscall.Kill(pid, syscall.SIGCONT)
		}
		pids = waitEmpty(dir, grace)
	}
	for deadline := time.Now().Add(2 * time.Second); len(pids) > 0 && time.Now().Before(deadline); {
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		pids = waitEmpty(dir, 200*time.Millisecond)
	}
	exec.Command(s.ctl, s.scopeArgs("stop", "--quiet", unit)...).Run()
	if len(pids) > 0 {
		return pids, fmt.Errorf("scope %s: PIDs %v did not exit, even after SIGKILL", unit, pids)
	}
	return nil, nil
}

// Wrap makes cmd start in the scope unit: systemd-run makes the scope,
// moves itself into it and executes the command, as cmd's user (setpriv,
// after the scope is made: only root may make it). The environment,
// folder, descriptors, umask and limits cmd was given pass through both
// as they are. A bare program name stays bare (the PATH of cmd's
// environment finds the same program), so the process table shows it as
// written. props are more unit properties (NAME=VALUE).
func (s *Scopes) Wrap(cmd *exec.Cmd, unit, description string, grace time.Duration, argv0 string, props ...string) error {
	args := []string{s.run}
	if s.user {
		// systemd-run finds the user's manager through XDG_RUNTIME_DIR,
		// which the daemon's clean environment does not carry otherwise
		// (a user's services get it from their manager too).
		args = append(args, "--user")
		cmd.Env = append(cmd.Env, "XDG_RUNTIME_DIR="+os.Getenv("XDG_RUNTIME_DIR"))
	}
	args = append(args, "--scope", "--quiet", "--collect", "--unit="+unit, "--description="+description,
		"--property=TimeoutStopSec="+strconv.FormatInt(max(int64(grace/time.Second), 1), 10)+"s")
	for _, p := range props {
		args = append(args, "--property="+p)
	}
	args = append(args, "--")
	if attr := cmd.SysProcAttr; attr != nil && attr.Credential != nil {
		if s.setpriv == "" {
			return errors.New("setpriv (util-linux) is missing: a daemon with user cannot be started in its scope")
		}
		c := attr.Credential
		groups := "--clear-groups"
		if len(c.Groups) > 0 {
			ids := make([]string, len(c.Groups))
			for i, g := range c.Groups {
				ids[i] = strconv.FormatUint(uint64(g), 10)
			}
			groups = "--groups=" + strings.Join(ids, ",")
		}
		args = append(args, s.setpriv, "--reuid="+strconv.FormatUint(uint64(c.Uid), 10),
			"--regid="+strconv.FormatUint(uint64(c.Gid), 10), groups, "--")
		attr.Credential = nil
	}
	prog := cmd.Path
	if !strings.Contains(argv0, "/") {
		prog = argv0
	}
	cmd.Args = append(append(args, prog), cmd.Args[1:]...)
	cmd.Path = s.run
	return nil
}

// ThrowawayMax is how long a throwaway scope may live (RuntimeMaxSec):
// its pass stops it when its command is done, but a pass killed in the
// meantime (SIGKILL, a crash) never does; systemd then ends it, and what
// the command left in it, after this. Every command run in one (a probe,
// a stop command, a notifier) has its own, far shorter, timeout.
const ThrowawayMax = time.Hour

// runs numbers the pass's throwaway groups and scopes.
var runs atomic.Int64

// Throwaway names a one-run scope for a probe or stop command of the
// daemon; StopThrowaway ends what it left.
func (s *Scopes) Throwaway(name string) string {
	return fmt.Sprintf("%s%s-%d-%d.scope", throwawayPrefix, name, os.Getpid(), runs.Add(1))
}

// StopThrowaway ends whatever a one-run scope still holds.
func (s *Scopes) StopThrowaway(unit string) { s.stopUnit(unit, 0) }

// Elsewhere says where a process's group puts it, when not in name's
// scope: another daemon's scope (not counted), or a unit of systemd's
// such as redis-server.service (managed: the daemon, kept by that unit).
// cortex-check's own service, a login session and a user's manager
// keep nothing.
func (s *Scopes) Elsewhere(name string, pid int) (string, bool) {
	unit := filepath.Base(Of(pid))
	switch {
	case unit == s.Unit(name):
		return "", false
	case strings.HasPrefix(unit, ScopePrefix) && strings.HasSuffix(unit, ".scope"):
		return "scope " + unit, false
	case strings.HasSuffix(unit, ".service") && unit != "cortex-check.service" && !strings.HasPrefix(unit, "user@"):
		return unit, true
	}
	return "", false
}

// scopeArgs are systemctl's arguments for this manager: --user first for
// a user's own.
func (s *Scopes) scopeArgs(args ...string) []string {
	if s.user {
		return append([]string{"--user"}, args...)
	}
	return args
}

// UnitState is a unit's ActiveState as systemd says it ("active",
// "inactive", "failed", ...); "" when it cannot say.
func (s *Scopes) UnitState(unit string) string {
	out, err := exec.Command(s.ctl, s.scopeArgs("show", "--property=ActiveState", "--value", "--", unit)...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
