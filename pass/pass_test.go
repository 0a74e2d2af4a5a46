package pass

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/probe"
	"github.com/cortex/cortex-check/report"
	"github.com/cortex/cortex-check/restart"
)

// fakeHost is a whole host for a pass: a process table that starts add to,
// a clock that each read of the table moves on, and files in memory.
type fakeHost struct {
	mu      sync.Mutex
	now     time.Time
	procs   []check.Process
	nextPID int
	files   map[string][]byte
	starts  []string // daemon names, in start order
	log     bytes.Buffer
	// dieOnStart makes a started daemon exit at once, as a crash loop does.
	dieOnStart bool
	// slowStart makes a started daemon run without showing up, as a
	// database in crash recovery does before its server runs.
	slowStart bool
	locked    bool
}

func newFakeHost(t0 time.Time) *fakeHost {
	return &fakeHost{now: t0, nextPID: 100, files: map[string][]byte{},
		procs: []check.Process{{PID: 1, Name: "init", Args: []string{"/sbin/init"}, Cmdline: "/sbin/init", State: 'S'}}}
}

func (h *fakeHost) world() World {
	return World{
		ReadTable: func(check.Need) ([]check.Process, error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			// Each read moves the clock on, so that start_secs passes in
			// a few polls without real waiting.
			h.now = h.now.Add(250 * time.Millisecond)
			return append([]check.Process(nil), h.procs...), nil
		},
		Now: func() time.Time {
			h.mu.Lock()
			defer h.mu.Unlock()
			return h.now
		},
		Start: h.start,
		Kill:  func([]int, time.Duration) []int { return nil },
		ReadFile: func(path string) ([]byte, error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			b, ok := h.files[path]
			if !ok {
				return nil, fs.ErrNotExist
			}
			return b, nil
		},
		WriteFile: func(path string, data []byte, _ os.FileMode) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.files[path] = bytes.Clone(data)
			return nil
		},
		Lock: func(context.Context, string, time.Duration) (func(), error) {
			if h.locked {
				return nil, restart.ErrLocked
			}
			return func() {}, nil
		},
		OpenLog: func(string) (io.WriteCloser, error) { return nopCloser{&h.log}, nil },
		SelfPID: 99,
		Host:    "testhost",
		Version: "test",
	}
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func (h *fakeHost) start(d *check.Daemon) (restart.Process, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.starts = append(h.starts, d.Name)
	h.nextPID++
	p := &fakeProc{pid: h.nextPID, exited: make(chan struct{})}
	if h.dieOnStart {
		p.err = errors.New("exit status 1")
		close(p.exited)
		return p, nil
	}
	if !h.slowStart {
		h.procs = append(h.procs, daemonProc(h.nextPID, d.Name, h.now))
	}
	return p, nil
}

// runAfter moves the clock on by after, then runs a pass of cfg on the
// host; a pass that cannot judge fails the test.
func (h *fakeHost) runAfter(t *testing.T, cfg *check.Config, opt Options, after time.Duration) Result {
	t.Helper()
	h.mu.Lock()
	h.now = h.now.Add(after)
	h.mu.Unlock()
	res := Run(context.Background(), cfg, opt, h.world())
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	return res
}

// kill removes the daemon's processes, as a SIGKILL and a reap would.
func (h *fakeHost) kill(name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var kept []check.Process
	for _, p := range h.procs {
		if !strings.Contains(p.Cmdline, "/srv/"+name+".sh") {
			kept = append(kept, p)
		}
	}
	h.procs = kept
}

func daemonProc(pid int, name string, started time.Time) check.Process {
	args := []string{"/bin/bash", "/srv/" + name + ".sh"}
	return check.Process{PID: pid, PPID: 1, Name: name + ".sh", Args: args, Cmdline: strings.Join(args, " "), State: 'S', StartTime: started}
}

type fakeProc struct {
	pid    int
	exited chan struct{}
	err    error
}

func (p *fakeProc) PID() int                        { return p.pid }
func (p *fakeProc) Exited() <-chan struct{}         { return p.exited }
func (p *fakeProc) ExitErr() error                  { return p.err }
func (p *fakeProc) LogTail() (string, string, bool) { return "", "", false }
func (p *fakeProc) Stop(time.Duration)              {}

