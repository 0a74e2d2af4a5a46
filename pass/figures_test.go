package pass

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/report"
)

// A figure over its limit counts like a probe failure: by writers only, at
// most once per half an interval; at for passes it is WARNING, and with
// on_limit = "restart" --fix heals it, logged with the figure and limit.
//
// One story, pass after pass, each checked where it happens: split into
// helpers, the count's progress would be spread out of sight.
//
//gocyclo:ignore
func TestLimitsCountLikeProbeFailures(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	h := newFakeHost(t0)
	big := daemonProc(10, "pm-daemon", t0.Add(-time.Hour))
	big.RSS, big.CPUTicks = 612<<20, 100
	h.procs = append(h.procs, big)
	cfg, err := check.Parse([]byte(`status_file = "/run/cortex/status.json"
log_file = "/var/log/cortex/cortex-check.log"
interval = "30s"
[[daemon]]
name = "pm-daemon"
pattern = '/srv/pm-daemon\.sh$'
start = ["/srv/pm-daemon.sh"]
max_memory = "512MiB"
for = 2
on_limit = "restart"
`), "/etc/cortex/cortex.toml")
	if err != nil {
		t.Fatal(err)
	}
	pass := func(opt Options, after time.Duration) *report.Daemon {
		t.Helper()
		opt.LockTimeout, opt.Timeout = time.Second, 25*time.Second
		return h.runAfter(t, cfg, opt, after).Status.Daemons["pm-daemon"]
	}
	e := pass(Options{}, 0)
	if e.State != report.OK || !strings.Contains(e.Message, "memory 612MiB over max_memory 512MiB (1 of 2 passes before it counts)") {
		t.Fatalf("first pass: %s %q", e.State, e.Message)
	}
	if e.Figures == nil || e.Figures.MemoryBytes != 612<<20 || e.Figures.CPUSecondsTotal != 1 || e.Figures.CPUPercent != nil {
		t.Fatalf("figures: %+v", e.Figures)
	}
	// A second writer pass a moment later does not count; an observer never
	// does. Its CPU: half a second used in the 1.25s since the last
	// writer's reading (each read of the fake table moves its clock 250ms).
	h.procs[1].CPUTicks = 150
	e = pass(Options{}, time.Second)
	if !strings.Contains(e.Message, "(1 of 2 passes") {
		t.Errorf("a pass 1s later counted: %q", e.Message)
	}
	if p := e.Figures.CPUPercent; p == nil || *p < 39.99 || *p > 40.01 || e.Figures.CPUSecondsTotal != 1.5 {
		t.Errorf("cpu: %v%%, total %v; want 40%%, 1.5s", p, e.Figures.CPUSecondsTotal)
	}
	if e := pass(Options{ReadOnly: true}, 20*time.Second); !strings.Contains(e.Message, "(1 of 2 passes") {
		t.Errorf("an observer counted: %q", e.Message)
	}
	// Half an interval on, a writer counts: WARNING, and what --fix will do.
	e = pass(Options{}, 0)
	if e.State != report.Warning || !strings.Contains(e.Message, `memory 612MiB over max_memory 512MiB for 2 passes (on_limit = "restart": cortex-check --fix restarts it)`) ||
		len(h.starts) != 0 {
		t.Fatalf("at its limit: %s %q, starts %v", e.State, e.Message, h.starts)
	}
	e = pass(Options{Fix: true}, 15*time.Second)
	if e.Action != report.ActionRestarted || len(h.starts) != 1 {
		t.Fatalf("--fix: %s %q, starts %v", e.Action, e.Message, h.starts)
	}
	if !strings.Contains(h.log.String(), "pm-daemon: Attempting restart: /srv/pm-daemon.sh (memory 612MiB over max_memory 512MiB for 3 passes)") {
		t.Errorf("restart log:\n%s", h.log.String())
	}
}

