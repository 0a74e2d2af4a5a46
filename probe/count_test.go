package probe

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

func TestNext(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 3, 12, 9, 0, time.UTC)
	t1 := t0.Add(30 * time.Second)
	ok := Result{Healthy: true, At: t1}
	bad := Result{Err: "tcp 127.0.0.1:6379: connection refused", At: t1}
	none := Count{}
	failing := func(n int) Count { return Count{Failures: n, Since: t0} }
	tests := []struct {
		name    string
		prev    Count
		r       Result
		grace   bool
		writer  bool
		limit   int
		want    Count
		verdict Verdict
	}{
		// A writer counts.
		{"first failure", none, bad, false, true, 3, Count{1, t1}, Failing},
		{"below limit", failing(1), bad, false, true, 3, failing(2), Failing},
		{"reaches limit", failing(2), bad, false, true, 3, failing(3), Unhealthy},
		{"above limit", failing(3), bad, false, true, 3, failing(4), Unhealthy},
		{"limit 1", none, bad, false, true, 1, Count{1, t1}, Unhealthy},
		{"limit 0 is the default 3", failing(2), bad, false, true, 0, failing(3), Unhealthy},
		{"limit 0 below default", failing(1), bad, false, true, 0, failing(2), Failing},
		{"success resets", failing(2), ok, false, true, 3, none, Healthy},
		{"success resets unhealthy", failing(7), ok, false, true, 3, none, Healthy},
		{"healthy stays", none, ok, false, true, 3, none, Healthy},

		// Inside grace failures do not count, and an old count goes.
		{"grace failure", none, bad, true, true, 3, none, Starting},
		{"grace clears old count", failing(5), bad, true, true, 3, none, Starting},
		{"grace success", failing(1), ok, true, true, 3, none, Healthy},

		// An observer leaves the count alone and reports what it sees.
		{"observer failure", failing(1), bad, false, false, 3, failing(1), Failing},
		{"observer would reach limit", failing(2), bad, false, false, 3, failing(2), Failing},
		{"observer at limit", failing(3), bad, false, false, 3, failing(3), Unhealthy},
		{"observer above limit", failing(4), bad, false, false, 3, failing(4), Unhealthy},
		{"observer success", failing(4), ok, false, false, 3, failing(4), Healthy},
		{"observer first failure", none, bad, false, false, 1, none, Failing},
		{"observer in grace", failing(4), bad, true, false, 3, failing(4), Starting},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, v := Next(tt.prev, tt.r, tt.grace, tt.writer, tt.limit)
			if got != tt.want || v != tt.verdict {
				t.Errorf("Next(%+v) = %+v, %s; want %+v, %s", tt.prev, got, v, tt.want, tt.verdict)
			}
		})
	}
}

// TestNextPasses runs a daemon through a run of writer passes.
func TestNextPasses(t *testing.T) {
	passes := []struct {
		healthy bool
		grace   bool
		want    Verdict
	}{
		{false, true, Starting}, {false, true, Starting}, // coming up
		{true, false, Healthy},
		{false, false, Failing}, {false, false, Failing}, {true, false, Healthy}, // a blip
		{false, false, Failing}, {false, false, Failing}, {false, false, Unhealthy}, {false, false, Unhealthy},
		{true, false, Healthy},
	}
	var c Count
	at := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	var got []Verdict
	for i, p := range passes {
		var v Verdict
		c, v = Next(c, Result{Healthy: p.healthy, At: at.Add(time.Duration(i) * 30 * time.Second)}, p.grace, true, 3)
		got = append(got, v)
		if v != p.want {
			t.Errorf("pass %d: %s, want %s (verdicts so far %v)", i, v, p.want, got)
		}
	}
	if c != (Count{}) {
		t.Errorf("count after a success = %+v", c)
	}
}

func TestNextSince(t *testing.T) {
	at := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	var c Count
	for i := range 4 {
		c, _ = Next(c, Result{At: at.Add(time.Duration(i) * 30 * time.Second)}, false, true, 3)
	}
	if c.Failures != 4 || !c.Since.Equal(at) {
		t.Errorf("count = %+v, want 4 failures since the first, %v", c, at)
	}
}

func TestCountJSON(t *testing.T) {
	b, _ := json.Marshal(Count{})
	if string(b) != `{"failures":0}` {
		t.Errorf("zero count = %s", b)
	}
	c := Count{Failures: 2, Since: time.Date(2026, 11, 26, 3, 12, 9, 0, time.UTC)}
	b, _ = json.Marshal(c)
	var back Count
	if err := json.Unmarshal(b, &back); err != nil || back != c {
		t.Errorf("round trip of %s = %+v, %v", b, back, err)
	}
}

func TestInGrace(t *testing.T) {
	now := time.Date(2026, 11, 26, 3, 12, 9, 0, time.UTC)
	tests := []struct {
		started time.Time
		want    bool
	}{
		{now.Add(-10 * time.Second), true},
		{now.Add(-30 * time.Second), false}, // grace is over at 30s
		{now.Add(-time.Hour), false},
		{time.Time{}, false}, // unknown start: failures count
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(now.Sub(tt.started)), func(t *testing.T) {
			if got := InGrace(tt.started, now, 30*time.Second); got != tt.want {
				t.Errorf("InGrace = %v, want %v", got, tt.want)
			}
		})
	}
}