const testConfig = `
status_file = "/run/cortex/status.json"
log_file = "/var/log/cortex/cortex-check.log"
max_restarts = 2
restart_window = "10m"

[[daemon]]
name = "pm-daemon"
pattern = '/srv/pm-daemon\.sh$'
start = ["/srv/pm-daemon.sh"]

[[daemon]]
name = "worker-daemon"
pattern = '/srv/worker-daemon\.sh$'
start = ["/srv/worker-daemon.sh"]
after = ["pm-daemon"]
`

func loadTestConfig(t *testing.T) *check.Config {
	t.Helper()
	cfg, err := check.Parse([]byte(testConfig), "/etc/cortex/cortex.toml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func fixOptions() Options {
	return Options{Fix: true, Timeout: 25 * time.Second, LockTimeout: time.Second}
}

// statusFile reads back what the pass wrote, as the dashboard would.
func statusFile(t *testing.T, h *fakeHost) *report.Status {
	t.Helper()
	b, ok := h.files["/run/cortex/status.json"]
	if !ok {
		t.Fatal("no status file written")
	}
	var st report.Status
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatalf("status file: %v", err)
	}
	return &st
}

// A whole pass in-process: a daemon down, --fix restarts it, the restart is
// recorded in the status file and the log; kill it again and again and the
// flap guard holds it back after max_restarts.
func TestPassRestartsThenFlapGuardHoldsBack(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	h := newFakeHost(t0)
	h.procs = append(h.procs, daemonProc(10, "pm-daemon", t0.Add(-time.Hour)))
	cfg := loadTestConfig(t)
	ctx := context.Background()

	// A plain pass: worker-daemon is down, CRITICAL; nothing is started.
	res := Run(ctx, cfg, Options{LockTimeout: time.Second}, h.world())
	if res.Err != nil || res.Status.State != report.Critical || len(h.starts) != 0 {
		t.Fatalf("plain pass: err %v, state %v, starts %v; want CRITICAL and no start", res.Err, res.Status.State, h.starts)
	}
	if got := statusFile(t, h).Daemons["worker-daemon"].Status; got != report.Stopped {
		t.Errorf("status file says worker-daemon %s, want stopped", got)
	}

	// --fix: worker-daemon is started, seen running, recorded: WARNING.
	res = Run(ctx, cfg, fixOptions(), h.world())
	if res.Err != nil || res.Code() != int(report.Warning) {
		t.Fatalf("--fix pass: err %v, code %d; want WARNING", res.Err, res.Code())
	}
	w := statusFile(t, h).Daemons["worker-daemon"]
	if w.Action != report.ActionRestarted || !w.Running() || len(w.Restarts) != 1 || w.RestartsTotal != 1 {
		t.Errorf("worker-daemon entry %+v: want restarted, running, one restart recorded", w)
	}
	if !strings.Contains(h.log.String(), "worker-daemon: Attempting restart: /srv/worker-daemon.sh") {
		t.Errorf("restart log %q lacks the attempt", h.log.String())
	}

	// Killed after every restart: the second restart is allowed, the third
	// is held back by max_restarts = 2 within the window.
	h.kill("worker-daemon")
	h.now = h.now.Add(30 * time.Second)
	if res = Run(ctx, cfg, fixOptions(), h.world()); statusFile(t, h).Daemons["worker-daemon"].Action != report.ActionRestarted {
		t.Fatalf("second restart: %s", res.Status.Nagios(CanStart(cfg)))
	}
	h.kill("worker-daemon")
	h.now = h.now.Add(30 * time.Second)
	res = Run(ctx, cfg, fixOptions(), h.world())
	w = statusFile(t, h).Daemons["worker-daemon"]
	if w.Action != report.ActionHeldBack || w.Running() || res.Code() != int(report.Critical) {
		t.Errorf("third pass: action %s, running %v, code %d; want held back, stopped, CRITICAL", w.Action, w.Running(), res.Code())
	}
	if !strings.Contains(w.Message, "restarts held back: 2 in 10m") {
		t.Errorf("held-back message %q does not say why", w.Message)
	}
	if len(h.starts) != 2 {
		t.Errorf("started %v, want exactly two starts of worker-daemon", h.starts)
	}

	// When the window has slid on, it is restarted again.
	h.now = h.now.Add(11 * time.Minute)
	Run(ctx, cfg, fixOptions(), h.world())
	if w = statusFile(t, h).Daemons["worker-daemon"]; w.Action != report.ActionRestarted || w.RestartsTotal != 3 {
		t.Errorf("after the window: action %s, total %d; want restarted, 3", w.Action, w.RestartsTotal)
	}
}

