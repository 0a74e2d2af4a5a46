package check

import (
	"slices"
	"testing"
	"time"
)

func TestStartNeeds(t *testing.T) {
	d := func(name string, grace, timeout, hold time.Duration, after ...string) Daemon {
		return Daemon{Name: name, StopGrace: grace, StartTimeout: timeout, StartHold: hold, After: after}
	}
	s := time.Second
	tests := []struct {
		name    string
		daemons []Daemon
		want    []StartNeed
		budget  time.Duration // with a 25s floor
	}{
		{"defaults stay under the floor", []Daemon{d("a", 10*s, 5*s, s)},
			[]StartNeed{{"a", 16 * s, []string{"a"}}}, 25 * s},
		{"a long start raises the budget", []Daemon{d("pg", 10*s, 30*s, s)},
			[]StartNeed{{"pg", 41 * s, []string{"pg"}}}, 46 * s},
		{"after adds the longest chain", []Daemon{d("db", 0, 20*s, s), d("cache", 0, 2*s, s), d("app", 0, 5*s, s, "cache", "db")},
			[]StartNeed{{"db", 21 * s, []string{"db"}}, {"cache", 3 * s, []string{"cache"}}, {"app", 27 * s, []string{"db", "app"}}}, 32 * s},
		{"the chain's stops count too", []Daemon{d("db", 30*s, 5*s, 0), d("app", 10*s, 5*s, 0, "db")},
			[]StartNeed{{"db", 35 * s, []string{"db"}}, {"app", 50 * s, []string{"db", "app"}}}, 55 * s},
		{"a chain of three", []Daemon{d("c", 0, 5*s, 0, "b"), d("b", 0, 5*s, 0, "a"), d("a", 0, 5*s, 0)},
			[]StartNeed{{"c", 15 * s, []string{"a", "b", "c"}}, {"b", 10 * s, []string{"a", "b"}}, {"a", 5 * s, []string{"a"}}}, 25 * s},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := StartNeeds(tt.daemons)
			if !slices.EqualFunc(got, tt.want, func(a, b StartNeed) bool {
				return a.Daemon == b.Daemon && a.Total == b.Total && slices.Equal(a.Chain, b.Chain)
			}) {
				t.Errorf("StartNeeds = %v, want %v", got, tt.want)
			}
			if b := StartBudget(tt.daemons, nil, 25*s); b != tt.budget {
				t.Errorf("StartBudget = %s, want %s", b, tt.budget)
			}
		})
	}
}
