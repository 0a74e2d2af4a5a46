package check

import (
	"slices"
	"time"
)

// BudgetRoom is what a pass's budget adds to its daemons' needs: the
// process table's reads and the status file's writes around the starts.
const BudgetRoom = 5 * time.Second

// StartNeed is how long a --fix pass may need for one daemon: a stop first
// (its stop_grace, for a heal), then its start (start_timeout, then
// start_secs), after the daemons it waits for (after) have had theirs,
// stops included: a pass that heals a daemon and what waits for it stops
// them one after another. Heals of unrelated daemons in one pass also
// stop one after another and can take longer; a start still in progress
// at the end of the budget is left running for the next pass.
type StartNeed struct {
	Daemon string
	Total  time.Duration
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
				if m := need(j); longest == nil || m.Total > longest.Total {
					longest = m
				}
			}
		}
		if longest != nil {
			n.Total, n.Chain = longest.Total, append(n.Chain, longest.Chain...)
		}
		n.Total += d.StopGrace + d.StartTimeout + d.StartHold
		n.Chain = append(n.Chain, d.Name)
		return n
	}
	out := make([]StartNeed, len(daemons))
	for i := range daemons {
		out[i] = *need(i)
	}
	return out
}

// StartBudget is the longest a --fix pass may need for the daemons named
// by only (all when none; the chains they wait for count whole), with
// BudgetRoom; at least floor.
func StartBudget(daemons []Daemon, only []string, floor time.Duration) time.Duration {
	budget := floor
	for _, n := range StartNeeds(daemons) {
		if len(only) == 0 || slices.Contains(only, n.Daemon) {
			budget = max(budget, n.Total+BudgetRoom)
		}
	}
	return budget
}
