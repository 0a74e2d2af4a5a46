package restart

import (
	"os/user"
	"slices"
	"testing"
	"time"

	"github.com/cortex/cortex-check/check"
)

func TestSpawned(t *testing.T) {
	began := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	after, before := began.Add(time.Second), began.Add(-time.Hour)
	p := func(pid, ppid, pgid, sid, uid int, start time.Time) check.Process {
		return check.Process{PID: pid, PPID: ppid, PGID: pgid, SID: sid, UID: uid, StartTime: start, State: 'S'}
	}
	const leader, daemonUID = 100, 101
	procs := []check.Process{
		p(100, 1, 100, 100, daemonUID, after),   // the start program
		p(101, 100, 100, 100, daemonUID, after), // its child
		p(102, 1, 100, 100, daemonUID, after),   // reparented, still in its session
		p(103, 1, 103, 103, daemonUID, after),   // left by setsid: found by its mark only
		p(104, 101, 104, 104, daemonUID, after), // setsid, but still a descendant
		p(105, 1, 100, 100, 0, after),           // root's in its session: not the daemon user's
		p(106, 1, 106, 106, daemonUID, after),   // unrelated
		p(107, 1, 107, 107, daemonUID, before),  // marked, but older than the start: a forged mark
		p(108, 101, 100, 100, daemonUID, after), // a zombie: gone
	}
	procs[8].State = 'Z'
	got := spawned(procs, leader, []int{103, 107}, daemonUID, began)
	var pids []int
	for _, q := range got {
		pids = append(pids, q.PID)
	}
	if want := []int{100, 101, 102, 103, 104}; !slices.Equal(pids, want) {
		t.Errorf("spawned = %v, want %v", pids, want)
	}
}

func TestSupplementary(t *testing.T) {
	u, err := user.LookupId("0")
	if err != nil {
		t.Skip("no user 0 in the user database")
	}
	// Without group: the user's own gid, once, first.
	if got := supplementary(u, 0, false); len(got) == 0 || got[0] != 0 || slices.Index(got[1:], 0) >= 0 {
		t.Errorf("supplementary(root, 0, false) = %v, want 0 first and once", got)
	}
	// With group: that gid first, and not the user's primary group, as
	// systemd's User= with Group= gives.
	got := supplementary(u, 4242, true)
	if len(got) == 0 || got[0] != 4242 || slices.Contains(got, 0) {
		t.Errorf("supplementary(root, 4242, true) = %v, want 4242 first and no 0", got)
	}
}
