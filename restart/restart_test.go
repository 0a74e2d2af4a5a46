package restart

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cortex/cortex-check/check"
)

var t0 = time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)

func TestFlapGuard(t *testing.T) {
	window := 10 * time.Minute
	at := func(ago ...time.Duration) []time.Time {
		var out []time.Time
		for _, a := range ago {
			out = append(out, t0.Add(-a))
		}
		return out
	}
	tests := []struct {
		name    string
		history []time.Time
		max     int
		recent  int
		allowed bool
	}{
		{"no history", nil, 5, 0, true},
		{"four recent of five", at(9*time.Minute, 5*time.Minute, time.Minute, time.Second), 5, 4, true},
		{"five recent: the sixth is held back", at(9*time.Minute, 7*time.Minute, 5*time.Minute, time.Minute, time.Second), 5, 5, false},
		{"the window slides on", at(11*time.Minute, 10*time.Minute, 5*time.Minute, time.Minute, time.Second), 5, 3, true},
		{"max one", at(time.Second), 1, 1, false},
		{"the clock was set back a year: those attempts are dropped", at(-365*24*time.Hour, -366*24*time.Hour), 2, 0, true},
		{"a little skew is kept", at(-time.Minute), 1, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recent, allowed := FlapGuard(tt.history, t0, tt.max, window)
			if len(recent) != tt.recent || allowed != tt.allowed {
				t.Errorf("got %d recent, allowed %v; want %d, %v", len(recent), allowed, tt.recent, tt.allowed)
			}
		})
	}
}

// fakeHost is a process table and a starter in one: a started daemon shows
// up in the table at the next poll, unless told to fail.
type fakeHost struct {
	mu      sync.Mutex
	now     time.Time
	procs   []check.Process
	nextPID int
	started []string
	// behaviour per daemon name
	exitErr  map[string]error // the start program exits with this error
	startErr map[string]error // the start program cannot be started
	silent   map[string]bool  // it runs but never matches
	// runsAnyway: the daemon appears even though its start program failed
	runsAnyway map[string]bool
	// diesSoon: the daemon appears, then exits at the next poll (a server
	// that cannot bind its port)
	diesSoon map[string]bool
	killed   []int
	proc     map[string]*fakeProc // the last start of each
}

type fakeProc struct {
	pid     int
	exited  chan struct{}
	err     error
	stopped bool
}

func (p *fakeProc) PID() int                { return p.pid }
func (p *fakeProc) Exited() <-chan struct{} { return p.exited }
func (p *fakeProc) ExitErr() error          { return p.err }
func (p *fakeProc) LogTail() (string, string, bool) {
	return "last words", "/var/log/cortex/x.log", true
}
func (p *fakeProc) Stop(time.Duration) { p.stopped = true }

func (h *fakeHost) start(d *check.Daemon) (Process, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.started = append(h.started, d.Name)
	if err := h.startErr[d.Name]; err != nil {
		return nil, err
	}
	h.nextPID++
	p := &fakeProc{pid: h.nextPID, exited: make(chan struct{})}
	if h.proc == nil {
		h.proc = map[string]*fakeProc{}
	}
	h.proc[d.Name] = p
	if err := h.exitErr[d.Name]; err != nil {
		p.err = err
		close(p.exited)
		if !h.runsAnyway[d.Name] {
			return p, nil
		}
	}
	cmd := "/bin/bash /srv/" + d.Name + ".sh"
	if h.silent[d.Name] {
		cmd = "/bin/bash /srv/something-else.sh"
	}
	h.procs = append(h.procs, check.Process{PID: p.pid, PPID: 1, Name: "bash", Args: strings.Fields(cmd), Cmdline: cmd, State: 'S', StartTime: h.now})
	return p, nil
}

func (h *fakeHost) snapshot() (*check.Snapshot, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	snap := check.NewSnapshot(slices.Clone(h.procs), 999999, nil)
	// What dies soon is seen by this poll and gone by the next.
	h.procs = slices.DeleteFunc(h.procs, func(p check.Process) bool {
		return h.diesSoon[strings.TrimSuffix(strings.TrimPrefix(p.Cmdline, "/bin/bash /srv/"), ".sh")]
	})
	return snap, nil
}

