package monitor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var testCheck = Check{
	Binary:   "/usr/local/bin/cortex-check",
	Config:   "/etc/cortex/cortex.toml",
	Host:     "cortex-1",
	Interval: 30 * time.Second,

	RestartWarning: 5 * time.Minute,
}

var generators = map[string]func(Check) ([]File, error){
	"nagios": Nagios, "icinga": Icinga, "nrpe": NRPE, "prometheus": Prometheus,
}

func generate(t *testing.T, gen func(Check) ([]File, error), c Check) string {
	t.Helper()
	files, err := gen(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 {
		t.Fatalf("got %d files, want 1", len(files))
	}
	return files[0].Content
}

// lines returns the content's lines that are not comments, trimmed.
func lines(content, comment string) []string {
	var out []string
	for _, l := range strings.Split(content, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, comment) {
			out = append(out, l)
		}
	}
	return out
}

func hasLine(t *testing.T, content, comment, want string) {
	t.Helper()
	for _, l := range lines(content, comment) {
		if strings.Join(strings.Fields(l), " ") == want {
			return
		}
	}
	t.Errorf("no line %q in:\n%s", want, content)
}

func TestCommandLines(t *testing.T) {
	c := testCheck
	c.Binary = "/opt/cortex tools/cortex-check"
	c.Config = "/etc/it's/cortex.toml"
	hasLine(t, generate(t, Nagios, c), "#", `command_line '/opt/cortex tools/cortex-check' -c "/etc/it's/cortex.toml" --read-only`)
	hasLine(t, generate(t, NRPE, c), "#", `command[check_cortex]='/opt/cortex tools/cortex-check' -c "/etc/it's/cortex.toml" --read-only`)
	icinga := generate(t, Icinga, c)
	hasLine(t, icinga, "//", `command = [ "/opt/cortex tools/cortex-check" ]`)
	hasLine(t, icinga, "//", `vars.cortex_config = "/etc/it's/cortex.toml"`)
	hasLine(t, icinga, "//", `assign where host.name == "cortex-1"`)

	c.Config = `/etc/"quoted"\cortex.toml`
	hasLine(t, generate(t, Icinga, c), "//", `vars.cortex_config = "/etc/\"quoted\"\\cortex.toml"`)
}

// The retries leave the timer at least two passes before a problem turns
// HARD, and a restart's WARNING lasts until it is HARD: more attempts
// closer together when three do not fit, and a warning when nothing
// gives both.
func TestRetryFollowsInterval(t *testing.T) {
	for _, tt := range []struct {
		interval, warning time.Duration
		nagios, icinga    []string
		warns             string // a part of the warning, for both; "" for none
	}{
		{30 * time.Second, 5 * time.Minute, []string{"max_check_attempts 3", "retry_interval 1"}, []string{"max_check_attempts = 3", "retry_interval = 30s"}, ""},
		{20 * time.Second, 5 * time.Minute, []string{"max_check_attempts 3", "retry_interval 1"}, []string{"retry_interval = 20s"}, ""},
		// Nagios's whole minutes: two retries of 2 minutes end at the
		// restart's WARNING; three of one minute span the two passes.
		{90 * time.Second, 5 * time.Minute, []string{"max_check_attempts 4", "retry_interval 1"}, []string{"max_check_attempts = 3", "retry_interval = 90s"}, ""},
		{2 * time.Minute, 10 * time.Minute, []string{"max_check_attempts 3", "retry_interval 2"}, []string{"max_check_attempts = 3", "retry_interval = 2m"}, ""},
		// The README's --interval 5m: restarts would never page with
		// retries 5 minutes apart.
		{5 * time.Minute, 5 * time.Minute, []string{"max_check_attempts 3", "retry_interval 1"}, []string{"max_check_attempts = 3", "retry_interval = 115s"},
			`a problem cannot both wait for two of the timer's passes and turn HARD while a restart's WARNING lasts`},
		{5 * time.Minute, 12 * time.Minute, []string{"max_check_attempts 3", "retry_interval 5"}, []string{"retry_interval = 5m"}, ""},
		// Too short for Nagios's minutes; Icinga pages restarts with
		// retries closer than the timer's passes.
		{30 * time.Second, 2 * time.Minute, []string{"max_check_attempts 3"}, []string{"max_check_attempts = 3", "retry_interval = 25s"}, ""},
	} {
		c := testCheck
		c.Interval, c.RestartWarning = tt.interval, tt.warning
		for _, want := range tt.nagios {
			hasLine(t, generate(t, Nagios, c), "#", want)
		}
		hasLine(t, generate(t, Nagios, c), "#", "check_interval 1 ; minutes, with the default interval_length=60")
		for _, want := range tt.icinga {
			hasLine(t, generate(t, Icinga, c), "//", want)
		}
		for unit, system := range map[time.Duration]string{NagiosUnit: "nagios", IcingaUnit: "icinga"} {
			p := c.Plan(unit)
			if tt.warns != "" && !strings.Contains(p.Warning, tt.warns) || tt.warns == "" && p.Warning != "" && tt.warning > 2*time.Minute {
				t.Errorf("%s, interval %s, restart_warning %s: warning %q, want %q", system, tt.interval, tt.warning, p.Warning, tt.warns)
			}
		}
	}
	c := testCheck
	c.Interval, c.RestartWarning = 30*time.Second, 2*time.Minute
	if w := c.Plan(NagiosUnit).Warning; !strings.Contains(w, "restart_warning 2m is over before two checks can turn a restart's WARNING HARD: restarts will never page") {
		t.Errorf("nagios, restart_warning 2m: warning %q", w)
	}
	if w := c.Plan(IcingaUnit).Warning; !strings.Contains(w, "cannot both wait") {
		t.Errorf("icinga, restart_warning 2m: warning %q", w)
	}
	c.Interval = 20 * time.Second
	hasLine(t, generate(t, Prometheus, c), "#", "expr: time() - cortex_check_last_run_timestamp_seconds > 3 * 20")
}

