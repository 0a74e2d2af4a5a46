package check

import "time"

// BudgetRoom is what a pass's budget adds to its daemons' needs: the
// process table's reads and the status file's writes around the starts.
const BudgetRoom = 5 * time.Second

// StartNeed is how long a --fix pass may need for one daemon: a stop first
// (its stop_grace, for a heal), then its start (start_timeout, then
// start_secs), after the daemons it waits for (after) have had their
// starts; they run, or are started, so only their starts count.
type StartNeed struct {
	Daemon string
	Total  time.Duration
	start  time.Duration // the chain's starts alone, without the stop
	// Chain is the daemon and, before it, the longest run of daemons
	// it waits for (after), first first.
	Chain []string
}

// StartNeeds is each daemon's StartNeed, in config order. The config's after
// has no cycles (Load refuses them).
func StartNeeds(daemons []Daemon) []StartNeed {
	index := make(map[string]int, len(daemons))
	for i, d := range daemons {
		index[d.Name] = i
	}
	needs := make([]*StartNeed, len(daemons))
	var need func(i int) *StartNeed
	need = func(i int) *StartNeed {
		if needs[i] != nil {
			return needs[i]
		}
		d := &daemons[i]
		n := &StartNeed{Daemon: d.Name}
		needs[i] = n // after has no cycles: never read before it is filled in
		var longest *StartNeed
		for _, dep := range d.After {
			if j, ok := index[dep]; ok {
				if m := need(j); longest == nil || m.start > longest.start {
					longest = m
				}
			}
		}
		if longest != nil {
			n.start, n.Chain = longest.start, append(n.Chain, longest.Chain...)
		}
		n.start += d.StartTimeout + d.StartHold
		n.Total = d.StopGrace + n.start
		n.Chain = append(n.Chain, d.Name)
		return n
	}
	out := make([]StartNeed, len(daemons))
	for i := range daemons {
		out[i] = *need(i)
	}
	return out
}

// StartBudget is the longest a --fix pass may need for the daemons, with
// BudgetRoom; at least floor.
func StartBudget(daemons []Daemon, floor time.Duration) time.Duration {
	budget := floor
	for _, n := range StartNeeds(daemons) {
		budget = max(budget, n.Total+BudgetRoom)
	}
	return budget
}