func (h *fakeHost) kill(pids []int, _ time.Duration) []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.killed = append(h.killed, pids...)
	return nil
}

// clock advances by a poll each time it is read after Run starts polling,
// so start_timeout passes without real waiting.
func (h *fakeHost) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.now = h.now.Add(100 * time.Millisecond)
	return h.now
}

func config(t *testing.T, toml string) *check.Config {
	t.Helper()
	cfg, err := check.Parse([]byte(toml), "/srv/cortex.toml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestRun(t *testing.T) {
	const cfgText = `
start_timeout = "2s"
max_restarts = 2
[[daemon]]
name = "worker"
pattern = '/srv/worker\.sh'
start = ["/srv/worker.sh"]
after = ["coordinator"]
[[daemon]]
name = "coordinator"
pattern = '/srv/coordinator\.sh'
start = ["/srv/coordinator.sh"]
after = ["pm"]
[[daemon]]
name = "pm"
pattern = '/srv/pm\.sh'
start = ["/srv/pm.sh"]
`
	tests := []struct {
		name    string
		host    fakeHost
		history map[string][]time.Time
		running map[string]bool
		down    []string
		force   bool
		dryRun  bool
		orphans []int             // of the first daemon down
		want    map[string]Action // name -> action
		message map[string]string // name -> part of the message
		started []string          // in order
	}{
		{
			name: "dependencies first, all restarted",
			down: []string{"worker", "coordinator", "pm"},
			want: map[string]Action{"worker": Restarted, "coordinator": Restarted, "pm": Restarted},
			// pm has no pending dependency, so it starts first; the rest follow the chain.
			started: []string{"pm", "coordinator", "worker"},
		},
		{
			name: "a failed dependency holds its dependents back",
			host: fakeHost{exitErr: map[string]error{"pm": errors.New("exit status 1")}},
			down: []string{"worker", "coordinator", "pm"},
			want: map[string]Action{"pm": RestartFailed, "coordinator": HeldBack, "worker": HeldBack},
			message: map[string]string{
				"pm":          "failed to start: exit status 1; its log ends: last words",
				"coordinator": "not restarted: pm, which it starts after, did not come up (failed to start: exit status 1",
				"worker":      "not restarted: coordinator, which it starts after, did not come up (not restarted: pm",
			},
			started: []string{"pm"},
		},
		{
			name:    "a dependency down and not restartable here holds back",
			down:    []string{"coordinator"},
			running: map[string]bool{"pm": false},
			want:    map[string]Action{"coordinator": HeldBack},
			message: map[string]string{"coordinator": "not restarted: pm, which it starts after, is not running"},
		},
		{
			name:    "a running dependency lets it start",
			down:    []string{"coordinator"},
			running: map[string]bool{"pm": true},
			want:    map[string]Action{"coordinator": Restarted},
			started: []string{"coordinator"},
		},
		{
			name:    "flap guard holds back the third attempt",
			down:    []string{"pm"},
			history: map[string][]time.Time{"pm": {t0.Add(-time.Minute), t0.Add(-30 * time.Second)}},
			want:    map[string]Action{"pm": HeldBack},
			message: map[string]string{"pm": "restarts held back: 2 in 10m"},
		},
		{
			name:    "force lifts the flap guard",
			down:    []string{"pm"},
			history: map[string][]time.Time{"pm": {t0.Add(-time.Minute), t0.Add(-30 * time.Second)}},
			force:   true,
			want:    map[string]Action{"pm": Restarted},
			started: []string{"pm"},
		},
		{
			name:    "a start that cannot be started fails, others go on",
			host:    fakeHost{startErr: map[string]error{"pm": errors.New("start program /srv/pm.sh does not exist")}},
			down:    []string{"pm", "coordinator"},
			running: map[string]bool{},
			want:    map[string]Action{"pm": RestartFailed, "coordinator": HeldBack},
			message: map[string]string{"pm": "failed to start: start program /srv/pm.sh does not exist"},
			started: []string{"pm"},
		},
		{
			name:    "running but never matched fails after start_timeout",
			host:    fakeHost{silent: map[string]bool{"pm": true}},
			down:    []string{"pm"},
			want:    map[string]Action{"pm": RestartFailed},
			message: map[string]string{"pm": "ran for start_timeout 2s but pattern '/srv/pm\\.sh' never matched it; PID 101 stopped"},
			started: []string{"pm"},
		},
		{
			name:    "dry run holds back what a real pass would",
			down:    []string{"worker", "coordinator", "pm"},
			history: map[string][]time.Time{"pm": {t0.Add(-time.Minute), t0.Add(-30 * time.Second)}},
			dryRun:  true,
			want:    map[string]Action{"worker": HeldBack, "coordinator": HeldBack, "pm": HeldBack},
			message: map[string]string{"coordinator": "not restarted: pm, which it starts after, did not come up (restarts held back"},
		},
		{
			name:    "a wrapper that exits 1 after launching the daemon: restarted, and said",
			host:    fakeHost{exitErr: map[string]error{"pm": errors.New("exit status 1")}, runsAnyway: map[string]bool{"pm": true}},
			down:    []string{"pm"},
			want:    map[string]Action{"pm": Restarted},
			message: map[string]string{"pm": "; its start program exited with exit status 1"},
			started: []string{"pm"},
		},
		{
			name:    "seen once, then gone before start_secs: failed, not restarted",
			host:    fakeHost{diesSoon: map[string]bool{"pm": true}},
			down:    []string{"pm"},
			want:    map[string]Action{"pm": RestartFailed},
			message: map[string]string{"pm": "failed to start: it ran for 100ms, then exited before start_secs 1s; its log ends: last words"},
			started: []string{"pm"},
		},
		{
			name:    "orphans of a dead main process are stopped before the start",
			down:    []string{"pm"},
			orphans: []int{41, 42},
			want:    map[string]Action{"pm": Restarted},
			started: []string{"pm"},
		},
		{
			name:    "dry run starts nothing",
			down:    []string{"worker", "coordinator", "pm"},
			dryRun:  true,
			want:    map[string]Action{"worker": WouldRestart, "coordinator": WouldRestart, "pm": WouldRestart},
			message: map[string]string{"pm": "would restart: /srv/pm.sh"},
		},
	}
	for i := range tests {
		tt := &tests[i]
		t.Run(tt.name, func(t *testing.T) {
			cfg := config(t, cfgText)
			h := &tt.host
			h.now, h.nextPID = t0, 100
			var logged []string
			r := Runner{
				Now: h.clock, Snapshot: h.snapshot, Start: h.start, Kill: h.kill,
				Log:  func(s string) { logged = append(logged, s) },
				Poll: time.Millisecond, Deadline: t0.Add(time.Minute),
				Force: tt.force, DryRun: tt.dryRun,
			}
			var down []Down
			for _, name := range tt.down {
				d, _ := cfg.Daemon(name)
				down = append(down, Down{Daemon: d, History: tt.history[name]})
			}
			if len(down) > 0 {
				down[0].Orphans = tt.orphans
			}
			out := r.Run(context.Background(), down, tt.running)
			for _, o := range out {
				if o.Action != tt.want[o.Name] {
					t.Errorf("%s: action %s, want %s (%s)", o.Name, o.Action, tt.want[o.Name], o.Message)
				}
				if m := tt.message[o.Name]; !strings.Contains(o.Message, m) {
					t.Errorf("%s: message %q does not contain %q", o.Name, o.Message, m)
				}
				if o.Action == Restarted && (!o.Found.Running() || o.Found.PID == 0) {
					t.Errorf("%s: restarted without the daemon found: %+v", o.Name, o.Found)
				}
				if o.Attempted != slices.Contains(h.started, o.Name) {
					t.Errorf("%s: attempted %v, but started %v", o.Name, o.Attempted, h.started)
				}
			}
			if !slices.Equal(h.started, tt.started) {
				t.Errorf("started %v, want %v", h.started, tt.started)
			}
			attempts := 0
			for _, l := range logged {
				if strings.Contains(l, ": Attempting restart: ") {
					attempts++
				}
			}
			if attempts != len(tt.started) {
				t.Errorf("%d 'Attempting restart' lines for %d starts: %q", attempts, len(tt.started), logged)
			}
			if !slices.Equal(h.killed, tt.orphans) {
				t.Errorf("killed %v, want the orphans %v", h.killed, tt.orphans)
			}
			if len(tt.orphans) > 0 && !slices.ContainsFunc(logged, func(l string) bool {
				return strings.Contains(l, "Stopping orphaned processes of its dead main process: PIDs 41, 42")
			}) {
				t.Errorf("the orphans' stop is not logged: %q", logged)
			}
			if tt.dryRun && len(logged) > 0 {
				t.Errorf("a dry run logged %q", logged)
			}
		})
	}
}

// A start still in progress at the pass's deadline (its start_timeout
// reaches past it) is left running for the next pass to judge, never
// killed for the pass's sake; a start that failed on its own is stopped
// as at any time.
func TestRunAtThePassDeadline(t *testing.T) {
	const daemon = "[[daemon]]\nname = \"pm\"\npattern = '/srv/pm\\.sh'\nstart = [\"/srv/pm.sh\"]\n"
	tests := []struct {
		name    string
		config  string
		host    fakeHost
		ready   func(*check.Daemon) (bool, string)
		stopped bool
		message string
	}{
		{"nothing matches yet: left running", "start_timeout = \"1h\"\n" + daemon, fakeHost{silent: map[string]bool{"pm": true}}, nil, false,
			"not verified: still starting when the pass's --timeout ran out, 2.8s after its start (start_timeout 1h): PID 101 runs, and nothing matches pattern '/srv/pm\\.sh' yet; left running for the next pass to judge"},
		{"it runs, its probe not passing yet: left running", "start_timeout = \"1h\"\n" + daemon + "[daemon.probe]\ntcp = \"127.0.0.1:5432\"\n", fakeHost{},
			func(*check.Daemon) (bool, string) { return false, "tcp 127.0.0.1:5432: connection refused" }, false,
			"still starting when the pass's --timeout ran out, 2.8s after its start (start_timeout 1h): PID 101 runs, but its probe has not passed yet: tcp 127.0.0.1:5432: connection refused; left running"},
		{"it runs, not yet for start_secs: left running", "start_secs = \"1h\"\n" + daemon, fakeHost{}, nil, false,
			"still starting when the pass's --timeout ran out, 2.8s after its start (start_timeout 5s): PID 101 runs, not yet for start_secs 1h; left running"},
		{"its start program failed: stopped", "start_timeout = \"1h\"\n" + daemon, fakeHost{exitErr: map[string]error{"pm": errors.New("exit status 1")}}, nil, true,
			"failed to start: exit status 1"},
		{"it ran, then died, its start program still waiting: stopped", "start_timeout = \"1h\"\n" + daemon, fakeHost{diesSoon: map[string]bool{"pm": true}}, nil, true,
			"failed to start: it ran for 100ms, then exited before start_secs 1s"},
		{"its own start_timeout came first: stopped", "start_timeout = \"1s\"\n" + daemon, fakeHost{silent: map[string]bool{"pm": true}}, nil, true,
			"failed to start: PID 101 ran for start_timeout 1s but pattern '/srv/pm\\.sh' never matched it; PID 101 stopped"},
	}
	for i := range tests {
		tt := &tests[i]
		t.Run(tt.name, func(t *testing.T) {
			d, _ := config(t, tt.config).Daemon("pm")
			h := &tt.host
			h.now, h.nextPID = t0, 100
			holder := false
			r := Runner{Now: h.clock, Snapshot: h.snapshot, Start: h.start, Log: func(string) {}, Ready: tt.ready,
				Holder: func(*check.Daemon) string { holder = true; return "" },
				Poll:   time.Millisecond, Deadline: t0.Add(3 * time.Second)}
			o := r.Run(context.Background(), []Down{{Daemon: d}}, nil)[0]
			p := h.proc["pm"]
			if o.Action != RestartFailed || !strings.Contains(o.Message, tt.message) {
				t.Errorf("got %s %q, want %s %q", o.Action, o.Message, RestartFailed, tt.message)
			}
			if p.stopped != tt.stopped {
				t.Errorf("stopped %v, want %v", p.stopped, tt.stopped)
			}
			if !tt.stopped && holder {
				t.Errorf("the holder of its port was asked for a start left running: it holds its own port")
			}
			if !o.Attempted {
				t.Errorf("the start left running is not counted as an attempt")
			}
		})
	}
}

// A running but unhealthy instance is stopped only for a start that can
// run, and no second copy starts beside processes that would not die.
func TestRunReplaceGuards(t *testing.T) {
	cfg := config(t, "[[daemon]]\nname = \"pm\"\npattern = '/srv/pm\\.sh'\nstart = [\"/srv/pm.sh\"]\n")
	d, _ := cfg.Daemon("pm")
	for _, tt := range []struct {
		name    string
		check   error
		left    []int
		action  Action
		message string
		killed  bool
	}{
		{"its start would fail: left running, nothing stopped", errors.New("refused: /srv/pm.sh is writable by group"), nil, HeldBack, "left running as it is: its start would fail: refused", false},
		{"its old processes would not die: no second copy", nil, []int{41}, RestartFailed, "PIDs 41 of the old instance would not exit", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := &fakeHost{now: t0, nextPID: 100}
			killed := false
			r := Runner{Now: h.clock, Snapshot: h.snapshot, Start: h.start, Log: func(string) {},
				Kill:  func([]int, time.Duration) []int { killed = true; return tt.left },
				Check: func(*check.Daemon) error { return tt.check },
				Poll:  time.Millisecond, Deadline: t0.Add(time.Minute)}
			out := r.Run(context.Background(), []Down{{Daemon: d, Replace: []int{41}, Reason: "unhealthy (tcp: refused)"}}, nil)
			if out[0].Action != tt.action || !strings.Contains(out[0].Message, tt.message) || killed != tt.killed || len(h.started) != 0 {
				t.Errorf("got %s %q, killed %v, started %v; want %s %q, killed %v, nothing started",
					out[0].Action, out[0].Message, killed, h.started, tt.action, tt.message, tt.killed)
			}
			if out[0].Healed != "" {
				t.Errorf("the old instance was not stopped, yet the outcome says healed: %q", out[0].Healed)
			}
		})
	}
}