// A start whose program fails is recorded as failed, CRITICAL, and logged
// with its exit status.
func TestPassFailedStart(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	h := newFakeHost(t0)
	h.dieOnStart = true
	cfg := loadTestConfig(t)
	res := Run(context.Background(), cfg, fixOptions(), h.world())
	st := statusFile(t, h)
	pm, w := st.Daemons["pm-daemon"], st.Daemons["worker-daemon"]
	if pm.Action != report.ActionRestartFailed || !strings.Contains(pm.Message, "exit status 1") {
		t.Errorf("pm-daemon: %s %q, want restart_failed with the exit status", pm.Action, pm.Message)
	}
	if w.Action != report.ActionHeldBack || !strings.Contains(w.Message, "pm-daemon, which it starts after, did not come up") {
		t.Errorf("worker-daemon: %s %q, want held back behind pm-daemon", w.Action, w.Message)
	}
	if res.Code() != int(report.Critical) || len(h.starts) != 1 {
		t.Errorf("code %d, starts %v; want CRITICAL after one start", res.Code(), h.starts)
	}
}

// A plain pass that finds the lock held judges anyway and writes nothing:
// the pass holding the lock writes the status file.
func TestPassLockedPlainPassWritesNothing(t *testing.T) {
	h := newFakeHost(time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC))
	h.locked = true
	res := Run(context.Background(), loadTestConfig(t), Options{LockTimeout: time.Second}, h.world())
	if res.Err != nil || res.Status.State != report.Critical {
		t.Errorf("err %v, state %v; want a CRITICAL verdict", res.Err, res.Status)
	}
	if len(h.files) != 0 {
		t.Errorf("wrote %d files while another pass held the lock", len(h.files))
	}
	// --fix cannot judge without the lock: exit 3.
	if res := Run(context.Background(), loadTestConfig(t), fixOptions(), h.world()); !errors.Is(res.Err, restart.ErrLocked) {
		t.Errorf("--fix with the lock held: err %v, want ErrLocked", res.Err)
	}
}

// --only judges the named daemons; the others keep their last entry.
func TestPassOnlyUnknownName(t *testing.T) {
	h := newFakeHost(time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC))
	res := Run(context.Background(), loadTestConfig(t), Options{Only: []string{"nope"}}, h.world())
	if res.Err == nil || !res.Final || !strings.Contains(res.Err.Error(), `no daemon named "nope"`) {
		t.Errorf("err %v, final %v: want a final error naming the daemon", res.Err, res.Final)
	}
}

// On a /proc mounted with hidepid, a non-root pass that does not find a
// daemon cannot say it is stopped: UNKNOWN, with the way out.
func TestPassHidepidIsUnknownNotStopped(t *testing.T) {
	h := newFakeHost(time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC))
	w := h.world()
	w.Hidden = func() bool { return true }
	res := Run(context.Background(), loadTestConfig(t), Options{LockTimeout: time.Second}, w)
	pm := res.Status.Daemons["pm-daemon"]
	if res.Code() != int(report.Unknown) || pm.Status != check.Unknown || !strings.Contains(pm.Message, "hidepid") {
		t.Errorf("code %d, pm-daemon %s %q; want UNKNOWN naming hidepid", res.Code(), pm.Status, pm.Message)
	}
}

// A status file written by another config's pass is not overwritten: its
// entries and restart history would be lost.
func TestPassRefusesAnotherConfigsStatusFile(t *testing.T) {
	h := newFakeHost(time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC))
	other := `{"config": "/etc/other/cortex.toml", "daemons": {"x": {"status": "running"}}}`
	h.files["/run/cortex/status.json"] = []byte(other)
	res := Run(context.Background(), loadTestConfig(t), Options{LockTimeout: time.Second}, h.world())
	if res.Err == nil || !strings.Contains(res.Err.Error(), "belongs to the config /etc/other/cortex.toml, not to /etc/cortex/cortex.toml") {
		t.Errorf("err %v: want a refusal naming both configs", res.Err)
	}
	if got := string(h.files["/run/cortex/status.json"]); got != other {
		t.Errorf("the other config's status file was overwritten: %s", got)
	}
}

