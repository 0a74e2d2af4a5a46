package monitor

import (
	"fmt"
	"time"
)

// Needs are what a check (cortex-check --read-only) needs on the daemon
// host, as the monitoring system's user.
type Needs struct {
	Binary, Config, StatusFile string
	Interval                   time.Duration // the timer's: its verdicts are reported up to three old
	Daemons                    []DaemonNeeds
}

// DaemonNeeds are what the check needs to judge one daemon itself.
type DaemonNeeds struct {
	Name    string
	Pidfile string // "": none
	// ExecProbe says it has an exec probe, run as the daemon's user:
	// ProbeUID, named ProbeUser.
	ExecProbe bool
	ProbeUID  int
	ProbeUser string
}

// Unreachable lists what the account cannot do of what the check needs,
// each with what that does to the check and the fix. files says that one
// of them is the binary, the config or the status file: the check then
// fails outright, where for a daemon it reports the timer's verdict.
func (a Account) Unreachable(n Needs) (warnings []string, files bool) {
	if why := a.Blocked(n.Binary, Run); why != "" {
		warnings = append(warnings, why+"; fix: install cortex-check where it can run it (mode 0755, in folders it can search), and name that with --binary")
	}
	if why := a.Blocked(n.Config, Read); why != "" {
		warnings = append(warnings, why+"; fix: make the config readable by all (0644, in folders all can search; it holds no secrets: those go in env_file)")
	}
	if why := a.BlockedReading(n.StatusFile); why != "" {
		warnings = append(warnings, why+": the check is WARNING, status file not read, blind to restarts, held daemons and a stopped timer; fix: keep status_file readable by all (0644, as the timer writes it) in folders all can search")
	}
	files = len(warnings) > 0
	stale := 3 * n.Interval
	for _, d := range n.Daemons {
		if d.Pidfile != "" {
			if why := a.BlockedReading(d.Pidfile); why != "" {
				warnings = append(warnings, fmt.Sprintf("%s: %s's pidfile %s cannot be read by the check, which reports the timer's last verdict of %s instead, and UNKNOWN once that is older than three intervals (%s); fix: point pidfile at one all may read (Debian's PostgreSQL writes /run/postgresql/15-main.pid, 0644), or find the daemon by process and pattern alone",
					why, d.Name, d.Pidfile, d.Name, stale))
			}
		}
		if d.ExecProbe && a.UID != 0 && a.UID != d.ProbeUID {
			warnings = append(warnings, fmt.Sprintf("the %s user cannot run %s's exec probe as %s, the daemon's user: the check reports the timer's last verdict of the probe instead, and UNKNOWN once that is older than three intervals (%s); fix: none needed while the timer runs, or a tcp or http probe, which any user can run",
				a.Name, d.Name, d.ProbeUser, stale))
		}
	}
	return warnings, files
}
