package check

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, toml, want string
	}{
		{"no daemons", `status_file = "s.json"`, "cortex.toml: no [[daemon]] configured"},
		{"unknown top key", "status_fle = 1\n[[daemon]]\nname = \"a\"", `cortex.toml:1: unknown key "status_fle"`},
		{"unknown daemon key", "[[daemon]]\nname = \"a\"\n[[daemon]]\nname = \"b\"\nstrat = []", `cortex.toml:5: daemon[2] (b): unknown key "strat"`},
		{"a control group's file as a name", "[[daemon]]\nname = \"cgroup.procs\"", `daemon[1]: name "cgroup.procs" is the name of a control group's own file (cgroup.*)`},
		{"unknown probe key", "[[daemon]]\nname = \"a\"\n[daemon.probe]\ntcp = \"127.0.0.1:1\"\nfailurs = 3", `cortex.toml:5: unknown key "failurs" in [daemon.probe] (did you mean "failures"?)`},
		{"bad toml", "[[daemon]]\nname = ", "cortex.toml:2:"},
		{"bad toml quoting a newline", "a=0b\n", `cortex.toml:1:3: not a binary number: '0b\n'`},
		{"missing name", "[[daemon]]\npattern = \"x\"", "cortex.toml: daemon[1]: name is required"},
		{"duplicate", "[[daemon]]\nname = \"a\"\n[[daemon]]\nname = \"a\"", `daemon[2] (a): name "a" is already used by daemon[1]`},
		{"bad regexp", "[[daemon]]\nname = \"a\"\npattern = 'a('", `daemon[1] (a): pattern 'a(' is not a valid regexp: missing closing )`},
		{"empty pattern", "[[daemon]]\nname = \"a\"\npattern = ''", "pattern is empty"},
		{"duration without unit", "interval = 30\n[[daemon]]\nname = \"a\"", `cortex.toml:1:`},
		{"negative duration", "[[daemon]]\nname = \"a\"\nstart_timeout = \"-2s\"", "it must be positive"},
		{"max_restarts zero", "max_restarts = 0\n[[daemon]]\nname = \"a\"", "max_restarts = 0: it must be at least 1"},
		{"max_instances negative", "[[daemon]]\nname = \"a\"\nmax_instances = -1", "max_instances = -1"},
		{"empty start", "[[daemon]]\nname = \"a\"\nstart = []", "start is empty"},
		{"after unknown", "[[daemon]]\nname = \"a\"\nafter = [\"b\"]", `after names "b", which is not a configured daemon`},
		{"after self", "[[daemon]]\nname = \"a\"\nafter = [\"a\"]", "after names the daemon itself"},
		{"after cycle", "[[daemon]]\nname = \"a\"\nafter = [\"c\"]\n[[daemon]]\nname = \"b\"\nafter = [\"a\"]\n[[daemon]]\nname = \"c\"\nafter = [\"b\"]",
			"after forms a cycle: a -> c -> b -> a"},
		{"bad env name", "[[daemon]]\nname = \"a\"\nenv = { \"A=B\" = \"x\" }", `env: "A=B" is not a valid variable name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.toml), "/etc/cortex/cortex.toml")
			if err == nil {
				t.Fatalf("Parse succeeded, want error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q spans lines", err)
			}
		})
	}
}

func TestParseDefaultsAndPaths(t *testing.T) {
	cfg, err := Parse([]byte(`
status_file = "run/status.json"
start_timeout = "7s"
max_restarts = 3

[[daemon]]
name = "pm-daemon"
start = ["scripts/pm-daemon.sh"]
pidfile = "/var/run/pm.pid"

[[daemon]]
name = "worker-daemon"
pattern = 'worker\.sh'
dir = "work"
start_timeout = "2s"
max_restarts = 9
restart_window = "1h"
`), "/srv/cortex/cortex.toml")
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"Dir", cfg.Dir, "/srv/cortex"},
		{"StatusFile", cfg.StatusFile, "/srv/cortex/run/status.json"},
		{"LogFile", cfg.LogFile, "/srv/cortex/" + DefaultLogFile},
		{"LogDir", cfg.LogDir, "/srv/cortex/logs"},
		{"LockFile", cfg.LockFile, "/srv/cortex/run/status.json.lock"},
		{"Textfile", cfg.Textfile, ""},
		{"pm Pidfile", cfg.Daemons[0].Pidfile, "/var/run/pm.pid"},
		{"pm Dir", cfg.Daemons[0].Dir, "/srv/cortex"},
		{"pm Pattern", cfg.Daemons[0].Pattern, ""},
		{"worker Dir", cfg.Daemons[1].Dir, "/srv/cortex/work"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if d := cfg.Daemons[0]; d.StartTimeout != 7*time.Second || d.MaxRestarts != 3 || d.RestartWindow != DefaultRestartWindow {
		t.Errorf("pm-daemon inherits %v %d %v, want 7s 3 %v", d.StartTimeout, d.MaxRestarts, d.RestartWindow, DefaultRestartWindow)
	}
	if d := cfg.Daemons[1]; d.StartTimeout != 2*time.Second || d.MaxRestarts != 9 || d.RestartWindow != time.Hour {
		t.Errorf("worker-daemon overrides to %v %d %v, want 2s 9 1h", d.StartTimeout, d.MaxRestarts, d.RestartWindow)
	}
	if cfg.Interval != DefaultInterval {
		t.Errorf("Interval = %v, want %v", cfg.Interval, DefaultInterval)
	}
}

func TestParseNameIsLiteralPattern(t *testing.T) {
	cfg, err := Parse([]byte("[[daemon]]\nname = \"a.b\"\n"), "/x/cortex.toml")
	if err != nil {
		t.Fatal(err)
	}
	d := &cfg.Daemons[0]
	if d.Pattern != `a\.b` {
		t.Errorf("Pattern = %q, want the name quoted", d.Pattern)
	}
	if !d.match.matches(&Process{Cmdline: "run a.b now"}) || d.match.matches(&Process{Cmdline: "run axb now"}) {
		t.Error("a name without pattern must match itself literally and nothing else")
	}
}

// Names become file names and perfdata labels: only a safe alphabet.
func TestParseDaemonNames(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"pm-daemon", true},
		{"redis@6379", true},
		{"a.b_c-d", true},
		{"9lives", true},
		{"-leading-dash", false},
		{".hidden", false},
		{"../../etc/cron.d/x", false},
		{"with space", false},
		{"pipe|name", false},
		{"quote'name", false},
		{"semi;colon=eq", false},
		{strings.Repeat("x", 64), true},
		{strings.Repeat("x", 65), false},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(fmt.Sprintf("[[daemon]]\nname = %q\npattern = 'x'\n", tt.name)), "/x/cortex.toml")
		if (err == nil) != tt.ok {
			t.Errorf("name %q: err %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "use letters, digits") {
			t.Errorf("name %q: %v does not say what a name may hold", tt.name, err)
		}
	}
}

// Wrong types are reported all at once, in TOML's terms, with their
// lines and an example, not as the first Go decoding error.
func TestParseTypeErrors(t *testing.T) {
	text := `interval = 30
[[daemon]]
name = "web"
start = "nginx"
max_instances = "2"
[daemon.probe]
tcp = 6379
[[daemon]]
name = "worker"
after = "web"
env = ["x"]
`
	_, err := Parse([]byte(text), "/etc/cortex/cortex.toml")
	if err == nil {
		t.Fatal("a config with wrong types was accepted")
	}
	want := []string{
		`/etc/cortex/cortex.toml:1: interval must be a string, e.g. interval = "30s"`,
		`/etc/cortex/cortex.toml:4: daemon[1] (web): start must be a list of strings, e.g. start = ["nginx", "-g", "daemon off;"]`,
		`/etc/cortex/cortex.toml:5: daemon[1] (web): max_instances must be a whole number, e.g. max_instances = 1`,
		`/etc/cortex/cortex.toml:7: daemon[1] (web): probe.tcp must be a string, e.g. tcp = "127.0.0.1:6379"`,
		`/etc/cortex/cortex.toml:10: daemon[2] (worker): after must be a list of strings, e.g. after = ["pm-daemon"]`,
		`/etc/cortex/cortex.toml:11: daemon[2] (worker): env must be a table of strings, e.g. env = { LANG = "C.UTF-8" }`,
	}
	if got := err.Error(); got != strings.Join(want, "; ") {
		t.Errorf("got\n%s\nwant\n%s", strings.ReplaceAll(got, "; ", "\n"), strings.Join(want, "\n"))
	}
}

// The TLS keys of an http probe: ca_file resolves against the config's
// folder and is read at once, so that what is wrong with it is a config
// error naming the daemon and the key; the keys go only with https.
func TestParseProbeTLS(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "tls"), 0o755); err != nil {
		t.Fatal(err)
	}
	der := selfSigned(t)
	if err := os.WriteFile(filepath.Join(dir, "tls", "ca.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tls", "shared.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "tls", "shared.pem"), 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tls", "notes.txt"), []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "cortex.toml")
	daemon := "[[daemon]]\nname = \"api\"\n[daemon.probe]\n"

	cfg, err := Parse([]byte(daemon+"http = \"https://127.0.0.1:8443/health\"\nca_file = \"tls/ca.pem\"\ntls_server_name = \"api.internal\"\n"), path)
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Daemons[0].Probe
	if p.CAFile != filepath.Join(dir, "tls", "ca.pem") || p.CA == nil || p.TLSServerName != "api.internal" || p.Insecure {
		t.Errorf("probe = ca_file %q (pool %v), tls_server_name %q, insecure %v", p.CAFile, p.CA != nil, p.TLSServerName, p.Insecure)
	}
	cfg, err = Parse([]byte(daemon+"http = \"https://127.0.0.1:8443/health\"\ninsecure = true\n"), path)
	if err != nil || !cfg.Daemons[0].Probe.Insecure {
		t.Errorf("insecure = true: %v", err)
	}

	tests := []struct {
		name, probe, want string
	}{
		{"ca_file with tcp", "tcp = \"127.0.0.1:1\"\nca_file = \"tls/ca.pem\"", `cortex.toml: daemon[1] (api): probe: ca_file only goes with http, e.g.`},
		{"insecure with exec", "exec = [\"true\"]\ninsecure = true", `cortex.toml: daemon[1] (api): probe: insecure only goes with http, e.g.`},
		{"tls_server_name with heartbeat", "heartbeat = \"b\"\nmax_age = \"1m\"\ntls_server_name = \"h\"", `cortex.toml: daemon[1] (api): probe: tls_server_name only goes with http, e.g.`},
		{"plain http", "http = \"http://h/\"\nca_file = \"tls/ca.pem\"", `probe: ca_file only goes with an https URL, and http = "http://h/" is plain http`},
		{"insecure not a bool", "http = \"https://h/\"\ninsecure = \"yes\"", `cortex.toml:5: daemon[1] (api): probe.insecure must be true or false, e.g. insecure = true`},
		{"missing", "http = \"https://h/\"\nca_file = \"tls/none.pem\"", "cortex.toml: daemon[1] (api): probe: ca_file " + dir + "/tls/none.pem does not exist"},
		{"writable by others", "http = \"https://h/\"\nca_file = \"tls/shared.pem\"",
			"cortex.toml: daemon[1] (api): probe: ca_file: " + dir + "/tls/shared.pem is writable by group"},
		{"not PEM", "http = \"https://h/\"\nca_file = \"tls/notes.txt\"", "cortex.toml: daemon[1] (api): probe: ca_file " + dir + "/tls/notes.txt holds no certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(daemon+tt.probe+"\n"), path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want one with %q", err, tt.want)
			}
		})
	}
}

// selfSigned returns a throwaway self-signed certificate, DER.
func selfSigned(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "cortex test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestValidName holds validName to the regexp it replaced, over names
// at the edges of each rule.
func TestValidName(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)
	names := []string{"", "a", "Z", "0", "pm-daemon", "redis@6379", "a.b_c-d", ".hidden", "-x", "_x", "@x",
		"a b", "a/b", "ä", "a\x00", "a\n", strings.Repeat("x", 64), strings.Repeat("x", 65), "x" + strings.Repeat(".", 63), "x" + strings.Repeat(".", 64)}
	for c := 0; c < 256; c++ {
		names = append(names, string(rune(c)), "a"+string([]byte{byte(c)}))
	}
	for _, n := range names {
		if got, want := validName(n), re.MatchString(n); got != want {
			t.Errorf("validName(%q) = %v, the regexp says %v", n, got, want)
		}
	}
}