// --read-only and --dry-run write nothing: no status file, no lock.
func TestPassObserversWriteNothing(t *testing.T) {
	for _, opt := range []Options{{ReadOnly: true}, {Fix: true, DryRun: true, Timeout: time.Second}} {
		h := newFakeHost(time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC))
		locked := false
		w := h.world()
		w.Lock = func(context.Context, string, time.Duration) (func(), error) { locked = true; return func() {}, nil }
		res := Run(context.Background(), loadTestConfig(t), opt, w)
		if res.Err != nil || res.Observer == "" || len(h.files) != 0 || locked || h.log.Len() != 0 || len(h.starts) != 0 {
			t.Errorf("%+v: err %v, observer %q, %d files, locked %v, log %q, starts %v: want a judgement and nothing written",
				opt, res.Err, res.Observer, len(h.files), locked, h.log.String(), h.starts)
		}
	}
}

// An exec probe runs a command: never from a config others could have
// changed, even in a pass that runs no start command.
func TestPassUntrustedConfigRunsNoExecProbe(t *testing.T) {
	cfg, err := check.Parse([]byte(`status_file = "/run/cortex/status.json"
[[daemon]]
name = "pm-daemon"
pattern = '/srv/pm-daemon\.sh$'
[daemon.probe]
exec = ["/bin/true"]
`), "/etc/cortex/cortex.toml")
	if err != nil {
		t.Fatal(err)
	}
	// The probes' deadline is real time: so is this host's clock.
	h := newFakeHost(time.Now())
	h.procs = append(h.procs, daemonProc(10, "pm-daemon", h.now.Add(-time.Hour)))
	w := h.world()
	ran := false
	w.Probe = probe.Run
	w.ProbeExec = func(*check.Daemon) probe.ExecFunc {
		return func(context.Context, []string) ([]byte, error) { ran = true; return nil, nil }
	}
	res := Run(context.Background(), cfg, Options{ReadOnly: true, Timeout: 5 * time.Second, ConfigUntrusted: errors.New("cortex.toml is writable by others")}, w)
	if ran {
		t.Error("an exec probe ran from an untrusted config")
	}
	if p := res.Status.Daemons["pm-daemon"].Probe; p == nil || !strings.Contains(p.Error, "not run: the config is not trusted") {
		t.Errorf("probe %+v: want it not run, saying why", p)
	}
}

// The status file written before a start says what a reader must believe
// while the start is in flight: the daemon down, not an empty OK.
func TestPassRecordsTheAttemptWithItsVerdict(t *testing.T) {
	h := newFakeHost(time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC))
	h.dieOnStart = true
	w := h.world()
	var first []byte
	write := w.WriteFile
	w.WriteFile = func(path string, data []byte, perm os.FileMode) error {
		if first == nil {
			first = bytes.Clone(data)
		}
		return write(path, data, perm)
	}
	Run(context.Background(), loadTestConfig(t), fixOptions(), w)
	var st report.Status
	if err := json.Unmarshal(first, &st); err != nil {
		t.Fatal(err)
	}
	if st.State != report.Critical || st.Summary == "" || st.Daemons["pm-daemon"].Action != report.ActionRestartFailed {
		t.Errorf("the file written before the start says %v %q, pm-daemon %s: want CRITICAL, a summary, the attempt", st.State, st.Summary, st.Daemons["pm-daemon"].Action)
	}
}

