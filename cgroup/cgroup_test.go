package cgroup

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestKey(t *testing.T) {
	tests := []struct{ path, want string }{
		{"/etc/cortex/cortex.toml", "etc-cortex-cortex.toml"},
		{"/srv/my-app/.cortex.toml", `srv-my\x2dapp-\x2ecortex.toml`},
		{"/tmp/a b/c.toml", `tmp-a\x20b-c.toml`},
		{"/", "-"},
		// Two configs never share a folder: - in a name is escaped.
		{"/a-b/c.toml", `a\x2db-c.toml`},
		{"/a/b-c.toml", `a-b\x2dc.toml`},
	}
	for _, tt := range tests {
		if got := Key(tt.path); got != tt.want {
			t.Errorf("Key(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
	long := "/" + strings.Repeat("abcdefghij/", 40) + "cortex.toml"
	if k := Key(long); len(k) > 255 || Key(long+"x") == k {
		t.Errorf("a long path's key must fit a folder name and stay unique: %d bytes", len(k))
	}
}

// realTree makes a tree under the host's cgroup2 mount, removed at the
// end; it skips where this test cannot create groups (not root, no
// cgroup2): CI runs as root on a host with one.
func realTree(t *testing.T) *Tree {
	t.Helper()
	mount, writable, why := mountPoint()
	if mount == "" || !writable || os.Geteuid() != 0 {
		t.Skipf("no writable cgroup2 hierarchy here (%s)", why)
	}
	tree := &Tree{Dir: filepath.Join(mount, Top, Key(t.TempDir())+"-cortex.toml"), writable: true}
	t.Cleanup(func() {
		for _, name := range []string{"d", "e"} {
			tree.Stop(name, 0)
		}
		os.Remove(tree.Dir)
		os.Remove(filepath.Dir(tree.Dir))
	})
	return tree
}

// startIn starts a shell that forks a grandchild which leaves its
// session, in the daemon's group.
func startIn(t *testing.T, tree *Tree, name string) *exec.Cmd {
	t.Helper()
	f, err := tree.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command("/bin/sh", "-c", "setsid sleep 600 & sleep 600")
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(f.Fd())}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go cmd.Wait()
	return cmd
}

func TestTreeStopEmptiesAndRemoves(t *testing.T) {
	tree := realTree(t)
	cmd := startIn(t, tree, "d")
	startIn(t, tree, "e")
	var members map[string][]int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var err error
		if members, err = tree.Members(); err != nil {
			t.Fatal(err)
		}
		if len(members["d"]) == 3 {
			break
		}
	}
	if !slices.Contains(members["d"], cmd.Process.Pid) || len(members["d"]) != 3 {
		t.Fatalf("members of d: %v, want the shell %d and its two sleeps", members["d"], cmd.Process.Pid)
	}
	if left, err := tree.Stop("d", time.Second); err != nil || len(left) > 0 {
		t.Fatalf("Stop: left %v, %v", left, err)
	}
	if _, err := os.Stat(tree.Path("d")); !os.IsNotExist(err) {
		t.Errorf("the emptied group is still there: %v", err)
	}
	// The other daemon's group is untouched.
	if m, _ := tree.Members(); len(m["e"]) == 0 {
		t.Errorf("stopping d emptied e")
	}
}

func TestProbeGroupRemoved(t *testing.T) {
	tree := realTree(t)
	f, dir, err := tree.OpenProbe("d")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sh", "-c", "setsid sleep 600 &")
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(f.Fd())}
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if pids, _ := procs(dir); len(pids) != 1 {
		t.Fatalf("the probe's group holds %v, want its setsid child", pids)
	}
	tree.RemoveProbe(dir)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the probe's group is still there: %v", err)
	}
	if m, _ := tree.Members(); len(m) != 0 {
		t.Errorf("a probe group is listed among the daemons: %v", m)
	}
}

func TestThrowawayPID(t *testing.T) {
	for _, tt := range []struct {
		name string
		pid  int
		ok   bool
	}{
		{".probe-pm-daemon-4242-3", 4242, true},
		{".probe-notify-17-1", 17, true},
		{".probe-a-1-2-3-4", 3, true},
		{"pm-daemon", 0, false},             // a daemon's group
		{".probe-pm-daemon-4242", 0, false}, // no run number: not one of OpenProbe's
		{".probe-d-x-1", 0, false},
		{".probe-d-0-1", 0, false},
		{".other-d-12-1", 0, false},
	} {
		if pid, ok := throwawayPID(tt.name); pid != tt.pid || ok != tt.ok {
			t.Errorf("throwawayPID(%q) = %d, %v; want %d, %v", tt.name, pid, ok, tt.pid, tt.ok)
		}
	}
}

// A writer's Prune ends and removes the throwaway groups of passes that
// are gone (killed while a probe ran), what they hold included, and
// leaves those of passes that still run.
func TestPruneSweepsDeadPassesGroups(t *testing.T) {
	tree := realTree(t)
	dead := exec.Command("/bin/true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	deadDir := filepath.Join(tree.Dir, fmt.Sprintf("%sd-%d-1", probePrefix, dead.Process.Pid))
	f, err := tree.open(deadDir)
	if err != nil {
		t.Fatal(err)
	}
	left := exec.Command("/bin/sh", "-c", "setsid sleep 600 &")
	left.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(f.Fd())}
	err = left.Run()
	f.Close()
	t.Cleanup(func() { tree.RemoveProbe(deadDir) })
	if err != nil {
		t.Fatal(err)
	}
	g, ownDir, err := tree.OpenProbe("d")
	if err != nil {
		t.Fatal(err)
	}
	g.Close()
	t.Cleanup(func() { tree.RemoveProbe(ownDir) })

	tree.Prune(map[string][]int{})
	if _, err := os.Stat(deadDir); !os.IsNotExist(err) {
		pids, _ := procs(deadDir)
		t.Errorf("the group of a pass that is gone is still there, holding %v: %v", pids, err)
	}
	if _, err := os.Stat(ownDir); err != nil {
		t.Errorf("the group of this pass, which still runs, was removed: %v", err)
	}
}

// A group's usage comes from memory.current and cpu.stat's usage_usec; a
// group without the memory controller has no memory figure.
func TestUsageAt(t *testing.T) {
	dir := t.TempDir()
	if u := usageAt(dir); u.MemoryOK || u.CPUOK {
		t.Errorf("empty folder: %+v", u)
	}
	if err := os.WriteFile(filepath.Join(dir, "cpu.stat"), []byte("usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if u := usageAt(dir); u.MemoryOK || !u.CPUOK || u.CPU != 2500*time.Millisecond {
		t.Errorf("cpu.stat only: %+v", u)
	}
	if err := os.WriteFile(filepath.Join(dir, "memory.current"), []byte("641728512\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if u := usageAt(dir); !u.MemoryOK || u.Memory != 612<<20 {
		t.Errorf("with memory.current: %+v", u)
	}
}
