package check

import "time"

// Usage is what a daemon's processes use, summed over them from the one
// read of the process table: nothing more is read for it.
type Usage struct {
	// RSS is the sum of their resident sets, in bytes. Pages shared
	// between them (a forking server's code) are counted once per
	// process, as ps and superlance's memmon count them.
	RSS int64
	// CPU is the user and system time they have used, to a clock tick
	// (10ms); a process's time goes with it when it exits.
	CPU time.Duration
	// Threads is the sum of their thread counts.
	Threads int
	// Known says the table had figures (Linux); go-ps has none.
	Known bool
}

// usage sums the figures of the live processes among pids.
func (s *Snapshot) usage(pids []int) Usage {
	var u Usage
	var ticks uint64
	for _, pid := range pids {
		p, ok := s.byPID[pid]
		if !ok || p.Gone() {
			continue
		}
		u.RSS += p.RSS
		ticks += p.CPUTicks
		u.Threads += max(p.Threads, 1)
		u.Known = u.Known || p.RSS > 0 || p.CPUTicks > 0 || !p.StartTime.IsZero()
	}
	u.CPU = time.Duration(ticks/clockTicks)*time.Second + time.Duration(ticks%clockTicks)*(time.Second/clockTicks)
	return u
}
