package pass

import (
	"context"
	"io/fs"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/probe"
	"github.com/cortex/cortex-check/report"
)

func names0(uid int) string {
	return map[int]string{0: "root", 65534: "nobody"}[uid]
}

// observer is the world of the monitoring user's check: not root, so the
// pidfile answers permission denied.
func observer(w World) World {
	w.EUID = 65534
	w.UserName = names0
	read := w.ReadPidfile
	w.ReadPidfile = func(path string) (check.Pidfile, error) {
		if read == nil {
			return check.Pidfile{}, nil
		}
		return check.Pidfile{}, &fs.PathError{Op: "open", Path: path, Err: syscall.EACCES}
	}
	return w
}

// parseConfig reads a config of root's, its daemons root's.
func parseConfig(t *testing.T, text string) *check.Config {
	t.Helper()
	cfg, err := check.Parse([]byte(text), "/etc/cortex/cortex.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.ResolveUsers(func(string, string) (int, error) { return 0, nil }, 0)
	return cfg
}

// pidfileHost is a host whose daemon pm-daemon, PID 10 since an hour
// before t0, is found by its pidfile /srv/pm.pid, and root's world on it,
// which may read that pidfile.
func pidfileHost(t *testing.T, t0 time.Time) (*check.Config, *fakeHost, World) {
	t.Helper()
	cfg := parseConfig(t, `status_file = "/run/cortex/status.json"
interval = "30s"
[[daemon]]
name = "pm-daemon"
pidfile = "/srv/pm.pid"
`)
	h := newFakeHost(t0)
	h.procs = append(h.procs, daemonProc(10, "pm-daemon", t0.Add(-time.Hour)))
	root := h.world()
	root.UserName = names0
	root.ReadPidfile = func(string) (check.Pidfile, error) {
		return check.Pidfile{FirstLine: []byte("10"), ModTime: t0.Add(-time.Hour)}, nil
	}
	return cfg, h, root
}

// An observer that may not read a daemon's pidfile reports root's last
// verdict, labelled with its age, while it is at most three intervals
// old; then its own: unknown. A writer never borrows.
func TestObserverBorrowsPidfileVerdict(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	cfg, h, root := pidfileHost(t, t0)
	ctx := context.Background()
	if res := Run(ctx, cfg, Options{LockTimeout: time.Second}, root); res.Code() != 0 || statusFile(t, h).Writer != "root" {
		t.Fatalf("root's pass: %d, writer %q; want OK, written by root:\n%s", res.Code(), statusFile(t, h).Writer, res.Status.Nagios(CanStart(cfg)))
	}

	for _, tt := range []struct {
		after  time.Duration
		state  report.State
		status check.Condition
		line   string
	}{
		{40 * time.Second, report.OK, check.Running, "pm-daemon: running, PID 10, up 1h (as root's pass saw it 40s ago; this check: pidfile /srv/pm.pid: permission denied)\n"},
		{80 * time.Second, report.OK, check.Running, "(as root's pass saw it 1m20s ago; this check: pidfile /srv/pm.pid: permission denied)"},
		{100 * time.Second, report.Unknown, check.Unknown, "permission denied; root's pass saw it running 1m40s ago, longer ago than three intervals (1m30s): not reported"},
	} {
		h.now = t0.Add(tt.after - 250*time.Millisecond) // a read of the table moves it on
		before := string(h.files["/run/cortex/status.json"])
		res := Run(ctx, cfg, Options{ReadOnly: true}, observer(root))
		e := res.Status.Daemons["pm-daemon"]
		out := res.Status.Nagios(CanStart(cfg))
		if res.Code() != int(tt.state) || e.Status != tt.status || !strings.Contains(out, tt.line) {
			t.Errorf("%s after root's pass: %d, %s:\n%s\nwant %s, %s, %q", tt.after, res.Code(), e.Status, out, tt.state, tt.status, tt.line)
		}
		if string(h.files["/run/cortex/status.json"]) != before {
			t.Errorf("%s: the observer wrote the status file", tt.after)
		}
	}

	// A writer that may not read it keeps its own verdict: it is the record.
	h.now = t0.Add(40 * time.Second)
	notRoot := observer(root)
	res := Run(ctx, cfg, Options{LockTimeout: time.Second}, notRoot)
	if e := res.Status.Daemons["pm-daemon"]; res.Observer != "" || e.Status != check.Unknown || e.Seen != nil {
		t.Errorf("a writer that may not read the pidfile: observer %q, %s, seen %+v; want its own unknown", res.Observer, e.Status, e.Seen)
	}
}

// An observer does not report the writer's "running" when its own process
// table shows that process gone since: exited, a zombie, or its PID now
// another process's (started at another time). Under hidepid it cannot
// tell, and reports the verdict.
func TestObserverBorrowNotOfExitedProcess(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	started := t0.Add(-time.Hour)
	zombie := daemonProc(10, "pm-daemon", started)
	zombie.State = 'Z'
	for _, tt := range []struct {
		name   string
		procs  []check.Process
		hidden bool
		status check.Condition
	}{
		{"still running", []check.Process{daemonProc(10, "pm-daemon", started)}, false, check.Running},
		{"the same start time, a second off", []check.Process{daemonProc(10, "pm-daemon", started.Add(time.Second))}, false, check.Running},
		{"exited", nil, false, check.Unknown},
		{"a zombie", []check.Process{zombie}, false, check.Unknown},
		{"its PID reused", []check.Process{daemonProc(10, "other", t0.Add(-time.Minute))}, false, check.Unknown},
		{"hidepid hides it", nil, true, check.Running},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, h, root := pidfileHost(t, t0)
			ctx := context.Background()
			if res := Run(ctx, cfg, Options{LockTimeout: time.Second}, root); res.Code() != 0 {
				t.Fatalf("root's pass: %d:\n%s", res.Code(), res.Status.Nagios(CanStart(cfg)))
			}
			h.procs = append(h.procs[:len(h.procs)-1], tt.procs...)
			h.now = t0.Add(10 * time.Second)
			w := observer(root)
			w.Hidden = func() bool { return tt.hidden }
			res := Run(ctx, cfg, Options{ReadOnly: true}, w)
			e := res.Status.Daemons["pm-daemon"]
			out := res.Status.Nagios(CanStart(cfg))
			if e.Status != tt.status {
				t.Errorf("%s, want %s:\n%s", e.Status, tt.status, out)
			}
			if tt.status == check.Unknown && !strings.Contains(out, "root's pass saw it running 10s ago, PID 10, which has exited since: not reported") {
				t.Errorf("the line does not say why:\n%s", out)
			}
		})
	}
}