// One stale daemon a pass: two daemons whose file changed are restarted
// one pass after the other.
func TestStaleOneAPass(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	h := newFakeHost(t0)
	h.procs = append(h.procs, daemonProc(10, "pm-daemon", t0.Add(-time.Hour)), daemonProc(11, "worker-daemon", t0.Add(-time.Hour)))
	cfg, err := check.Parse([]byte(`status_file = "/run/cortex/status.json"
log_file = "/var/log/cortex/cortex-check.log"
[[daemon]]
name = "pm-daemon"
pattern = '/srv/pm-daemon\.sh$'
start = ["/srv/pm-daemon.sh"]
restart_on_change = ["/etc/app.conf"]
on_change = "restart"
[[daemon]]
name = "worker-daemon"
pattern = '/srv/worker-daemon\.sh$'
start = ["/srv/worker-daemon.sh"]
restart_on_change = ["/etc/app.conf"]
on_change = "restart"
`), "/etc/cortex/cortex.toml")
	if err != nil {
		t.Fatal(err)
	}
	w := h.world()
	w.Meters.ModTime = func(string) (time.Time, error) { return t0.Add(-5 * time.Minute), nil }
	res := Run(context.Background(), cfg, fixOptions(), w)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	e := res.Status.Daemons["worker-daemon"]
	if len(h.starts) != 1 || h.starts[0] != "pm-daemon" || e.State != report.Warning ||
		!strings.Contains(e.Message, "stale: /etc/app.conf changed 55m after it started") || !strings.Contains(e.Message, "not restarted this pass: one stale daemon a pass") {
		t.Fatalf("starts %v; worker-daemon %s %q", h.starts, e.State, e.Message)
	}
}

func TestAddressAndHolders(t *testing.T) {
	for _, tt := range []struct{ toml, shown string }{
		{"[daemon.probe]\ntcp = \"127.0.0.1:6379\"", "127.0.0.1:6379"},
		{"[daemon.probe]\ntcp = \"localhost:6379\"", "127.0.0.1:6379"},
		{"[daemon.probe]\nhttp = \"http://[::1]:8080/health\"", "[::1]:8080"},
		{"[daemon.probe]\nhttp = \"https://api.internal/health\"", "port 443"},
		{"port = 11211", "port 11211"},
		{"port = 11211\n[daemon.probe]\ntcp = \"127.0.0.1:11212\"", "127.0.0.1:11212"}, // the probe's address wins
		{"[daemon.probe]\nexec = [\"true\"]", ""},
	} {
		cfg, err := check.Parse([]byte("[[daemon]]\nname = \"d\"\n"+tt.toml+"\n"), "/srv/cortex.toml")
		if err != nil {
			t.Fatal(err)
		}
		_, shown, ok := Address(&cfg.Daemons[0])
		if shown != tt.shown || ok != (tt.shown != "") {
			t.Errorf("%s: %q %v, want %q", tt.toml, shown, ok, tt.shown)
		}
	}
	now := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	want, _, _ := Address(&check.Daemon{Port: 6379})
	hs := []check.Holder{
		{Listen: netip.MustParseAddrPort("127.0.0.1:6379"), PID: 811, Name: "redis-server", UID: 106, Started: now.Add(-2 * time.Hour)},
		{Listen: netip.MustParseAddrPort("127.0.0.1:6379"), PID: 812, Name: "redis-server", UID: 106, Started: now.Add(-time.Hour)},
	}
	got := DescribeHolders("port 6379", want, hs, now, func(int) string { return "redis" })
	if got != "127.0.0.1:6379 is held by PID 811 redis-server (user redis), started 2h ago, and 1 more (PIDs 812)" {
		t.Errorf("got %q", got)
	}
	got = DescribeHolders("127.0.0.1:6379", netip.MustParseAddrPort("127.0.0.1:6379"), hs[:1], now, nil)
	if got != "127.0.0.1:6379 is held by PID 811 redis-server (user uid 106), started 2h ago" {
		t.Errorf("got %q", got)
	}
}