// A heal whose old instance was stopped and whose start then failed says
// why it was stopped: the daemon is down now.
func TestRunHealedStartFails(t *testing.T) {
	cfg := config(t, "[[daemon]]\nname = \"pm\"\npattern = '/srv/pm\\.sh'\nstart = [\"/srv/pm.sh\"]\n")
	d, _ := cfg.Daemon("pm")
	h := &fakeHost{now: t0, nextPID: 100}
	r := Runner{Now: h.clock, Snapshot: h.snapshot, Log: func(string) {},
		Start: func(*check.Daemon) (Process, error) { return nil, errors.New("exec: permission denied") },
		Kill:  func([]int, time.Duration) []int { return nil },
		Poll:  time.Millisecond, Deadline: t0.Add(time.Minute)}
	out := r.Run(context.Background(), []Down{{Daemon: d, Replace: []int{41}, Reason: "unhealthy (tcp: refused)"}}, nil)
	if out[0].Action != RestartFailed || out[0].Healed != "unhealthy (tcp: refused)" || !strings.Contains(out[0].Message, "failed to start: exec: permission denied") {
		t.Errorf("got %s %q, healed %q; want a failed start after the heal of unhealthy (tcp: refused)", out[0].Action, out[0].Message, out[0].Healed)
	}
}