// An observer that may not run a daemon's exec probe as the daemon's user
// reports root's last verdict of it, and never runs it as itself.
func TestObserverBorrowsExecProbe(t *testing.T) {
	cfg := parseConfig(t, `status_file = "/run/cortex/status.json"
interval = "30s"
[[daemon]]
name = "pm-daemon"
pattern = '/srv/pm-daemon\.sh$'
[daemon.probe]
exec = ["/srv/probe"]
failures = 1
grace = "1ms"
`)
	for _, tt := range []struct {
		name    string
		writer  *bool // root's probe: healthy, unhealthy, or no writer pass
		after   time.Duration
		state   report.State
		status  check.Condition
		message string // a part of the line
	}{
		{"healthy", ptr(true), 20 * time.Second, report.OK, check.Running, "healthy (as root's pass saw it 20s ago; this check: may not run its exec probe as root)"},
		{"unhealthy", ptr(false), 20 * time.Second, report.Critical, check.Unhealthy, "unhealthy, PID 10 (as root's pass saw it 20s ago; this check: may not run its exec probe as root) - exec /srv/probe failed at its first check (failures = 1): /srv/probe: exit status 1"},
		{"no writer pass", nil, 20 * time.Second, report.Unknown, check.Running, "this check may not run its exec probe as root, and no writer pass has probed it: whether it works is unknown"},
		{"too old", ptr(true), 2 * time.Minute, report.Unknown, check.Running, "root's pass saw it healthy 2m ago, longer ago than three intervals (1m30s): whether it works is unknown"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t0 := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
			h := newFakeHost(t0.Add(-250 * time.Millisecond)) // its first read of the table is at t0
			h.procs = append(h.procs, daemonProc(10, "pm-daemon", t0.Add(-time.Hour)))
			w := h.world()
			w.UserName = names0
			w.ProbeExec = func(*check.Daemon) probe.ExecFunc { return nil }
			ran := 0
			healthy := tt.writer != nil && *tt.writer
			w.Probe = func(_ context.Context, targets []probe.Target) []probe.Result {
				ran++
				r := probe.Result{Healthy: healthy, At: h.now}
				if !healthy {
					r.Err = "/srv/probe: exit status 1"
				}
				return []probe.Result{r}
			}
			ctx := context.Background()
			if tt.writer != nil {
				Run(ctx, cfg, Options{LockTimeout: time.Second, Timeout: time.Hour}, w)
			}
			ran = 0
			h.now = t0.Add(tt.after - 250*time.Millisecond)
			res := Run(ctx, cfg, Options{ReadOnly: true, Timeout: time.Hour}, observer(w))
			e := res.Status.Daemons["pm-daemon"]
			out := res.Status.Nagios(CanStart(cfg))
			if ran != 0 {
				t.Errorf("the observer ran the probe as itself")
			}
			if res.Code() != int(tt.state) || e.Status != tt.status || !strings.Contains(out, tt.message) {
				t.Errorf("%d, %s:\n%s\nwant %s, %s, %q", res.Code(), e.Status, out, tt.state, tt.status, tt.message)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// An observer that cannot read the status file is WARNING at least and
// says what it cannot see; a writer starts a fresh file, as before.
func TestObserverCannotReadStatusFile(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	h := newFakeHost(t0)
	h.procs = append(h.procs, daemonProc(10, "pm-daemon", t0), daemonProc(11, "worker-daemon", t0))
	w := h.world()
	w.UserName = names0
	w.ReadFile = func(path string) ([]byte, error) {
		return nil, &fs.PathError{Op: "open", Path: path, Err: syscall.EACCES}
	}
	cfg := loadTestConfig(t)
	res := Run(context.Background(), cfg, Options{ReadOnly: true}, w)
	if res.Code() != int(report.Warning) || !strings.Contains(res.Status.Summary, "2/2 daemons running; status file not read") {
		t.Errorf("observer: %d %q, want WARNING, status file not read", res.Code(), res.Status.Summary)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "this check cannot read the status file (open /run/cortex/status.json: permission denied), so it cannot see") {
		t.Errorf("observer's notes %q: want what it cannot see, and why", res.Notes)
	}
	if only := Run(context.Background(), cfg, Options{ReadOnly: true, Only: []string{"pm-daemon"}}, w); only.Code() != int(report.Warning) {
		t.Errorf("--only: %d %q, want WARNING too", only.Code(), only.Status.Summary)
	}

	res = Run(context.Background(), cfg, Options{LockTimeout: time.Second}, w)
	if res.Code() != 0 || len(res.Notes) != 1 || !strings.HasSuffix(res.Notes[0], "; starting a fresh status file") {
		t.Errorf("writer: %d, notes %q; want OK, starting a fresh status file", res.Code(), res.Notes)
	}
}
