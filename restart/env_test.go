package restart

import (
	"errors"
	"io/fs"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/trust"
)

func TestEnvLine(t *testing.T) {
	tests := []struct {
		line, key, value string
		ok               bool
	}{
		{"", "", "", true},
		{"   ", "", "", true},
		{"# a comment", "", "", true},
		{"  # an indented comment = with an equals sign", "", "", true},
		{"KEY=value", "KEY", "value", true},
		{"KEY=", "KEY", "", true},
		{"  KEY = value  ", "KEY", "value", true},
		{"export KEY=value", "KEY", "value", true},
		{"KEY=a=b", "KEY", "a=b", true},
		{`KEY="double quoted"`, "KEY", "double quoted", true},
		{`KEY='single quoted'`, "KEY", "single quoted", true},
		{`KEY="$HOME and \n stay as written"`, "KEY", `$HOME and \n stay as written`, true},
		{`KEY="mismatched'`, "KEY", `"mismatched'`, true},
		{`KEY="`, "KEY", `"`, true},
		{`KEY=""`, "KEY", "", true},
		{"KEY=value # not a comment", "KEY", "value # not a comment", true},
		{"KEY=value\r", "KEY", "value", true},
		{"no equals sign", "", "", false},
		{"=value", "", "", false},
		{"TWO WORDS=value", "", "", false},
		{"TAB\tKEY=value", "", "", false},
		{"KEY=nul\x00byte", "", "", false},
		{"export =value", "", "", false},
	}
	for _, tt := range tests {
		k, v, ok := envLine(tt.line)
		if k != tt.key || v != tt.value || ok != tt.ok {
			t.Errorf("envLine(%q) = %q, %q, %v; want %q, %q, %v", tt.line, k, v, ok, tt.key, tt.value, tt.ok)
		}
	}
}

func TestParseEnv(t *testing.T) {
	tests := []struct {
		name, text string
		want       map[string]string
		err        string
	}{
		{"lines, comments and blanks", "# app\nA=1\n\nexport B='two words'\r\nC=\"3\"\n", map[string]string{"A": "1", "B": "two words", "C": "3"}, ""},
		{"a later line wins", "A=1\nA=2", map[string]string{"A": "2"}, ""},
		{"no final newline", "A=1", map[string]string{"A": "1"}, ""},
		{"empty", "", map[string]string{}, ""},
		{"a bad line is named by its number, not shown", "A=1\n# two\nsecret-token-abc\nB=2\n", nil, "env_file /etc/app.env:3: want KEY=value (the line is not shown: it may be secret)"},
		{"a bad first line", "oops", nil, "/etc/app.env:1: want KEY=value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{}
			err := parseEnv(tt.text, "/etc/app.env", vars)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				if strings.Contains(err.Error(), "secret-token") {
					t.Errorf("the bad line is quoted back: %v", err)
				}
				return
			}
			if err != nil || !maps.Equal(vars, tt.want) {
				t.Errorf("got %v, %v; want %v", vars, err, tt.want)
			}
		})
	}
}

// trustedDir is a folder of the test's own under the temporary folder:
// the trusted-path rule accepts what it holds, owned by this user and
// not writable by others.
func trustedDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeFile(t *testing.T, path, text string, mode os.FileMode) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // not what umask left
		t.Fatal(err)
	}
	return path
}

