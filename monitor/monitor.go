// Package monitor writes the glue that lets a monitoring system watch
// cortex-check: Nagios 4 objects, Icinga 2 objects, an NRPE command and
// Prometheus alerting rules for the metrics of --textfile. Each carries the
// detail people most often get wrong, with a comment saying why.
//
// The check a monitoring system runs is an observer, cortex-check
// --read-only: it judges the daemons live and writes nothing, so it runs as
// the monitoring system's own user (nagios) beside root's timer, which does
// the restarting with --fix.
package monitor

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/cortex/cortex-check/escape"
	"github.com/cortex/cortex-check/human"
	"github.com/cortex/cortex-check/schedule"
)

// Check is what the monitoring system runs and where.
type Check struct {
	Binary   string        // absolute path of cortex-check on the daemon host
	Config   string        // absolute path of the config root's timer runs with
	Host     string        // the daemon host as the monitoring system names it
	Interval time.Duration // the timer's cadence
	// RestartWarning is how long a restart keeps the check WARNING
	// (restart_warning): the service must turn HARD within it.
	RestartWarning time.Duration
}

// File is one file to install, like the scheduler files: the two are
// written or printed the same way.
type File = schedule.File

// CommandName is the plugin's name in Nagios and NRPE.
const CommandName = "check_cortex"

func (c Check) args() []string { return []string{c.Binary, "-c", c.Config, "--read-only"} }

