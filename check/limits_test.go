package check

import (
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr string
	}{
		{"512MiB", 512 << 20, ""},
		{"1GiB", 1 << 30, ""},
		{"1.5GiB", 3 << 29, ""},
		{"2TiB", 2 << 40, ""},
		{"1024KiB", 1 << 20, ""},
		{"512M", 512 << 20, ""}, // systemd's MemoryMax: 1024-based
		{"2G", 2 << 30, ""},
		{" 64 MiB ", 64 << 20, ""},
		{"1048576B", 1 << 20, ""},
		{"1KiB", 0, "less than 1MiB"},
		{"0MiB", 0, "less than 1MiB"},
		{"-5MiB", 0, "cannot be negative"},
		{"512", 0, "give a unit"},
		{"512MB", 0, "binary: write MiB"},
		{"1gb", 0, "binary: write giB"},
		{"512 parsecs", 0, `unknown unit "parsecs"`},
		{"lots", 0, "write a number"},
		{"5XiB", 0, `unknown unit "XiB"`},
		{"", 0, "write a number"},
		{"99999999999TiB", 0, "too large"},
	}
	for _, tt := range tests {
		got, err := ParseSize("max_memory", tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), `max_memory = "`+tt.in+`"`) {
				t.Errorf("ParseSize(%q) = %d, %v; want an error naming the key and value, saying %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParsePercent(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		wantErr string
	}{
		{"90%", 90, ""},
		{"0.5%", 0.5, ""},
		{"250%", 250, ""}, // two and a half cores, as CPUQuota=250%
		{" 100 %", 100, ""},
		{"0%", 0, "always at or over 0%"},
		{"-10%", 0, "cannot be negative"},
		{"90", 0, "with %"},
		{"ninety%", 0, "with %"},
		{"200000%", 0, "1024 cores"},
	}
	for _, tt := range tests {
		got, err := ParsePercent("max_cpu", tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), `max_cpu = "`+tt.in+`"`) {
				t.Errorf("ParsePercent(%q) = %v, %v; want an error naming the key and value, saying %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParsePercent(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestFormatSizeAndPercent(t *testing.T) {
	for n, want := range map[int64]string{612 << 20: "612MiB", 3 << 29: "1.5GiB", 1 << 30: "1GiB", 900: "900B", 1536: "1.5KiB", 150 << 20: "150MiB"} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %s, want %s", n, got, want)
		}
	}
	for p, want := range map[float64]string{93.4: "93%", 0.5: "0.5%", 0: "0%", 2.25: "2.2%", 250: "250%"} {
		if got := FormatPercent(p); got != want {
			t.Errorf("FormatPercent(%v) = %s, want %s", p, got, want)
		}
	}
}

// TestLimitKeys: the keys decode at the top (defaults) and per daemon,
// and a wrong value names the key, the value and the daemon.
func TestLimitKeys(t *testing.T) {
	cfg, err := Parse([]byte(`max_memory = "512MiB"
for = 2
[[daemon]]
name = "a"
[[daemon]]
name = "b"
max_memory = "1GiB"
max_cpu = "90%"
for = 5
on_limit = "restart"
restart_on_change = ["b.conf", "/usr/sbin/b"]
on_change = "restart"
port = 6379
[daemon.probe]
tcp = "127.0.0.1:6379"
action = "alert"
`), "/srv/cortex.toml")
	if err != nil {
		t.Fatal(err)
	}
	a, b := cfg.Daemons[0], cfg.Daemons[1]
	if a.Limits != (Limits{MaxMemory: 512 << 20, For: 2}) || a.RestartOnChange != nil || a.OnChangeRestart || a.Port != 0 {
		t.Errorf("a: %+v %v %v %d", a.Limits, a.RestartOnChange, a.OnChangeRestart, a.Port)
	}
	if b.Limits != (Limits{MaxMemory: 1 << 30, MaxCPU: 90, For: 5, Restart: true}) || !b.OnChangeRestart || b.Port != 6379 ||
		strings.Join(b.RestartOnChange, " ") != "/srv/b.conf /usr/sbin/b" || !b.Probe.Alerts() {
		t.Errorf("b: %+v %v %v %d %q", b.Limits, b.RestartOnChange, b.OnChangeRestart, b.Port, b.Probe.Action)
	}
	if cfg, _ := Parse([]byte("[[daemon]]\nname = \"c\"\n"), "/srv/cortex.toml"); cfg.Daemons[0].Limits != (Limits{For: DefaultLimitFor}) {
		t.Errorf("defaults: %+v", cfg.Daemons[0].Limits)
	}

	for _, tt := range []struct{ toml, want string }{
		{`max_memory = "1KiB"`, `daemon[1] (web): max_memory = "1KiB": no daemon runs in less than 1MiB`},
		{`max_memory = "-1MiB"`, `daemon[1] (web): max_memory = "-1MiB": a size cannot be negative`},
		{`max_cpu = "0%"`, `daemon[1] (web): max_cpu = "0%": a daemon is always at or over 0%`},
		{`max_cpu = "-5%"`, `daemon[1] (web): max_cpu = "-5%": a percentage cannot be negative`},
		{`for = 0`, `daemon[1] (web): for = 0: give how many passes`},
		{`on_limit = "restrat"`, `daemon[1] (web): on_limit = "restrat": give "warn" (WARNING only) or "restart" (--fix restarts it) (did you mean "restart"?)`},
		{`on_change = "kill"`, `daemon[1] (web): on_change = "kill": give "warn"`},
		{`restart_on_change = [""]`, `daemon[1] (web): restart_on_change: an empty path`},
		{`port = 70000`, `daemon[1] (web): port = 70000: give the TCP port`},
		{`max_memory = 512`, `daemon[1] (web): max_memory must be a string, e.g. max_memory = "512MiB"`},
		{"[daemon.probe]\ntcp = \"127.0.0.1:1\"\naction = \"page\"", `daemon[1] (web): probe: action = "page": give "restart"`},
	} {
		_, err := Parse([]byte("[[daemon]]\nname = \"web\"\n"+tt.toml+"\n"), "/srv/cortex.toml")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.toml, err, tt.want)
		}
	}
	if _, err := Parse([]byte("max_cpu = \"0%\"\n[[daemon]]\nname = \"web\"\n"), "/srv/cortex.toml"); err == nil || !strings.Contains(err.Error(), `/srv/cortex.toml: max_cpu = "0%"`) {
		t.Errorf("top-level max_cpu = \"0%%\": %v", err)
	}
}