// Whatever the timer's interval and restart_warning, a plan without a
// warning gives both aims, and one with the first warning still makes a
// restart turn HARD before its WARNING ends.
func TestPlanAims(t *testing.T) {
	for _, unit := range []time.Duration{NagiosUnit, IcingaUnit} {
		for interval := 5 * time.Second; interval <= 30*time.Minute; interval += 5 * time.Second {
			for warning := time.Minute; warning <= time.Hour; warning += 30 * time.Second {
				c := Check{Config: "/etc/cortex/cortex.toml", Interval: interval, RestartWarning: warning}
				p := c.Plan(unit)
				if p.Retry%unit != 0 || p.Retry < unit || p.Attempts < 2 {
					t.Fatalf("unit %s, %s, %s: %+v is not a plan the system takes", unit, interval, warning, p)
				}
				restarts := p.Hard()+slack <= warning
				passes := time.Duration(p.Attempts-1)*p.Retry >= 2*interval
				switch {
				case p.Warning == "" && !(restarts && passes):
					t.Fatalf("unit %s, %s, %s: %+v misses an aim without a warning", unit, interval, warning, p)
				case p.Warning != "" && !strings.Contains(p.Warning, "never page") && !restarts:
					t.Fatalf("unit %s, %s, %s: %+v: restarts do not page", unit, interval, warning, p)
				case p.Passes != passes || p.Pages != restarts:
					t.Fatalf("unit %s, %s, %s: %+v: Passes and Pages are not %v and %v", unit, interval, warning, p, passes, restarts)
				}
			}
		}
	}
	// The fix the warning gives is enough.
	c := Check{Config: "/etc/cortex/cortex.toml", Interval: 5 * time.Minute, RestartWarning: 5 * time.Minute}
	w := c.Plan(NagiosUnit).Warning
	if !strings.Contains(w, `set restart_warning = "12m" in /etc/cortex/cortex.toml`) {
		t.Fatalf("warning without its fix: %s", w)
	}
	c.RestartWarning = 12 * time.Minute
	if p := c.Plan(NagiosUnit); p.Warning != "" || p.Retry != 5*time.Minute {
		t.Errorf("with the fix: %+v", p)
	}
}

// The service turns flap detection off, and says why.
func TestFlapDetectionOff(t *testing.T) {
	nagios := generate(t, Nagios, testCheck)
	hasLine(t, nagios, "#", "flap_detection_enabled 0")
	if !strings.Contains(nagios, "# Flap detection off: ") || !strings.Contains(nagios, "Debian's nagios.cfg") {
		t.Errorf("no reason given for flap_detection_enabled:\n%s", nagios)
	}
	icinga := generate(t, Icinga, testCheck)
	hasLine(t, icinga, "//", "enable_flapping = false")
	if !strings.Contains(icinga, "// Flap detection off: ") {
		t.Errorf("no reason given for enable_flapping:\n%s", icinga)
	}
}