// A probe's failures count once per half an interval at most: writer
// passes a moment apart (--fix --wait, a person's passes beside the
// timer's) do not turn one bad second into "failed 3 passes in a row".
func TestPassProbeCountsOncePerInterval(t *testing.T) {
	cfg, err := check.Parse([]byte(`status_file = "/run/cortex/status.json"
interval = "30s"
[[daemon]]
name = "pm-daemon"
pattern = '/srv/pm-daemon\.sh$'
[daemon.probe]
tcp = "127.0.0.1:1"
failures = 3
grace = "1ms"
`), "/etc/cortex/cortex.toml")
	if err != nil {
		t.Fatal(err)
	}
	h := newFakeHost(time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC))
	h.procs = append(h.procs, daemonProc(10, "pm-daemon", h.now.Add(-time.Hour)))
	w := h.world()
	w.Probe = func(_ context.Context, targets []probe.Target) []probe.Result {
		return []probe.Result{{Healthy: false, Err: "tcp 127.0.0.1:1: connection refused", At: h.now}}
	}
	w.ProbeExec = func(*check.Daemon) probe.ExecFunc { return nil }
	failures := func() int {
		res := Run(context.Background(), cfg, Options{Timeout: time.Hour, LockTimeout: time.Second}, w)
		return res.Status.Daemons["pm-daemon"].Probe.Failures
	}
	for i, want := range []int{1, 1, 1} { // three passes within a second
		if got := failures(); got != want {
			t.Fatalf("pass %d a moment after the last: %d failures counted, want %d", i+1, got, want)
		}
	}
	h.now = h.now.Add(16 * time.Second) // half an interval later
	if got := failures(); got != 2 {
		t.Errorf("half an interval later: %d failures counted, want 2", got)
	}
}

func TestVerbCode(t *testing.T) {
	st := func(entries map[string]*report.Daemon) *report.Status { return &report.Status{Daemons: entries} }
	running := &report.Daemon{Status: check.Running, Action: report.ActionRestarted}
	failed := &report.Daemon{Status: check.Stopped, Action: report.ActionRestartFailed}
	stopped := &report.Daemon{Status: check.Stopped}
	tests := []struct {
		name  string
		res   Result
		verb  Verb
		names []string
		want  int
	}{
		{"started, another down", Result{Status: st(map[string]*report.Daemon{"a": running, "b": stopped})}, VerbStart, []string{"a"}, 0},
		{"its start failed", Result{Status: st(map[string]*report.Daemon{"a": failed})}, VerbRestart, []string{"a"}, 2},
		{"stopped", Result{Status: st(map[string]*report.Daemon{"a": stopped, "b": failed})}, VerbStop, []string{"a"}, 0},
		{"would not stop", Result{Status: st(map[string]*report.Daemon{"a": running})}, VerbStop, []string{"a"}, 2},
		{"held, whatever it does", Result{Status: st(map[string]*report.Daemon{"a": running})}, VerbHold, []string{"a"}, 0},
		{"could not act", Result{Err: errors.New("lock held")}, VerbStart, []string{"a"}, 3},
	}
	for _, tt := range tests {
		if got := tt.res.VerbCode(tt.verb, tt.names); got != tt.want {
			t.Errorf("%s: exit %d, want %d", tt.name, got, tt.want)
		}
	}
}

// fakeUnits is a systemd host's groups for a pass: every process is in a
// unit of its own, which keeps it.
type fakeUnits struct{ unit string }

func (f fakeUnits) Members() (map[string][]int, error)        { return map[string][]int{}, nil }
func (f fakeUnits) Describe(name string) string               { return "scope cortex-" + name + ".scope" }
func (f fakeUnits) Stop(string, time.Duration) ([]int, error) { return nil, nil }
func (f fakeUnits) Prune(map[string][]int)                    {}
func (f fakeUnits) Writable() bool                            { return true }
func (f fakeUnits) Elsewhere(string, int) (string, bool)      { return f.unit, true }

// A daemon its own systemd unit keeps is "managed by" it; a person's
// systemctl stop of that unit holds it (--fix starts nothing behind the
// unit's back); a failed unit is started again.
func TestPassUnitStoppedIsAHold(t *testing.T) {
	h := newFakeHost(time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC))
	cfg := loadTestConfig(t)
	cfg.Daemons = cfg.Daemons[:1]
	state := "active"
	w := h.world()
	w.Groups = fakeUnits{unit: "pm.service"}
	w.UnitState = func(unit string) string {
		if unit != "pm.service" {
			t.Errorf("asked for the state of %s", unit)
		}
		return state
	}
	h.procs = append(h.procs, daemonProc(50, "pm-daemon", h.now))

	res := Run(context.Background(), cfg, Options{Timeout: 25 * time.Second}, w)
	if e := res.Status.Daemons["pm-daemon"]; e.Tracked != "managed by pm.service" || !e.Running() {
		t.Fatalf("pm-daemon: %s, tracked %q; want running, managed by pm.service", e.Status, e.Tracked)
	}

	h.kill("pm-daemon")
	state = "inactive"
	res = Run(context.Background(), cfg, fixOptions(), w)
	e := res.Status.Daemons["pm-daemon"]
	if e.Hold == nil || e.Hold.By != "systemd" || e.State != report.Warning || len(h.starts) != 0 {
		t.Fatalf("after systemctl stop: hold %+v, state %s, starts %v; want held by systemd, WARNING, nothing started", e.Hold, e.State, h.starts)
	}

	state = "failed"
	res = Run(context.Background(), cfg, fixOptions(), w)
	if e := res.Status.Daemons["pm-daemon"]; e.Hold != nil || len(h.starts) != 1 {
		t.Fatalf("after the unit failed: hold %+v, starts %v; want no hold and one start", e.Hold, h.starts)
	}
}

