// Package schedule writes the files that make a scheduler run one
// cortex-check pass every interval: systemd units, a launchd plist, cron
// lines. Each carries the detail people most often get wrong, with a
// comment saying why.
package schedule

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cortex/cortex-check/escape"
	"github.com/cortex/cortex-check/human"
)

// Job is what every scheduler runs: the binary with the config, --fix
// --quiet, every Interval.
type Job struct {
	Binary   string // absolute
	Config   string // absolute
	Interval time.Duration
	User     bool // a systemd user unit
	// OutputLog is where cron's output goes: the pass appends it there
	// itself (--output-log), never a shell's redirection.
	OutputLog string
	// Textfile is the config's Prometheus textfile, written by each
	// pass; named on the command line too, so that a person reading the
	// unit sees where the metrics go.
	Textfile string
	// Budget is how long a pass may take to start the config's daemons:
	// its --timeout, which each pass derives from the config itself, so
	// the job passes none and follows the config when it changes.
	Budget time.Duration
}

// lockTimeout is a pass's default --lock-timeout: how long it waits for
// the pass before it.
const lockTimeout = 10 * time.Second

// File is one file to install.
type File struct {
	Name    string // file name, e.g. cortex-check.timer
	Install string // where it goes, for the instructions
	Content string
}

func (j Job) args() []string {
	args := []string{j.Binary, "-c", j.Config, "--fix", "--quiet"}
	if j.Textfile != "" {
		args = append(args, "--textfile", j.Textfile)
	}
	return args
}

// Seconds is d in whole seconds, as schedulers and monitoring systems
// take an interval.
func Seconds(d time.Duration) int { return int(d.Round(time.Second) / time.Second) }

// Systemd returns a oneshot service and the timer that runs it.
func Systemd(j Job) []File {
	dir, wanted, enable := "/etc/systemd/system", "timers.target", "systemctl daemon-reload && systemctl enable --now cortex-check.timer"
	if j.User {
		dir, enable = "~/.config/systemd/user", "systemctl --user daemon-reload && systemctl --user enable --now cortex-check.timer"
	}
	interval := Seconds(j.Interval)
	// A hung pass must not hold the timer forever, but systemd must not
	// kill one that works within its own budget: --timeout, derived from
	// the config's start_timeout, start_secs and stop_grace, plus
	// --lock-timeout and room to write its files.
	timeout := max(2*interval, 60, Seconds(j.Budget+lockTimeout+5*time.Second))
	service := fmt.Sprintf(`# cortex-check.service: one cortex-check pass. cortex-check.timer starts it every %[1]ds.
# Install: copy both files to %[2]s/, then: %[3]s
[Unit]
Description=cortex-check: find the Cortex daemons and restart the missing ones

[Service]
Type=oneshot
ExecStart=%[4]s
%[6]s# Exit 1 (WARNING) and 2 (CRITICAL) are the pass doing its job: it judged the
# daemons, and its plugin output and metrics report what it found. Only 3
# (UNKNOWN: bad config, no status file written, ...) means the pass could not
# judge, and only that marks the unit failed (systemctl --failed, OnFailure=).
SuccessExitStatus=1 2
TimeoutStartSec=%[5]ds
`, interval, dir, enable, systemdCommand(j.args()), timeout, killMode(j.User))
	timer := fmt.Sprintf(`# cortex-check.timer: runs cortex-check.service every %[1]ds.
[Unit]
Description=Run cortex-check every %[1]ds

[Timer]
OnBootSec=%[1]ds
# Counted from the end of the last pass: OnUnitActiveSec is known to misfire
# with oneshot services, and a slow pass never overlaps the next one.
OnUnitInactiveSec=%[1]ds
# The default accuracy of one minute would defeat a %[1]ds cadence.
AccuracySec=1s

[Install]
WantedBy=%[2]s
`, interval, wanted)
	return []File{
		{Name: "cortex-check.service", Install: dir, Content: service},
		{Name: "cortex-check.timer", Install: dir, Content: timer},
	}
}

// killMode is what the service says of the processes it leaves. Root's
// pass starts each daemon in a scope of its own (cortex-<name>.scope), so
// the service's cgroup holds only the pass, and systemd's default, which
// ends a hung pass whole, is right. A user's pass makes scopes of the
// user's systemd; KillMode=process stays for a daemon it could not put in
// one.
func killMode(user bool) string {
	if !user {
		return `# Each daemon runs in a scope of its own (systemctl status cortex-NAME.scope),
# not in this service's cgroup: ending the pass, or a hung one, ends only it.
`
	}
	return `# The daemons of a user's own config get scopes of the user's systemd; where
# a pass cannot make one, they stay in this service's cgroup, and KillMode=process
# keeps systemd from killing them when the pass exits.
KillMode=process
`
}