// A path with what Nagios, NRPE or Icinga would read as a macro, a comment,
// shell syntax or performance data is refused rather than half-escaped.
func TestPluginPathsRefused(t *testing.T) {
	for _, bad := range []string{"/opt/$HOME/cortex-check", "/opt/a;b", "/opt/a|b", "/opt/a`b`", "/opt/a\nb"} {
		for _, system := range []string{"nagios", "icinga", "nrpe"} {
			c := testCheck
			c.Config = bad
			if _, err := generators[system](c); err == nil || !strings.Contains(err.Error(), "install cortex-check and its config under plain paths") {
				t.Errorf("%s with config %q: err = %v", system, bad, err)
			}
		}
	}
	c := testCheck
	c.Config = "/etc/a\nb"
	if _, err := Prometheus(c); err == nil {
		t.Error("prometheus accepted a config path with a newline, which would end its comment")
	}
}

// Nagios plugin text uses | to start performance data: none of the glue
// has one, not even the Prometheus templates (which call functions rather
// than pipe into them).
func TestNoPipe(t *testing.T) {
	for system, gen := range generators {
		if content := generate(t, gen, testCheck); strings.Contains(content, "|") {
			t.Errorf("%s output has a |:\n%s", system, content)
		}
	}
}

func TestCommentsWrapped(t *testing.T) {
	for system, gen := range generators {
		for _, l := range strings.Split(generate(t, gen, testCheck), "\n") {
			if len(l) > 80 && (strings.HasPrefix(l, "#") || strings.HasPrefix(l, "//")) {
				t.Errorf("%s: comment line longer than 80: %q", system, l)
			}
		}
	}
}

func TestBlocked(t *testing.T) {
	dir, err := os.MkdirTemp("", "cortex-access-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(filepath.Join(dir, "closed"), 0o755); os.RemoveAll(dir) })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Chmod(dir, 0o755))
	must(os.WriteFile(filepath.Join(dir, "open.toml"), nil, 0o644))
	must(os.WriteFile(filepath.Join(dir, "private.toml"), nil, 0o600))
	must(os.WriteFile(filepath.Join(dir, "tool"), nil, 0o755))
	must(os.WriteFile(filepath.Join(dir, "owners-tool"), nil, 0o744))
	must(os.Mkdir(filepath.Join(dir, "closed"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "closed", "open.toml"), nil, 0o644))
	must(os.Chmod(filepath.Join(dir, "closed"), 0o700))
	must(os.Symlink("private.toml", filepath.Join(dir, "link.toml")))

	stranger := Account{Name: "stranger", UID: 54321, GIDs: []int{54321}}
	for _, tt := range []struct {
		path string
		need os.FileMode
		want string // a part of the reason; "" when not blocked
	}{
		{"open.toml", Read, ""},
		{"private.toml", Read, "the stranger user cannot read " + dir + "/private.toml (mode 0600, owner "},
		{"link.toml", Read, "cannot read " + dir + "/private.toml"},
		{"tool", Run, ""},
		{"owners-tool", Run, "cannot run " + dir + "/owners-tool (mode 0744"},
		{"closed/open.toml", Read, "cannot search the folder " + dir + "/closed (mode 0700"},
		{"missing.toml", Read, dir + "/missing.toml does not exist"},
	} {
		got := stranger.Blocked(filepath.Join(dir, tt.path), tt.need)
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("Blocked(%s) = %q, want %q", tt.path, got, tt.want)
		}
	}

	// The owner's bits count for the owner, even when the others' say more.
	fi, err := os.Stat(filepath.Join(dir, "private.toml"))
	must(err)
	uid, gid, ok := owner(fi)
	if !ok {
		t.Skip("no file owners on this system")
	}
	me := Account{Name: "me", UID: uid, GIDs: []int{gid}}
	if uid == 0 {
		me.UID = 1 // root reads anything; check the bits as a plain owner
		must(os.Chown(filepath.Join(dir, "private.toml"), 1, gid))
	}
	if got := me.Blocked(filepath.Join(dir, "private.toml"), Read); got != "" {
		t.Errorf("the owner is blocked from a 0600 file: %s", got)
	}
	must(os.Chmod(filepath.Join(dir, "private.toml"), 0o044))
	if got := me.Blocked(filepath.Join(dir, "private.toml"), Read); !strings.Contains(got, "cannot read") {
		t.Errorf("the owner of a 0044 file is not blocked: %q", got)
	}
}