// A writer that cannot write its textfile is never a silent OK: node_exporter
// serves the old file, whose metrics all look fine. The verdict is WARNING
// with "textfile not written", the note says why and how to fix it, and the
// status file carries the same verdict.
func TestPassTextfileNotWritten(t *testing.T) {
	for _, tt := range []struct {
		name    string
		running bool
		state   report.State
		summary string
	}{
		{"all running: OK becomes WARNING", true, report.Warning, "1/1 daemons running; textfile not written"},
		{"down: stays CRITICAL, says both", false, report.Critical, "0/1 daemons running; down: pm-daemon; textfile not written"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := check.Parse([]byte(`status_file = "/run/cortex/status.json"
textfile = "/var/lib/prometheus/node-exporter/cortex.prom"
[[daemon]]
name = "pm-daemon"
pattern = '/srv/pm-daemon\.sh$'
`), "/etc/cortex/cortex.toml")
			if err != nil {
				t.Fatal(err)
			}
			h := newFakeHost(time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC))
			if tt.running {
				h.procs = append(h.procs, daemonProc(10, "pm-daemon", h.now.Add(-time.Hour)))
			}
			w := h.world()
			write := w.WriteFile
			w.WriteFile = func(path string, data []byte, perm os.FileMode) error {
				if path == cfg.Textfile {
					return errors.New("write " + path + ": its folder: /var/lib/prometheus is owned by prometheus (uid 104), not by root")
				}
				return write(path, data, perm)
			}
			res := Run(context.Background(), cfg, Options{Timeout: time.Hour, LockTimeout: time.Second}, w)
			if res.Err != nil || res.Status.State != tt.state || res.Code() != int(tt.state) || res.Status.Summary != tt.summary {
				t.Fatalf("got %v, %v %q; want %v %q", res.Err, res.Status.State, res.Status.Summary, tt.state, tt.summary)
			}
			want := "warning: textfile /var/lib/prometheus/node-exporter/cortex.prom not written (node_exporter serves the previous one): write /var/lib/prometheus/node-exporter/cortex.prom: its folder: /var/lib/prometheus is owned by prometheus (uid 104), not by root; hint: write it in a folder only this user (root for the timer) can write"
			if len(res.Notes) != 1 || !strings.HasPrefix(res.Notes[0], want) {
				t.Errorf("notes %q\nwant one starting %q", res.Notes, want)
			}
			var st report.Status
			if err := json.Unmarshal(h.files[cfg.StatusFile], &st); err != nil {
				t.Fatal(err)
			}
			if st.State != tt.state || st.Summary != tt.summary || !bytes.Equal(h.files[cfg.StatusFile], res.JSON) {
				t.Errorf("status file says %v %q; want what the pass says", st.State, st.Summary)
			}
		})
	}
}

