package restart

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cortex/cortex-check/check"
)

// A wrong probe is not a dead daemon: a new instance that runs and holds
// start_secs but never passes its probe is left running, unhealthy; when
// the old instance's probe failed the same way, the probe is suspect.
func TestRunUnready(t *testing.T) {
	cfg := config(t, "start_timeout = \"2s\"\n[[daemon]]\nname = \"mc\"\npattern = '/srv/mc\\.sh'\nstart = [\"/srv/mc.sh\"]\n[daemon.probe]\ntcp = \"127.0.0.1:11212\"\nfailures = 3\n")
	d, _ := cfg.Daemon("mc")
	for _, tt := range []struct {
		name     string
		probeErr string // the old instance's, "" for a first start
		now      string // the new instance's
		action   Action
		message  string
		suspect  bool
	}{
		{"a first start: left running", "", "tcp 127.0.0.1:11212: connection refused", RestartFailed,
			"failed to start: PID 101 runs (held start_secs 1s) but its probe did not pass within start_timeout 2s: tcp 127.0.0.1:11212: connection refused; left running, unhealthy", false},
		{"a heal, failing another way: left running", "tcp 127.0.0.1:11212: timed out after 2s", "tcp 127.0.0.1:11212: connection refused", RestartFailed,
			"left running, unhealthy", false},
		{"a heal, failing the same way: probe suspect", "tcp 127.0.0.1:11212: connection refused", "tcp 127.0.0.1:11212: connection refused", HeldBack,
			"probe suspect: tcp 127.0.0.1:11212 failed the same way against the old instance and the new one, PID 101, which runs and is left running", true},
		{"numbers aside, the same way", "exec x: exit status 1: last touched 31s ago", "exec x: exit status 1: last touched 2s ago", HeldBack,
			"probe suspect", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := &fakeHost{now: t0, nextPID: 100}
			var logged []string
			r := Runner{Now: h.clock, Snapshot: h.snapshot, Start: h.start, Kill: h.kill, Log: func(s string) { logged = append(logged, s) },
				Ready:  func(*check.Daemon) (bool, string) { return false, tt.now },
				Holder: func(*check.Daemon) string { return "127.0.0.1:11212 is held by PID 7 memcached" },
				Poll:   time.Millisecond, Deadline: t0.Add(time.Minute)}
			down := Down{Daemon: d, ProbeErr: tt.probeErr}
			if tt.probeErr != "" {
				down.Replace, down.Reason = []int{41}, "unhealthy ("+tt.probeErr+")"
			}
			o := r.Run(context.Background(), []Down{down}, nil)[0]
			if o.Action != tt.action || !strings.Contains(o.Message, tt.message) || o.ProbeSuspect != tt.suspect || !o.Unready || o.ProbeFailures != 3 {
				t.Errorf("got %s %q suspect %v unready %v; want %s %q suspect %v", o.Action, o.Message, o.ProbeSuspect, o.Unready, tt.action, tt.message, tt.suspect)
			}
			if !o.Found.Running() || o.Found.PID != 101 {
				t.Errorf("the instance left running is not the outcome's: %+v", o.Found)
			}
			if strings.Contains(o.Message, "held by") {
				t.Errorf("an instance left running holds its own port: no holder to name: %q", o.Message)
			}
			for _, l := range logged {
				if strings.Contains(l, "Stopping PIDs 101") {
					t.Errorf("the new instance was stopped: %q", logged)
				}
			}
		})
	}
}

// A failed start names the process that holds the daemon's address, in
// its message and so in the restart log.
func TestRunFailedStartNamesHolder(t *testing.T) {
	cfg := config(t, "[[daemon]]\nname = \"redis\"\npattern = '/srv/redis\\.sh'\nstart = [\"/srv/redis.sh\"]\nport = 6379\n")
	d, _ := cfg.Daemon("redis")
	h := &fakeHost{now: t0, nextPID: 100, diesSoon: map[string]bool{"redis": true}}
	var logged []string
	r := Runner{Now: h.clock, Snapshot: h.snapshot, Start: h.start, Kill: h.kill, Log: func(s string) { logged = append(logged, s) },
		Holder: func(*check.Daemon) string {
			return "127.0.0.1:6379 is held by PID 811 redis-server (user redis), started 2h ago"
		},
		Poll: time.Millisecond, Deadline: t0.Add(time.Minute)}
	o := r.Run(context.Background(), []Down{{Daemon: d}}, nil)[0]
	want := "failed to start: 127.0.0.1:6379 is held by PID 811 redis-server (user redis), started 2h ago; it ran for 100ms"
	if o.Action != RestartFailed || !strings.HasPrefix(o.Message, want) {
		t.Errorf("got %s %q, want a message starting %q", o.Action, o.Message, want)
	}
	if !strings.HasPrefix(logged[len(logged)-1], "redis: "+want) {
		t.Errorf("the restart log's last line is %q", logged[len(logged)-1])
	}
}

func TestSameFailure(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		same bool
	}{
		{"tcp 127.0.0.1:6379: connection refused", "tcp 127.0.0.1:6379: connection refused", true},
		{"heartbeat run/w.beat: last touched 95s ago, max_age 1m30s", "heartbeat run/w.beat: last touched 2m5s ago, max_age 1m30s", true},
		{"tcp 127.0.0.1:6379: connection refused", "tcp 127.0.0.1:6379: timed out after 2s", false},
		{"http http://127.0.0.1:8080/: 503 Service Unavailable", "http http://127.0.0.1:8080/: 500 Internal Server Error", false},
	} {
		if got := SameFailure(tt.a, tt.b); got != tt.same {
			t.Errorf("SameFailure(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}