// Unreachable names each thing the check needs and the account cannot do,
// a missing pidfile's folders included, and nothing it can.
func TestUnreachable(t *testing.T) {
	dir, err := os.MkdirTemp("", "cortex-reach-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(filepath.Join(dir, "closed"), 0o755); os.RemoveAll(dir) })
	for path, mode := range map[string]os.FileMode{"cortex-check": 0o755, "cortex.toml": 0o644, "status.json": 0o644, "open.pid": 0o644} {
		if err := os.WriteFile(filepath.Join(dir, path), nil, mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "closed"), 0o700); err != nil {
		t.Fatal(err)
	}
	stranger := Account{Name: "stranger", UID: 54321, GIDs: []int{54321}}
	if why := stranger.Blocked(filepath.Join(dir, "cortex.toml"), Read); why != "" {
		t.Skipf("the temporary folder is out of reach: %s", why)
	}
	needs := func(daemons ...DaemonNeeds) Needs {
		return Needs{Binary: filepath.Join(dir, "cortex-check"), Config: filepath.Join(dir, "cortex.toml"), StatusFile: filepath.Join(dir, "status.json"),
			Interval: 30 * time.Second, Daemons: daemons}
	}
	for _, tt := range []struct {
		name    string
		account Account
		daemon  DaemonNeeds
		want    string // a part of the one warning; "" for none
	}{
		{"readable pidfile", stranger, DaemonNeeds{Name: "a", Pidfile: filepath.Join(dir, "open.pid")}, ""},
		{"missing pidfile in a folder it can search: stopped, not blocked", stranger, DaemonNeeds{Name: "a", Pidfile: filepath.Join(dir, "gone", "a.pid")}, ""},
		{"missing pidfile in a closed folder", stranger, DaemonNeeds{Name: "a", Pidfile: filepath.Join(dir, "closed", "a.pid")},
			"cannot search the folder " + dir + "/closed (mode 0700, owner "},
		{"exec probe as another user", stranger, DaemonNeeds{Name: "a", ExecProbe: true, ProbeUID: 0, ProbeUser: "root"},
			"the stranger user cannot run a's exec probe as root, the daemon's user: the check reports the timer's last verdict of the probe instead, and UNKNOWN once that is older than three intervals (1m30s)"},
		{"exec probe as itself", stranger, DaemonNeeds{Name: "a", ExecProbe: true, ProbeUID: 54321, ProbeUser: "stranger"}, ""},
		{"exec probe as root's check", Account{Name: "root", UID: 0}, DaemonNeeds{Name: "a", ExecProbe: true, ProbeUID: 1, ProbeUser: "daemon"}, ""},
	} {
		warnings, files := tt.account.Unreachable(needs(tt.daemon))
		switch {
		case files:
			t.Errorf("%s: the binary, config or status file is blocked: %q", tt.name, warnings)
		case tt.want == "" && len(warnings) > 0:
			t.Errorf("%s: warnings %q, want none", tt.name, warnings)
		case tt.want != "" && (len(warnings) != 1 || !strings.Contains(warnings[0], tt.want) || !strings.Contains(warnings[0], "; fix: ")):
			t.Errorf("%s: warnings %q, want one with %q and its fix", tt.name, warnings, tt.want)
		}
	}

	// The status file private: blocked, and files says so.
	if err := os.Chmod(filepath.Join(dir, "status.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	warnings, files := stranger.Unreachable(needs())
	if !files || len(warnings) != 1 || !strings.Contains(warnings[0], "the check is WARNING, status file not read") {
		t.Errorf("private status file: %q, files %v", warnings, files)
	}
}

// The comment above the service never says both that a daemon the timer
// brings back is not paged and that its restart pages: where restarts
// page, what the retries spare is the page as down.
func TestHardCommentAgrees(t *testing.T) {
	c := Check{Interval: 30 * time.Second, RestartWarning: 5 * time.Minute}
	for _, tt := range []struct {
		p         Plan
		want, not string
	}{
		{Plan{Check: time.Minute, Retry: time.Minute, Attempts: 3, Passes: true, Pages: true},
			"pages as a WARNING (restarted), not as CRITICAL (down)", "not paged"},
		{Plan{Check: time.Minute, Retry: time.Minute, Attempts: 3, Passes: true},
			"stays a SOFT problem, in the log but not paged", "restarts page too"},
		{Plan{Check: time.Minute, Retry: time.Minute, Attempts: 3, Pages: true},
			"may not have had two passes", "not paged"},
	} {
		got := strings.Join(strings.Fields(strings.ReplaceAll(c.hardComment("# ", tt.p), "# ", " ")), " ")
		if !strings.Contains(got, tt.want) || strings.Contains(got, tt.not) {
			t.Errorf("%+v:\n%s\nwant %q, not %q", tt.p, got, tt.want, tt.not)
		}
	}
}
