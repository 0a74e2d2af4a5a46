// Package cgroup keeps one control group per daemon: the kernel's own,
// unforgeable answer to "which processes are this daemon". A process is
// born in its daemon's group (clone3 with CLONE_INTO_CGROUP, no window)
// and cannot leave it without root, whatever it calls itself, whatever
// its pidfile or environment say. Groups live under one subtree of
// cortex-check's, one folder per config:
//
//	<cgroup2 mount>/cortex-check/<config path, as systemd-escape --path writes it>/<daemon>
//
// Nothing outside that subtree is ever created, written or removed.
package cgroup

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Top is the folder under the cgroup2 mount that holds every config's
// groups.
const Top = "cortex-check"

// Tree is one config's groups.
type Tree struct {
	// Dir is <mount>/cortex-check/<config key>.
	Dir      string
	writable bool
}

// Find returns the tree for the config at configPath, or nil and why the
// host keeps none: no cgroup2 hierarchy, or systemd as PID 1 (its tree is
// systemd's to manage: cortex-check does not write into it). Any user
// may read the groups; only root, on a hierarchy mounted read-write, may
// create and empty them (Writable).
func Find(configPath string, euid int) (*Tree, string) {
	mount, writable, why := mountPoint()
	if mount == "" {
		return nil, why
	}
	return &Tree{Dir: filepath.Join(mount, Top, Key(configPath)), writable: writable && euid == 0}, ""
}

// Writable says whether this pass may create and empty groups.
func (t *Tree) Writable() bool { return t.writable }

// TreeAt is a writable tree rooted at dir, for tests.
func TreeAt(dir string) *Tree { return &Tree{Dir: dir, writable: true} }

// Key writes a config's absolute path as systemd-escape --path does, so
// that each config has a folder of its own that a person can tell by
// name: /etc/cortex/cortex.toml is etc-cortex-cortex.toml.
func Key(path string) string {
	path = strings.Trim(filepath.Clean(path), "/")
	if path == "" {
		return "-"
	}
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		c := path[i]
		switch {
		case c == '/':
			b.WriteByte('-')
		case c == '.' && (i == 0 || path[i-1] == '/'),
			!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ':' || c == '_' || c == '.'):
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	key := b.String()
	if len(key) > 200 { // a folder name is at most 255 bytes
		key = key[:200] + "-" + strconv.FormatUint(uint64(tag(path)), 16)
	}
	return key
}

// tag is a short hash of s (FNV-1a), where a name must stay short.
func tag(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

// Path is the group of the daemon called name.
func (t *Tree) Path(name string) string { return filepath.Join(t.Dir, name) }

// Describe says where people find the daemon's group.
func (t *Tree) Describe(name string) string { return "cgroup " + t.Path(name) }

// probePrefix starts the folders of throwaway probe groups; a daemon's
// name starts with a letter or digit, so the two never meet.
const probePrefix = ".probe-"

// Open creates the daemon's group when it is missing and opens it, for
// SysProcAttr.CgroupFD. The caller closes it once the process is started.
func (t *Tree) Open(name string) (*os.File, error) {
	return t.open(t.Path(name))
}

// OpenProbe creates a throwaway group for one run of a command for name
// (a daemon's probe or stop command, or a notifier); RemoveProbe empties
// and removes it. Each run has a group of its own, named after the pass
// and numbered: runs at once never share one.
func (t *Tree) OpenProbe(name string) (*os.File, string, error) {
	dir := filepath.Join(t.Dir, fmt.Sprintf("%s%s-%d-%d", probePrefix, name, os.Getpid(), runs.Add(1)))
	f, err := t.open(dir)
	return f, dir, err
}

func (t *Tree) open(dir string) (*os.File, error) {
	var err error
	for try := 0; try < 3; try++ {
		// A parent removed by another config's pass between the two
		// mkdirs makes the second fail: once more.
		if err = os.MkdirAll(dir, 0o755); err == nil || !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("control group %s: %w", dir, err)
	}
	f, err := os.OpenFile(dir, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("control group %s: %w", dir, err)
	}
	return f, nil
}

// Members reads the groups of the tree once: for each daemon that has a
// group, the PIDs in it (empty for an empty group). A tree that does not
// exist yet has no groups.
func (t *Tree) Members() (map[string][]int, error) {
	entries, err := os.ReadDir(t.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string][]int{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("control groups %s: %w", t.Dir, err)
	}
	out := map[string][]int{}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		pids, err := procs(filepath.Join(t.Dir, e.Name()))
		if err != nil {
			continue // removed meanwhile
		}
		out[e.Name()] = pids
	}
	return out, nil
}

func procs(dir string) ([]int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return nil, err
	}
	pids := []int{}
	for _, f := range strings.Fields(string(b)) {
		if n, err := strconv.Atoi(f); err == nil {
			pids = append(pids, n)
		}
	}
	return pids, nil
}