func TestReadEnvFile(t *testing.T) {
	dir := trustedDir(t)
	me := trust.Owner{UID: os.Geteuid(), GID: os.Getegid()}
	good := writeFile(t, filepath.Join(dir, "good.env"), "# app\nA=1\nexport B=\"2\"\n", 0o644)
	bad := writeFile(t, filepath.Join(dir, "bad.env"), "A=1\nthe-password\n", 0o600)
	open := writeFile(t, filepath.Join(dir, "open.env"), "A=1\n", 0o666)
	big := writeFile(t, filepath.Join(dir, "big.env"), strings.Repeat("# padding line\n", maxEnvFile/15+1), 0o644)
	full := writeFile(t, filepath.Join(dir, "full.env"), strings.Repeat("#", maxEnvFile-len("\nA=1"))+"\nA=1", 0o644)
	link := filepath.Join(dir, "link.env")
	if err := os.Symlink(good, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.env")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock.env")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	folder := filepath.Join(dir, "folder.env")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.env")

	tests := []struct {
		name, path string
		want       map[string]string
		err        string // "" for none
		notExist   bool   // the error is fs.ErrNotExist
	}{
		{"a file of KEY=value lines", good, map[string]string{"A": "1", "B": "2"}, "", false},
		{"optional and there: read", "-" + good, map[string]string{"A": "1", "B": "2"}, "", false},
		{"optional and missing: nothing", "-" + missing, map[string]string{}, "", false},
		{"required and missing", missing, nil, "env_file", true},
		{"a bad line: its number, not its text", bad, nil, bad + ":2: want KEY=value", false},
		{"writable by others: refused", open, nil, "env_file: ", false},
		{"optional but untrusted: still refused", "-" + open, nil, "env_file: ", false},
		{"over 1 MiB: refused, not cut", big, nil, "is larger than 1024 KiB", false},
		{"1 MiB exactly: read", full, map[string]string{"A": "1"}, "", false},
		{"a link at its name: refused", link, nil, "is a symbolic link, not a regular file", false},
		{"a FIFO: refused without hanging", fifo, nil, "is a FIFO (named pipe), not a regular file", false},
		{"a socket: refused", sock, nil, "not a regular file", false},
		{"a folder: refused", folder, nil, "env_file", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{}
			err := readEnvFile(tt.path, vars, os.Geteuid(), me)
			if tt.err == "" {
				if err != nil || !maps.Equal(vars, tt.want) {
					t.Errorf("got %v, %v; want %v", vars, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err %v, want %q", err, tt.err)
			}
			if errors.Is(err, fs.ErrNotExist) != tt.notExist {
				t.Errorf("err %v: fs.ErrNotExist %v, want %v", err, !tt.notExist, tt.notExist)
			}
			if strings.Contains(err.Error(), "the-password") {
				t.Errorf("the file's text is quoted back: %v", err)
			}
		})
	}
}

func TestEnvironment(t *testing.T) {
	dir := trustedDir(t)
	first := writeFile(t, filepath.Join(dir, "first.env"), "A=from the first\nB=from the first\nHOME=/srv/app\n", 0o644)
	second := writeFile(t, filepath.Join(dir, "second.env"), "B=from the second\n", 0o644)
	bad := writeFile(t, filepath.Join(dir, "bad.env"), "nonsense\n", 0o644)
	pass := map[string]string{"LANG": "C.UTF-8", "TZ": "UTC", "HOME": "/root", "LD_PRELOAD": "/evil.so", "PATH": "/home/me/bin"}
	s := Starter{UID: os.Geteuid(), Getenv: func(k string) string { return pass[k] }}
	owner := Owner{Name: "app", UID: os.Geteuid(), GID: os.Getegid(), Home: "/home/app", Shell: "/bin/bash"}
	tests := []struct {
		name   string
		daemon check.Daemon
		owner  Owner
		getenv func(string) string
		want   []string
		err    string
	}{
		{"the base, the user, its files in order, then env", check.Daemon{Dir: dir, EnvFiles: []string{first, second}, Env: map[string]string{"A": "from env"}}, owner, nil,
			[]string{"A=from env", "B=from the second", "HOME=/srv/app", "LANG=C.UTF-8", "LOGNAME=app", "PATH=" + trust.SafePATH, "PWD=" + dir, "SHELL=/bin/bash", "TZ=UTC", "USER=app"}, ""},
		{"a bare owner: no user variables", check.Daemon{Dir: "/"}, Owner{UID: 4321, GID: 4321}, nil,
			[]string{"LANG=C.UTF-8", "PATH=" + trust.SafePATH, "PWD=/", "TZ=UTC"}, ""},
		{"without LANG and TZ in the pass: none", check.Daemon{Dir: "/"}, Owner{UID: 4321, GID: 4321}, func(string) string { return "" },
			[]string{"PATH=" + trust.SafePATH, "PWD=/"}, ""},
		{"a bad env_file: no environment", check.Daemon{Dir: dir, EnvFiles: []string{first, bad}}, owner, nil, nil, bad + ":1:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := s
			if tt.getenv != nil {
				s.Getenv = tt.getenv
			}
			env, err := s.Environment(&tt.daemon, tt.owner)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !slices.Equal(env, tt.want) {
				t.Errorf("got\n%q, %v; want\n%q", env, err, tt.want)
			}
		})
	}
}

// Without a Getenv the pass's own environment is read, for LANG and TZ
// only.
func TestEnvironmentReadsThePassForLangAndTZ(t *testing.T) {
	t.Setenv("LANG", "de_DE.UTF-8")
	t.Setenv("CORTEX_NOT_PASSED_ON", "1")
	env, err := Starter{UID: os.Geteuid()}.Environment(&check.Daemon{Dir: "/"}, Owner{UID: 4321})
	if err != nil || !slices.Contains(env, "LANG=de_DE.UTF-8") || slices.ContainsFunc(env, func(v string) bool { return strings.HasPrefix(v, "CORTEX_NOT_PASSED_ON=") }) {
		t.Errorf("got %q, %v; want LANG from the pass and nothing else of it", env, err)
	}
}
