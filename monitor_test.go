package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/monitor"
	"github.com/cortex/cortex-check/report"
)

func init() {
	scriptCmds["httpget"] = cmdHTTPGet
	// [user:nobody]: the system has the user, for a --run-as warning.
	scriptConds["user:nobody"] = func() bool {
		_, err := monitor.LookupAccount("nobody")
		return err == nil
	}
}

// httpget [-o FILE] URL: GET the URL and print the body (or write it to
// FILE); fail unless the answer is 200. A refused connection is retried for
// up to 20 s, while the server the script started comes up.
func cmdHTTPGet(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "usage: httpget [-o FILE] URL"
	out := ""
	if len(args) == 3 && args[0] == "-o" {
		out, args = args[1], args[2:]
	}
	if neg || len(args) != 1 {
		ts.Fatalf(usage)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	var resp *http.Response
	var err error
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err = client.Get(args[0])
		if err == nil || !errors.Is(err, syscall.ECONNREFUSED) || time.Now().After(deadline) {
			break
		}
	}
	ts.Check(err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	ts.Check(err)
	if resp.StatusCode != http.StatusOK {
		ts.Fatalf("GET %s: %s\n%s", args[0], resp.Status, body)
	}
	if out != "" {
		ts.Check(os.WriteFile(ts.MkAbs(out), body, 0o644))
		return
	}
	ts.Stdout().Write(body)
}

// The alerting rules name only metrics that --textfile writes, so that no
// alert silently watches a series that never exists.
func TestAlertRulesUseWrittenMetrics(t *testing.T) {
	// A metric a rule may use before --textfile writes it; none now.
	pending := map[string]bool{}

	st := report.New(time.Now(), "cortex-1", "v1", []string{"pm-daemon"}, nil)
	started := time.Now()
	st.Set("pm-daemon", &report.Daemon{Status: "running", Checked: true, StartedAt: &started})
	st.Finish(time.Second, 5*time.Minute)
	written := map[string]bool{}
	// A normal pass's metrics, and those of a pass whose config is broken.
	metrics := string(st.Metrics()) + string(report.ConfigErrorMetrics(time.Now(), time.Millisecond, "v1", "config /etc/cortex/cortex.toml does not exist"))
	for _, line := range strings.Split(metrics, "\n") {
		if name, ok := strings.CutPrefix(line, "# TYPE "); ok {
			written[strings.Fields(name)[0]] = true
		}
	}
	files, err := monitor.Prometheus(monitor.Check{Config: "/etc/cortex/cortex.toml", Interval: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var used []string
	for _, line := range strings.Split(files[0].Content, "\n") {
		if expr, ok := strings.CutPrefix(strings.TrimSpace(line), "expr: "); ok {
			used = append(used, regexp.MustCompile(`cortex_[a-z_]+`).FindAllString(expr, -1)...)
		}
	}
	if len(used) < 5 {
		t.Fatalf("found only %v in the rules' expressions", used)
	}
	for _, name := range used {
		switch {
		case written[name]:
		case pending[name]:
			t.Logf("%s is not written yet; its rule waits for it", name)
		default:
			t.Errorf("a rule uses %s, which --textfile does not write (it writes %v)", name, slices.Sorted(maps.Keys(written)))
		}
	}
}

// warnUnreachable names what the monitoring user cannot read, and says
// nothing when it can read everything.
func TestWarnUnreachable(t *testing.T) {
	account, err := monitor.LookupAccount("nobody")
	if err != nil {
		t.Skip("no user nobody here")
	}
	dir, err := os.MkdirTemp("", "cortex-warn-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	binary, config, status := filepath.Join(dir, "cortex-check"), filepath.Join(dir, "cortex.toml"), filepath.Join(dir, "status.json")
	for path, mode := range map[string]os.FileMode{dir: 0o755, binary: 0o755, config: 0o644, status: 0o644} {
		if path != dir {
			if err := os.WriteFile(path, nil, mode); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
	}
	if why := account.Blocked(dir, monitor.Read); why != "" {
		t.Skipf("the temporary folder is out of reach: %s", why)
	}
	cfg := &check.Config{Path: config, StatusFile: status, Interval: 30 * time.Second}
	var stderr bytes.Buffer
	warnUnreachable("nobody", binary, cfg, &stderr)
	if stderr.Len() > 0 {
		t.Errorf("warnings for readable files:\n%s", stderr.String())
	}

	if err := os.Chmod(config, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(status, 0o600); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	warnUnreachable("nobody", binary, cfg, &stderr)
	want := fmt.Sprintf("cortex-check: warning: the nobody user cannot read %s (mode 0600, owner ", config)
	if !strings.Contains(stderr.String(), want) || !strings.Contains(stderr.String(), "cannot read "+status) ||
		!strings.Contains(stderr.String(), "\nhint: the check runs as nobody: it must run the binary and read the config and the status file (0644)") {
		t.Errorf("warnings = %q, want %q and one for the status file, and the hint", stderr.String(), want)
	}

	// No such user here: the glue is for another machine; no warning.
	stderr.Reset()
	warnUnreachable("no-such-user-cortex", binary, cfg, &stderr)
	if stderr.Len() > 0 {
		t.Errorf("warnings for a user that does not exist:\n%s", stderr.String())
	}
}

// The README shows what monitor prints, byte for byte, for the paths it
// names; regenerate its blocks when the glue changes.
func TestReadmeShowsGeneratedGlue(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	c := monitor.Check{Binary: "/usr/local/bin/cortex-check", Config: "/etc/cortex/cortex.toml", Host: "cortex-1", Interval: 30 * time.Second, RestartWarning: 5 * time.Minute}
	for system, gen := range map[string]func(monitor.Check) ([]monitor.File, error){
		"nagios": monitor.Nagios, "icinga": monitor.Icinga, "nrpe": monitor.NRPE, "prometheus": monitor.Prometheus,
	} {
		files, err := gen(c)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(readme, []byte("\n"+files[0].Content+"```\n")) {
			t.Errorf("README.md does not show what monitor %s prints; regenerate it with:\n"+
				"cortex-check -c /etc/cortex/cortex.toml monitor %s --binary /usr/local/bin/cortex-check --host cortex-1", system, system)
		}
	}
}