// Stop ends every process in the daemon's group: SIGTERM to each (and
// SIGCONT, since a suspended process acts on SIGTERM only once
// continued), up to grace for them to go, then SIGKILL to the whole group
// at once (cgroup.kill, or member by member on kernels before 5.14) until
// it is empty. Only members of the group are ever signalled. It returns
// the PIDs left (stuck in the kernel) and removes the group once empty.
func (t *Tree) Stop(name string, grace time.Duration) ([]int, error) {
	return stopDir(t.Path(name), grace)
}

// RemoveProbe ends whatever a probe left in its group and removes it.
func (t *Tree) RemoveProbe(dir string) {
	stopDir(dir, 0)
}

func stopDir(dir string, grace time.Duration) ([]int, error) {
	pids, err := procs(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if grace > 0 {
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGTERM)
			syscall.Kill(pid, syscall.SIGCONT)
		}
		pids = waitEmpty(dir, grace)
	}
	deadline := time.Now().Add(2 * time.Second)
	for len(pids) > 0 && time.Now().Before(deadline) {
		if err := os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0); err != nil {
			for _, pid := range pids { // before Linux 5.14
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		pids = waitEmpty(dir, 200*time.Millisecond)
	}
	if len(pids) > 0 {
		return pids, fmt.Errorf("control group %s: PIDs %v did not exit, even after SIGKILL", dir, pids)
	}
	removeEmpty(dir)
	return nil, nil
}

// waitEmpty waits up to d for the group to hold no live process and
// returns what is left. A zombie has left cgroup.procs already.
func waitEmpty(dir string, d time.Duration) []int {
	deadline := time.Now().Add(d)
	for wait := 2 * time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		pids, err := procs(dir)
		if err != nil || len(pids) == 0 || !time.Now().Before(deadline) {
			return pids
		}
		time.Sleep(min(wait, time.Until(deadline)))
	}
}

// Remove removes the daemon's group if it is empty, so that nothing
// accumulates; a group that still holds processes stays.
func (t *Tree) Remove(name string) { removeEmpty(t.Path(name)) }

// removeEmpty removes an empty group, then the config's folder when that
// is left empty too. The top folder stays: other configs use it.
func removeEmpty(dir string) {
	if os.Remove(dir) == nil {
		os.Remove(filepath.Dir(dir)) // fails while other groups live: fine
	}
}

// Prune removes the empty groups of daemons in members: those whose
// processes all exited since they started. It also ends the throwaway
// groups that passes now gone left behind (sweep).
func (t *Tree) Prune(members map[string][]int) {
	for name, pids := range members {
		if len(pids) == 0 {
			t.Remove(name)
		}
	}
	t.sweep()
}

// sweep ends and removes the throwaway groups of passes that are gone: a
// pass killed (SIGKILL, the OOM killer) while a probe, stop command or
// notifier ran leaves its group, and whatever the command left running
// in it; one ended by a signal may exit before it removed the group.
// Their names hide them from Members, so nothing else would. A group
// whose pass still runs (this one, or a root observer's beside it) is
// left to that pass.
func (t *Tree) sweep() {
	entries, err := os.ReadDir(t.Dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		pid, ok := throwawayPID(e.Name())
		if !ok || !e.IsDir() || pid == os.Getpid() || syscall.Kill(pid, 0) != syscall.ESRCH {
			continue
		}
		stopDir(filepath.Join(t.Dir, e.Name()), 0)
	}
}

// throwawayPID is the PID of the pass that made the throwaway group
// called name (.probe-NAME-PID-RUN, OpenProbe), or false when name is not
// one.
func throwawayPID(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, probePrefix)
	if !ok {
		return 0, false
	}
	fields := strings.Split(rest, "-")
	if len(fields) < 3 {
		return 0, false
	}
	pid, err := strconv.Atoi(fields[len(fields)-2])
	if _, rerr := strconv.Atoi(fields[len(fields)-1]); err != nil || rerr != nil || pid <= 0 {
		return 0, false
	}
	return pid, true
}

// Of reads the control group a process is in, as /proc/PID/cgroup names
// it in the unified (cgroup2) hierarchy, or systemd's named one on a
// legacy host: "/cortex-check/etc-cortex-cortex.toml/pm-daemon".
func Of(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return ""
	}
	var named string
	for _, line := range strings.Split(string(b), "\n") {
		if path, ok := strings.CutPrefix(line, "0::"); ok {
			return path
		}
		if _, path, ok := strings.Cut(line, ":name=systemd:"); ok {
			named = path
		}
	}
	return named
}

// Elsewhere says whether the process is in another config's group (a
// daemon of another cortex-check config, not name's): where, or "".
func (t *Tree) Elsewhere(name string, pid int) (string, bool) {
	path := Of(pid)
	rest, ok := strings.CutPrefix(path, "/"+Top+"/")
	if !ok {
		return "", false
	}
	if rest == filepath.Base(t.Dir)+"/"+name {
		return "", false
	}
	return "cgroup " + filepath.Join(filepath.Dir(filepath.Dir(t.Dir)), path), false
}
