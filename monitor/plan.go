package monitor

import (
	"fmt"
	"time"

	"github.com/cortex/cortex-check/human"
)

// Plan is how a Nagios or Icinga service checks: a problem is first seen
// at most Check after it begins, then retried every Retry until Attempts
// checks in a row have seen it, when it turns HARD and is notified.
type Plan struct {
	Check    time.Duration // check_interval
	Retry    time.Duration // retry_interval
	Attempts int           // max_check_attempts
	// Passes says that the retries span two of the timer's intervals:
	// a daemon the timer brings back in time is not paged as down (it
	// pages as restarted, where Pages).
	Passes bool
	// Pages says that a restart's WARNING lasts until the check that
	// turns it HARD: restarts reach a person.
	Pages bool
	// Warning says what no plan could give, and the fix; "" when the
	// plan gives both aims.
	Warning string
}

// Units of the monitoring systems' intervals: Nagios counts whole
// interval_length units (60s by default), Icinga any duration.
const (
	NagiosUnit = time.Minute
	IcingaUnit = time.Second
)

// checkEvery is the services' check_interval: one minute, Nagios's unit.
const checkEvery = time.Minute

// slack is what the last check may come late: a check takes time to run,
// and the monitoring system spreads its checks.
const slack = 10 * time.Second

// Hard is the longest a problem takes to turn HARD: first seen up to Check
// after it begins, then Attempts-1 retries.
func (p Plan) Hard() time.Duration { return p.Check + time.Duration(p.Attempts-1)*p.Retry }

// Plan derives the service's intervals from the timer's interval and
// restart_warning, in the monitoring system's unit. It has two aims:
//
//   - A restart reaches a person. The timer's restart makes every check
//     WARNING for restart_warning and no longer: the check that turns it
//     HARD must come before that ends, so Hard() < restart_warning.
//   - A daemon the timer brings back pages no one: the retries span two of
//     the timer's intervals, so HARD comes after two passes could restart
//     it.
//
// It keeps three attempts, their retries one interval apart, when that
// gives both; else more attempts closer together (or two, where one retry
// of Nagios's whole minute already spans two short intervals); else,
// warning, it gives
// up the second aim for the first (a restart never paged is the worse
// failure: nobody learns that something kills the daemon); when even that
// cannot be had, it warns that restarts will not page.
func (c Check) Plan(unit time.Duration) Plan {
	warning := c.RestartWarning
	span := 2 * c.Interval // the timer's two passes
	for _, attempts := range []int{3, 4, 5, 6, 7, 8, 9, 10, 2} {
		retry := ceilUnit(span/time.Duration(attempts-1), unit)
		p := Plan{Check: checkEvery, Retry: retry, Attempts: attempts, Passes: true, Pages: true}
		if attempts == 3 {
			p.Retry = ceilUnit(c.Interval, unit)
		}
		if p.Hard()+slack <= warning {
			return p
		}
	}
	fix := fmt.Sprintf(`set restart_warning = "%s" in %s (longer than a check's minute and two of the timer's intervals), then run cortex-check monitor again`,
		human.Duration(c.want(unit)), c.Config)
	for attempts := 3; attempts >= 2; attempts-- {
		retry := (warning - checkEvery - slack) / time.Duration(attempts-1) / unit * unit
		if retry < unit {
			continue
		}
		p := Plan{Check: checkEvery, Retry: retry, Attempts: attempts, Passes: time.Duration(attempts-1)*retry >= span, Pages: true}
		p.Warning = fmt.Sprintf("with interval %s and restart_warning %s, a problem cannot both wait for two of the timer's passes and turn HARD while a restart's WARNING lasts: "+
			"the service turns HARD within %s, so that restarts page, and a daemon down pages before the timer has had two passes to restart it; %s",
			human.Duration(c.Interval), human.Duration(warning), human.Duration(p.Hard()), fix)
		return p
	}
	p := Plan{Check: checkEvery, Retry: ceilUnit(c.Interval, unit), Attempts: 3, Passes: true}
	p.Warning = fmt.Sprintf("restart_warning %s is over before two checks can turn a restart's WARNING HARD: restarts will never page; %s",
		human.Duration(warning), fix)
	return p
}

// want is the restart_warning that gives both aims with three attempts,
// in whole minutes.
func (c Check) want(unit time.Duration) time.Duration {
	return ceilUnit(checkEvery+2*ceilUnit(c.Interval, unit)+slack, time.Minute)
}

// ceilUnit rounds d up to a whole number of units, at least one.
func ceilUnit(d, unit time.Duration) time.Duration {
	return max(unit, (d+unit-1)/unit*unit)
}
