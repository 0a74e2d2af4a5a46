package pass

import (
	"context"
	"testing"
	"time"

	"github.com/cortex/cortex-check/report"
)

// fakeClock moves on only when slept on.
type fakeClock struct{ now time.Time }

func (c *fakeClock) clock() Clock {
	return Clock{
		Now:   func() time.Time { return c.now },
		Sleep: func(_ context.Context, d time.Duration) { c.now = c.now.Add(d) },
	}
}

func critical() Result {
	return Result{Status: &report.Status{State: report.Critical, ExitCode: int(report.Critical)}}
}

// --wait 4s waits the full four seconds: the last pass runs at the end of
// the duration, not a second before it (a regression: it gave up after 3s).
func TestRepeatWaitsTheWholeDuration(t *testing.T) {
	for _, wait := range []time.Duration{4 * time.Second, 2500 * time.Millisecond, 500 * time.Millisecond} {
		c := &fakeClock{now: time.Unix(0, 0)}
		start := c.now
		var at []time.Duration
		Repeat(context.Background(), wait, c.clock(), func() Result {
			at = append(at, c.now.Sub(start))
			return critical()
		}, nil)
		if last := at[len(at)-1]; last != wait {
			t.Errorf("--wait %s: last pass at %s (passes at %v), want at %s", wait, last, at, wait)
		}
		for i := 1; i < len(at); i++ {
			if gap := at[i] - at[i-1]; gap > time.Second {
				t.Errorf("--wait %s: %s between passes, want at most 1s", wait, gap)
			}
		}
	}
}

func TestRepeatStopsWhenDone(t *testing.T) {
	c := &fakeClock{now: time.Unix(0, 0)}
	passes := 0
	res := Repeat(context.Background(), time.Minute, c.clock(), func() Result {
		passes++
		if passes == 3 {
			return Result{Status: &report.Status{State: report.Warning, ExitCode: int(report.Warning)}}
		}
		return critical()
	}, nil)
	if passes != 3 || res.Code() != int(report.Warning) {
		t.Errorf("%d passes, code %d: want to stop at the third, WARNING", passes, res.Code())
	}
	// A final answer (a bad config) is not retried.
	passes = 0
	Repeat(context.Background(), time.Minute, c.clock(), func() Result {
		passes++
		return Result{Err: context.Canceled, Final: true}
	}, nil)
	if passes != 1 {
		t.Errorf("a final result was retried: %d passes", passes)
	}
}