// apart says how far apart the checks are, for the comments.
func apart(d time.Duration) string {
	switch {
	case d == time.Minute:
		return "a minute"
	case d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return fmt.Sprintf("%ds", schedule.Seconds(d))
}

// hardComment says when the service turns HARD and why, for the comment
// above it: after the timer's two passes, and before a restart's WARNING
// ends.
func (c Check) hardComment(prefix string, p Plan) string {
	s := fmt.Sprintf("HARD, and notified, after %d failing checks %s apart, within %s of a problem: ", p.Attempts, apart(p.Retry), human.Duration(p.Hard()))
	switch {
	case p.Passes && p.Pages:
		// The restart's WARNING follows the down CRITICAL in the same
		// problem, and turns HARD: what pages is the restart.
		s += "by then the timer has had at least two passes to restart the daemon, so one it brings back in time pages as a WARNING (restarted), not as CRITICAL (down). "
	case p.Passes:
		s += "by then the timer has had at least two passes to restart the daemon, and one it brings back in time stays a SOFT problem, in the log but not paged. "
	default:
		s += fmt.Sprintf("the timer (every %s) may not have had two passes to restart the daemon by then (cortex-check monitor warned why). ", human.Duration(c.Interval))
	}
	if p.Pages {
		s += fmt.Sprintf("A restart keeps the check WARNING for restart_warning (%s), long enough to turn HARD: restarts page too.", human.Duration(c.RestartWarning))
	} else {
		s += fmt.Sprintf("A restart keeps the check WARNING for restart_warning (%s), too short to turn HARD: restarts do not page (cortex-check monitor warned why).", human.Duration(c.RestartWarning))
	}
	return wrap(prefix, s)
}

// flapComment says why the service turns flap detection off.
func flapComment(prefix, who string) string {
	return wrap(prefix, "Flap detection off: a daemon that something kills again and again goes OK, WARNING, OK as the timer restarts it, and "+who+
		" would call that flapping and hold back its notifications, so that the repeated restarts would page no one.")
}

// observer is the comment every plugin definition carries, wrapped, each
// line after the first starting with prefix.
func (c Check) observer(prefix, user string) string {
	return wrap(prefix, fmt.Sprintf("The check is an observer: --read-only judges the daemons live and writes nothing, "+
		"so it runs as %s beside root's timer (cortex-check --fix every %ds), which does the restarting. "+
		"It needs to read the config and the status file, and no sudo. Do not add --fix here: "+
		"restarts would then follow the monitoring schedule, as another user, and race the timer.", user, schedule.Seconds(c.Interval)))
}

// wrap breaks text into lines of at most 80 characters with their prefix;
// the first line's prefix is the caller's.
func wrap(prefix, text string) string {
	var b strings.Builder
	width := len(prefix)
	for i, word := range strings.Fields(text) {
		if i > 0 && width+1+len(word) > 80 {
			b.WriteString("\n" + prefix)
			width = len(prefix)
		} else if i > 0 {
			b.WriteByte(' ')
			width++
		}
		b.WriteString(word)
		width += len(word)
	}
	return b.String()
}

// pluginPaths rejects the paths that Nagios, NRPE or Icinga would read as
// something else: a macro ($), a comment (;), shell syntax (`), the start of
// performance data in plugin text (|), or the end of the line.
func (c Check) pluginPaths() error {
	for _, p := range []string{c.Binary, c.Config} {
		if i := strings.IndexFunc(p, func(r rune) bool { return unicode.IsControl(r) || strings.ContainsRune("$;|`", r) }); i >= 0 {
			return fmt.Errorf("the path %q has %q, which a monitoring system would read as a macro, a comment or shell syntax: install cortex-check and its config under plain paths (--binary sets the binary's)", p, p[i:i+1])
		}
	}
	return nil
}

// Nagios returns a command and a service for Nagios 4 (or Naemon, or
// Icinga 1), checked on the Nagios machine itself.
func Nagios(c Check) ([]File, error) {
	if err := c.pluginPaths(); err != nil {
		return nil, err
	}
	p := c.Plan(NagiosUnit)
	content := fmt.Sprintf(`# cortex-check for Nagios 4: the %[1]s command and its service.
# Install: copy to /etc/nagios4/conf.d/cortex-check.cfg (or any cfg_dir), check
# with nagios4 -v /etc/nagios4/nagios.cfg, then: systemctl reload nagios4
#
# %[3]s
#
# Nagios runs the check on its own machine. For daemons on another host, run
# it there through NRPE: cortex-check monitor nrpe.
define command {
    command_name    %[1]s
    command_line    %[4]s
}

# %[5]s
#
# %[9]s
define service {
    use                     generic-service  ; notification settings, as in the stock templates.cfg
    host_name               %[2]s
    service_description     Cortex daemons
    check_command           %[1]s
    max_check_attempts      %[6]d
    check_interval          %[7]d                ; minutes, with the default interval_length=60
    retry_interval          %[8]d
    flap_detection_enabled  0
}
`, CommandName, c.Host, c.observer("# ", "the nagios user"), nagiosCommand(c.args()), c.hardComment("# ", p), p.Attempts,
		int(p.Check/time.Minute), int(p.Retry/time.Minute), flapComment("# ", "Nagios's flap detection (on in Debian's nagios.cfg and the stock generic-service)"))
	return []File{{Name: "cortex-check.cfg", Install: "/etc/nagios4/conf.d", Content: content}}, nil
}

// nagiosCommand quotes a command line for Nagios, which splits it like sh
// (and hands it to sh when it sees shell syntax). pluginPaths has already
// ruled out $, which Nagios would expand.
func nagiosCommand(args []string) string { return escape.Shell(args) }

// Icinga returns an Icinga 2 CheckCommand and a Service applied to the
// host.
func Icinga(c Check) ([]File, error) {
	if err := c.pluginPaths(); err != nil {
		return nil, err
	}
	p := c.Plan(IcingaUnit)
	content := fmt.Sprintf(`// cortex-check for Icinga 2: the CheckCommand and its Service.
// Install: copy to /etc/icinga2/conf.d/cortex-check.conf, check with
// icinga2 daemon -C, then: systemctl reload icinga2
//
// %[1]s
object CheckCommand "cortex-check" {
  command = [ %[2]s ]
  arguments = {
    "-c" = {
      value = "$cortex_config$"
      description = "The config root's timer runs with (vars.cortex_config)"
    }
    "--read-only" = {
      set_if = true
      description = "Judge the daemons live and write nothing: the timer restarts them"
    }
    "--only" = {
      value = "$cortex_only$"
      description = "Check only this daemon, or an array of them (vars.cortex_only; all when unset)"
    }
  }
  vars.cortex_config = %[3]s
}

apply Service "cortex-daemons" {
  check_command = "cortex-check"
  // %[4]s
  max_check_attempts = %[5]d
  check_interval = %[7]s
  retry_interval = %[8]s

  // %[9]s
  enable_flapping = false

  // With the Icinga agent on the daemon host (the usual setup for any host
  // but the master), the check must run on the agent, not on the master,
  // which would look at its own processes: uncomment command_endpoint, and
  // put this file in /etc/icinga2/zones.d/global-templates/ on the master
  // instead of conf.d, so that the agent learns the CheckCommand. The Host
  // belongs in the master's zone, the agent's Endpoint and Zone are named
  // after it (as icinga2 node wizard names them). In conf.d, which is in no
  // zone, Icinga refuses command_endpoint.
  // command_endpoint = host.name

  assign where host.name == %[6]s
}
`, c.observer("// ", "the icinga user (nagios on Debian)"), icingaString(c.Binary), icingaString(c.Config), c.hardComment("  // ", p), p.Attempts,
		icingaString(c.Host), icingaDuration(p.Check), icingaDuration(p.Retry), flapComment("  // ", "flap detection (off by default in Icinga 2, on where a template turns it on)"))
	return []File{{Name: "cortex-check.conf", Install: "/etc/icinga2/conf.d", Content: content}}, nil
}

// icingaDuration writes an interval as an Icinga 2 duration: "1m",
// "30s".
func icingaDuration(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", schedule.Seconds(d))
}

// icingaString quotes s for the Icinga 2 DSL.
func icingaString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// NRPE returns the nrpe.cfg line that runs the check on the daemon host for
// a Nagios server elsewhere.
func NRPE(c Check) ([]File, error) {
	if err := c.pluginPaths(); err != nil {
		return nil, err
	}
	content := fmt.Sprintf(`# cortex-check for NRPE, on the daemon host: the %[1]s command.
# Install: copy to /etc/nagios/nrpe.d/cortex-check.cfg (Debian's nrpe.cfg
# includes that folder), then: systemctl restart nagios-nrpe-server
#
# On the Nagios server, with the check_nrpe plugin (nagios-nrpe-plugin), try:
#   /usr/lib/nagios/plugins/check_nrpe -H %[2]s -c %[1]s
# and in the service that cortex-check monitor nagios prints, for this host:
#   check_command           check_nrpe!%[1]s
# (check_nrpe is the command Debian's nagios-nrpe-plugin defines). The command
# takes no arguments, so dont_blame_nrpe stays 0.
#
# %[3]s
command[%[1]s]=%[4]s
`, CommandName, c.Host, c.observer("# ", "nrpe_user (nagios)"), escape.Shell(c.args()))
	return []File{{Name: "cortex-check.cfg", Install: "/etc/nagios/nrpe.d", Content: content}}, nil
}