// systemdCommand quotes arguments for ExecStart: double quotes around any
// with spaces, quotes or backslashes, and % doubled (it starts a specifier).
func systemdCommand(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		a = strings.ReplaceAll(a, "%", "%%")
		if strings.ContainsAny(a, " \t\"'\\") {
			a = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(a) + `"`
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

// Launchd returns a LaunchDaemon (or LaunchAgent) plist.
func Launchd(j Job) []File {
	var args bytes.Buffer
	for _, a := range j.args() {
		args.WriteString("\t\t<string>")
		xmlText(&args, a)
		args.WriteString("</string>\n")
	}
	content := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Runs one cortex-check pass every %[1]d seconds.
     Install: copy to /Library/LaunchDaemons/ (as root) or ~/Library/LaunchAgents/, then
     launchctl load -w <that path>/com.cortex.cortex-check.plist -->
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>com.cortex.cortex-check</string>
	<key>ProgramArguments</key>
	<array>
%[2]s	</array>
	<key>StartInterval</key>
	<integer>%[1]d</integer>
	<key>RunAtLoad</key>
	<true/>
	<!-- Without this, launchd kills every process the job started when the
	     pass exits: the daemons it just restarted would die with it. -->
	<key>AbandonProcessGroup</key>
	<true/>
</dict>
</plist>
`, Seconds(j.Interval), args.String())
	return []File{{Name: "com.cortex.cortex-check.plist", Install: "/Library/LaunchDaemons", Content: content}}
}

// Cron returns crontab lines. Cron starts jobs at most once a minute, so an
// interval under a minute takes one line per slot, each sleeping its offset.
func Cron(j Job) ([]File, error) {
	interval := Seconds(j.Interval)
	var schedules []string
	switch {
	case interval < 60 && 60%interval == 0:
		for offset := 0; offset < 60; offset += interval {
			prefix := ""
			if offset > 0 {
				prefix = fmt.Sprintf("sleep %d && ", offset)
			}
			schedules = append(schedules, "* * * * * "+prefix)
		}
	case interval >= 60 && interval%60 == 0 && interval/60 <= 60 && 60%(interval/60) == 0:
		schedules = append(schedules, fmt.Sprintf("*/%d * * * * ", interval/60))
	default:
		return nil, fmt.Errorf("cron cannot run a pass every %s: use an interval that divides a minute (10s, 15s, 20s, 30s) or an hour in whole minutes, or a systemd timer", human.Duration(j.Interval))
	}
	// No shell redirection: a >> run as root follows whatever link the
	// owner of the log's folder put at its name. The pass opens the log
	// itself, never through a link, and makes its folder if missing.
	command := cronEscape(escape.Shell(append(j.args(), "--output-log", j.OutputLog)))
	var b strings.Builder
	fmt.Fprintf(&b, `# cortex-check every %ds. Install with crontab -e (in /etc/cron.d, add the user
# after the five time fields). Paths are absolute: cron's PATH is only
# /usr/bin:/bin. --quiet prints nothing while all is well, and what it does
# print the pass appends to --output-log itself (never through a link) instead
# of a mail every tick; cron mails only what it could not write there.
`, interval)
	for _, s := range schedules {
		b.WriteString(s + command + "\n")
	}
	return []File{{Name: "cortex-check.crontab", Install: "crontab -e", Content: b.String()}}, nil
}

// cronEscape escapes %, which cron turns into a newline.
func cronEscape(s string) string { return strings.ReplaceAll(s, "%", `\%`) }

// xmlText writes s as XML character data, as encoding/xml's EscapeText
// does (TestXMLText holds it to it): " ' & < > tab, newline and return as
// character references, and what XML cannot carry (control characters,
// invalid UTF-8) as U+FFFD. encoding/xml itself would cost every pass its
// package initialisation (0.1 ms and 19 KB: its maps of HTML entities) for
// a plist only schedule launchd prints.
func xmlText(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); {
		r, width := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"':
			b.WriteString("&#34;")
		case r == '\'':
			b.WriteString("&#39;")
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\t':
			b.WriteString("&#x9;")
		case r == '\n':
			b.WriteString("&#xA;")
		case r == '\r':
			b.WriteString("&#xD;")
		case r == utf8.RuneError && width == 1, !(r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteString(s[i : i+width])
		}
		i += width
	}
}