// The finished-pass hook (events, notifications, the ping) is a writer's
// alone, once its status file is written, with the daemons as judged
// before the restart; --dry-run gets it to say what it would do; an
// observer and a plain pass that could not take the lock never do. When
// it asks, the status file is written again with what it remembered.
func TestFinishedHook(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	cfg := loadTestConfig(t)
	ctx := context.Background()
	var calls []Finished
	hooked := func(h *fakeHost) World {
		w := h.world()
		w.Finished = func(_ context.Context, f Finished) ([]string, bool) {
			calls = append(calls, f)
			f.Status.Notify = map[string]*report.Notifier{"k": {Target: "notify[1]"}}
			return []string{"hooked"}, true
		}
		return w
	}
	h := newFakeHost(t0)
	h.procs = append(h.procs, daemonProc(10, "pm-daemon", t0.Add(-time.Hour)))

	Run(ctx, cfg, Options{ReadOnly: true, LockTimeout: time.Second}, hooked(h))
	h.locked = true
	Run(ctx, cfg, Options{LockTimeout: time.Second}, hooked(h))
	h.locked = false
	if len(calls) != 0 {
		t.Fatalf("observers called the hook: %+v", calls)
	}

	opt := fixOptions()
	opt.DryRun = true
	res := Run(ctx, cfg, opt, hooked(h))
	if len(calls) != 1 || !calls[0].DryRun || res.Observer == "" || len(h.files) != 0 {
		t.Fatalf("--dry-run: calls %+v, files %v", calls, h.files)
	}

	res = Run(ctx, cfg, fixOptions(), hooked(h))
	if len(calls) != 2 || calls[1].DryRun {
		t.Fatalf("writer: calls %+v", calls)
	}
	f := calls[1]
	if f.Judged["worker-daemon"].Status != report.Stopped || f.Status.Daemons["worker-daemon"].Action != report.ActionRestarted ||
		f.Code != int(report.Warning) || f.Deadline.IsZero() {
		t.Errorf("hook got judged %v, now %v, code %d", f.Judged["worker-daemon"].Status, f.Status.Daemons["worker-daemon"].Action, f.Code)
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "hooked") || statusFile(t, h).Notify["k"] == nil {
		t.Errorf("notes %q; the status file was not written again with the hook's memory", res.Notes)
	}
}

// Without a control group, a stop signals the processes as the pass's
// snapshot saw them (start time and owner with each PID), through
// KillSame, never bare PIDs that may have been reused since.
func TestPassStopKillsWhatTheSnapshotSaw(t *testing.T) {
	h := newFakeHost(time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC))
	cfg := loadTestConfig(t)
	started := h.now.Add(-time.Hour)
	h.procs = append(h.procs, daemonProc(50, "pm-daemon", started))
	w := h.world()
	var got []check.Process
	w.Kill = func([]int, time.Duration) []int { t.Error("bare PIDs signalled"); return nil }
	w.KillSame = func(procs []check.Process, _ time.Duration) []int { got = procs; return nil }
	Run(context.Background(), cfg, Options{Only: []string{"pm-daemon"}, Act: Act{Verb: VerbStop, By: "test"}, Timeout: time.Second}, w)
	if len(got) != 1 || got[0].PID != 50 || !got[0].StartTime.Equal(started) {
		t.Fatalf("KillSame got %+v, want PID 50 as the snapshot saw it (started %s)", got, started)
	}
}

// A start still in progress at the pass's deadline is left running; the
// passes after it leave it alone while its start_timeout lasts, and once
// that has passed without it, --fix starts it again.
func TestPassStartInProgressLeftAlone(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	h := newFakeHost(t0)
	h.slowStart = true
	cfg, err := check.Parse([]byte(`status_file = "/run/cortex/status.json"
log_file = "/var/log/cortex/cortex-check.log"
start_timeout = "60s"
[[daemon]]
name = "pg"
pattern = '/srv/pg\.sh$'
start = ["/srv/pg.sh"]
`), "/etc/cortex/cortex.toml")
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Fix: true, Timeout: 2 * time.Second, LockTimeout: time.Second}
	pass := func(after time.Duration) *report.Daemon {
		t.Helper()
		h.runAfter(t, cfg, opt, after)
		return statusFile(t, h).Daemons["pg"]
	}
	e := pass(0)
	if e.Starting == nil || len(h.starts) != 1 || !strings.Contains(e.Message, "not verified: still starting") {
		t.Fatalf("first pass: starting %v, starts %v, %q", e.Starting, h.starts, e.Message)
	}
	e = pass(30 * time.Second)
	if len(h.starts) != 1 || e.Starting == nil || !strings.HasPrefix(e.Message, "still starting: a pass started it at ") {
		t.Fatalf("inside start_timeout: starts %v, starting %v, %q", h.starts, e.Starting, e.Message)
	}
	e = pass(40 * time.Second)
	if len(h.starts) != 2 {
		t.Fatalf("after start_timeout: starts %v, want a second start; %q", h.starts, e.Message)
	}
}
