package pass

import (
	"context"
	"time"

	"github.com/cortex/cortex-check/report"
)

// Clock is the time as Repeat sees it.
type Clock struct {
	Now func() time.Time
	// Sleep waits d, or until ctx ends.
	Sleep func(ctx context.Context, d time.Duration)
}

// RealClock is the system's clock.
var RealClock = Clock{
	Now: time.Now,
	Sleep: func(ctx context.Context, d time.Duration) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	},
}

// repeatEvery is the pause between two passes under --wait.
const repeatEvery = time.Second

// Repeat runs pass after pass, about once a second, until every daemon runs
// and is healthy (the state is OK or WARNING, every probe passes), the answer cannot change, ctx ends, or the
// whole duration d is up; the last pass speaks. The last pause is cut
// short so that the last pass runs right at the end of d, never earlier.
// progress, when set, hears each pass that is not the last, with the time
// left.
func Repeat(ctx context.Context, d time.Duration, clock Clock, run func() Result, progress func(Result, time.Duration)) Result {
	deadline := clock.Now().Add(d)
	for {
		res := run()
		if res.Final || done(res) || ctx.Err() != nil {
			return res
		}
		left := deadline.Sub(clock.Now())
		if left <= 0 {
			return res
		}
		if progress != nil {
			progress(res, left)
		}
		clock.Sleep(ctx, min(repeatEvery, left))
	}
}

// done: every daemon runs, and every probe passes (one failing below
// its failures is still OK, but not yet healthy).
func done(res Result) bool {
	code := res.Code()
	return (code == int(report.OK) || code == int(report.Warning)) && res.Status.Healthy()
}
