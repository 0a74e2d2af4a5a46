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
// HARD, whatever its cadence.
func TestRetryFollowsInterval(t *testing.T) {
	for _, tt := range []struct {
		interval       time.Duration
		nagios, icinga string
	}{
		{30 * time.Second, "retry_interval 1", "retry_interval = 30s"},
		{90 * time.Second, "retry_interval 2", "retry_interval = 90s"},
		{5 * time.Minute, "retry_interval 5", "retry_interval = 300s"},
	} {
		c := testCheck
		c.Interval = tt.interval
		hasLine(t, generate(t, Nagios, c), "#", tt.nagios)
		hasLine(t, generate(t, Nagios, c), "#", "max_check_attempts 3")
		hasLine(t, generate(t, Icinga, c), "//", tt.icinga)
	}
	c := testCheck
	c.Interval = 20 * time.Second
	hasLine(t, generate(t, Prometheus, c), "#", "expr: time() - cortex_check_last_run_timestamp_seconds > 3 * 20")
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
