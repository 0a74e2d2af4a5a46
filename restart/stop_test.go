package restart

import (
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cortex/cortex-check/check"
)

// child starts a process of the test's own, reaped and killed when the
// test ends, passed or failed.
func child(t *testing.T, script string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", script)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	return cmd
}

// waitFor waits until the table shows pid as ready says: a child that
// has set its traps and exec'd its sleep, or one that has stopped itself.
func waitFor(t *testing.T, pid int, ready func(check.Process) bool) {
	t.Helper()
	for range 400 {
		procs, err := check.ReadTable(check.Need{Cmdline: true})
		if err != nil {
			t.Fatal(err)
		}
		if i := slices.IndexFunc(procs, func(p check.Process) bool { return p.PID == pid }); i >= 0 && ready(procs[i]) {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("PID %d never got ready", pid)
}

func sleeping(p check.Process) bool  { return strings.HasPrefix(p.Cmdline, "sleep") }
func suspended(p check.Process) bool { return p.State == 'T' }

func TestKill(t *testing.T) {
	tests := []struct {
		name   string
		script string
		ready  func(check.Process) bool
	}{
		{"it exits on SIGTERM", "exec sleep 120", sleeping},
		{"it ignores SIGTERM: SIGKILL after grace", "trap '' TERM; exec sleep 120", sleeping},
		{"it is suspended: SIGCONT lets it hear SIGTERM", "kill -STOP $$; exec sleep 120", suspended},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := child(t, tt.script)
			waitFor(t, cmd.Process.Pid, tt.ready)
			if left := Kill([]int{cmd.Process.Pid}, 200*time.Millisecond); len(left) > 0 {
				t.Errorf("Kill left %v", left)
			}
			if !gone(cmd.Process.Pid) {
				t.Errorf("PID %d still runs", cmd.Process.Pid)
			}
		})
	}
}

func TestWaitGoneAndGone(t *testing.T) {
	cmd := child(t, "exec sleep 120")
	pid := cmd.Process.Pid
	const noSuchPID = 1<<22 + 12345 // above Linux's highest pid_max
	if gone(pid) || !gone(noSuchPID) {
		t.Errorf("gone(live) = %v, gone(no such PID) = %v; want false, true", gone(pid), gone(noSuchPID))
	}
	if left := WaitGone([]int{pid, noSuchPID}, 0); !slices.Equal(left, []int{pid}) {
		t.Errorf("WaitGone(0) = %v, want the live one, %d", left, pid)
	}
	cmd.Process.Kill()
	// Killed but not yet reaped: a zombie is gone.
	if left := WaitGone([]int{pid}, 10*time.Second); len(left) > 0 {
		t.Errorf("a killed process is not gone: %v", left)
	}
}

// KillSame signals a process only while its PID names the process the
// table saw.
func TestKillSame(t *testing.T) {
	live := child(t, "exec sleep 120")
	other := child(t, "exec sleep 120")
	waitFor(t, live.Process.Pid, sleeping)
	waitFor(t, other.Process.Pid, sleeping)
	procs, err := check.ReadTable(check.Need{Owner: true})
	if err != nil {
		t.Fatal(err)
	}
	var seen, reused check.Process
	for _, p := range procs {
		switch p.PID {
		case live.Process.Pid:
			seen = p
		case other.Process.Pid:
			reused = p
			reused.StartTime = reused.StartTime.Add(-time.Hour) // the table saw another process under this PID
		}
	}
	if left := KillSame([]check.Process{seen, reused}, time.Second); len(left) > 0 {
		t.Errorf("KillSame left %v", left)
	}
	if !gone(live.Process.Pid) || gone(other.Process.Pid) {
		t.Errorf("gone: the one the table saw %v, the reused PID %v; want true, false", gone(live.Process.Pid), gone(other.Process.Pid))
	}
}

// Stop of a running instance: its stop command first, then SIGTERM and
// SIGKILL for what is left, each step logged.
func TestStopInstance(t *testing.T) {
	tests := []struct {
		name    string
		stop    []string
		run     error // the stop command's
		pids    []int
		left    []int // what kill leaves
		killed  bool
		want    []int
		logged  []string
		noLines []string
	}{
		{"its stop command ends it", []string{"/usr/sbin/app", "stop"}, nil, []int{1<<22 + 1}, nil, false, nil,
			[]string{"app: Stopping: /usr/sbin/app stop"}, []string{"SIGTERM"}},
		{"its stop command fails: SIGTERM", []string{"/usr/sbin/app", "stop"}, errors.New("exit status 1"), []int{41, 42}, nil, true, nil,
			[]string{"app: Stopping: /usr/sbin/app stop", "app: stop command failed: exit status 1; stopping PIDs 41, 42 with SIGTERM"}, nil},
		{"no stop command: SIGTERM, then SIGKILL", nil, nil, []int{41}, nil, true, nil,
			[]string{"app: Stopping PIDs 41 (SIGTERM, SIGKILL after stop_grace 2s)"}, nil},
		{"what would not die is said and returned", nil, nil, []int{41, 42}, []int{42}, true, []int{42},
			[]string{"app: PIDs 42 did not exit, even after SIGKILL"}, nil},
		{"nothing to stop", nil, nil, nil, nil, false, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &check.Daemon{Name: "app", Stop: tt.stop, StopGrace: 2 * time.Second}
			var logged []string
			killed := false
			left := Stop(d, tt.pids, 0, func(*check.Daemon) error { return tt.run },
				func(pids []int, _ time.Duration) []int { killed = true; return tt.left },
				func(s string) { logged = append(logged, s) })
			if !slices.Equal(left, tt.want) || killed != tt.killed {
				t.Errorf("left %v, killed %v; want %v, %v", left, killed, tt.want, tt.killed)
			}
			for _, l := range tt.logged {
				if !slices.Contains(logged, l) {
					t.Errorf("log %q lacks %q", logged, l)
				}
			}
			for _, l := range tt.noLines {
				if slices.ContainsFunc(logged, func(s string) bool { return strings.Contains(s, l) }) {
					t.Errorf("log %q says %q", logged, l)
				}
			}
		})
	}
}
