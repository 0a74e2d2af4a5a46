package probe

import (
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	tcp := Spec{TCP: "127.0.0.1:6379"}
	with := func(f func(*Spec)) Spec {
		s := tcp
		f(&s)
		return s
	}
	tests := []struct {
		name string
		spec Spec
		err  string // the whole message; "" for valid
	}{
		{"tcp", tcp, ""},
		{"tcp ipv6", Spec{TCP: "[::1]:6379"}, ""},
		{"tcp name", Spec{TCP: "localhost:6379"}, ""},
		{"http", Spec{HTTP: "http://127.0.0.1:8080/health"}, ""},
		{"https with status", Spec{HTTP: "HTTPS://example.com/health", ExpectStatus: 204}, ""},
		{"exec", Spec{Exec: []string{"redis-cli", "ping"}}, ""},
		{"heartbeat", Spec{Heartbeat: "run/worker.beat", MaxAge: 90 * time.Second}, ""},
		{"all common keys", with(func(s *Spec) { s.Timeout, s.Failures, s.Grace = time.Minute, 5, time.Hour }), ""},

		{"none", Spec{}, `probe: give exactly one of http, tcp, exec or heartbeat, e.g. tcp = "127.0.0.1:6379"`},
		{"only common keys", Spec{Timeout: time.Second}, `probe: give exactly one of http, tcp, exec or heartbeat, e.g. tcp = "127.0.0.1:6379"`},
		{"two", Spec{HTTP: "http://h/", TCP: "h:1"}, "probe: give exactly one of http, tcp, exec or heartbeat, not http and tcp together"},
		{"three", Spec{TCP: "h:1", Exec: []string{"x"}, Heartbeat: "f", MaxAge: time.Minute}, "probe: give exactly one of http, tcp, exec or heartbeat, not tcp, exec and heartbeat together"},

		{"http no scheme, secrets redacted", Spec{HTTP: "admin:S3cret@h/?T0k"}, `probe: http = "admin:xxxxx@h/?xxxxx": give the whole URL with http:// or https://, e.g. http = "http://127.0.0.1:8080/health"`},
		{"http no scheme", Spec{HTTP: "127.0.0.1:8080/health"}, `probe: http = "127.0.0.1:8080/health": give the whole URL with http:// or https://, e.g. http = "http://127.0.0.1:8080/health"`},
		{"http bad scheme", Spec{HTTP: "ftp://127.0.0.1/health"}, `probe: http = "ftp://127.0.0.1/health": the scheme must be http or https, e.g. http = "http://127.0.0.1:8080/health"`},
		{"http no host", Spec{HTTP: "http:///health"}, `probe: http = "http:///health": the URL has no host, e.g. http = "http://127.0.0.1:8080/health"`},
		{"http port only", Spec{HTTP: "http://:8080/health"}, `probe: http = "http://:8080/health": the URL has no host, e.g. http = "http://127.0.0.1:8080/health"`},
		{"http bad port", Spec{HTTP: "http://127.0.0.1:80x/"}, `probe: http = "http://127.0.0.1:80x/": invalid port ":80x" after host, e.g. http = "http://127.0.0.1:8080/health"`},
		{"http control char", Spec{HTTP: "http://h/\n"}, `probe: http = "http://h/\n": net/url: invalid control character in URL, e.g. http = "http://127.0.0.1:8080/health"`},
		{"http secrets redacted", Spec{HTTP: "ftp://admin:S3cret@h/?token=T0k"}, `probe: http = "ftp://admin:xxxxx@h/?token=xxxxx": the scheme must be http or https, e.g. http = "http://127.0.0.1:8080/health"`},
		{"http secret in parser's detail", Spec{HTTP: "http://admin:S3/cret@h/"}, `probe: http = "http://admin:xxxxx@h/": not a valid URL (the parser's detail is not shown: it may quote a secret), e.g. http = "http://127.0.0.1:8080/health"`},

		{"tcp no port", Spec{TCP: "127.0.0.1"}, `probe: tcp = "127.0.0.1": give host:port, e.g. tcp = "127.0.0.1:6379"`},
		{"tcp no host", Spec{TCP: ":6379"}, `probe: tcp = ":6379": give the host too, e.g. tcp = "127.0.0.1:6379"`},
		{"tcp named port", Spec{TCP: "127.0.0.1:redis"}, `probe: tcp = "127.0.0.1:redis": the port must be a number from 1 to 65535, e.g. tcp = "127.0.0.1:6379"`},
		{"tcp port 0", Spec{TCP: "127.0.0.1:0"}, `probe: tcp = "127.0.0.1:0": the port must be a number from 1 to 65535, e.g. tcp = "127.0.0.1:6379"`},
		{"tcp port too big", Spec{TCP: "127.0.0.1:65536"}, `probe: tcp = "127.0.0.1:65536": the port must be a number from 1 to 65535, e.g. tcp = "127.0.0.1:6379"`},

		{"exec empty", Spec{Exec: []string{}}, `probe: exec is empty: give the program and its arguments, e.g. exec = ["redis-cli", "-p", "6379", "ping"]`},
		{"exec no program", Spec{Exec: []string{" ", "ping"}}, `probe: exec: the first item must be the program, e.g. exec = ["redis-cli", "-p", "6379", "ping"]`},

		{"heartbeat no max_age", Spec{Heartbeat: "w.beat"}, `probe: heartbeat needs max_age, how old the file may get, e.g. max_age = "90s"`},
		{"heartbeat negative max_age", Spec{Heartbeat: "w.beat", MaxAge: -time.Second}, `probe: heartbeat needs max_age, how old the file may get, e.g. max_age = "90s"`},
		{"heartbeat tiny max_age", Spec{Heartbeat: "w.beat", MaxAge: 500 * time.Millisecond}, `probe: max_age = "500ms": give at least 1s, as some file systems keep whole-second mtimes, e.g. max_age = "90s"`},
		{"max_age without heartbeat", with(func(s *Spec) { s.MaxAge = time.Minute }), `probe: max_age only goes with heartbeat, e.g. heartbeat = "run/worker.beat" and max_age = "90s"`},

		{"expect_status with tcp", with(func(s *Spec) { s.ExpectStatus = 200 }), `probe: expect_status only goes with http, e.g. http = "http://127.0.0.1:8080/health" and expect_status = 204`},
		{"expect_status too low", Spec{HTTP: "http://h/", ExpectStatus: 99}, "probe: expect_status = 99: give an HTTP status from 100 to 599, e.g. expect_status = 204"},
		{"expect_status too high", Spec{HTTP: "http://h/", ExpectStatus: 600}, "probe: expect_status = 600: give an HTTP status from 100 to 599, e.g. expect_status = 204"},
		{"expect_status bounds", Spec{HTTP: "http://h/", ExpectStatus: 599}, ""},

		{"timeout negative", with(func(s *Spec) { s.Timeout = -time.Second }), `probe: timeout = "-1s": give at least 10ms, e.g. timeout = "2s"`},
		{"timeout tiny", with(func(s *Spec) { s.Timeout = time.Millisecond }), `probe: timeout = "1ms": give at least 10ms, e.g. timeout = "2s"`},
		{"timeout at most", with(func(s *Spec) { s.Timeout = time.Minute + time.Second }), `probe: timeout = "1m1s": a probe must answer within a pass, give at most 1m, e.g. timeout = "2s"`},
		{"failures negative", with(func(s *Spec) { s.Failures = -1 }), "probe: failures = -1: give how many failing passes in a row make the daemon unhealthy, 1 or more, e.g. failures = 3"},
		{"grace negative", with(func(s *Spec) { s.Grace = -time.Minute }), `probe: grace = "-1m": it cannot be negative, e.g. grace = "30s"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.spec.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.err {
				t.Errorf("Validate() =\n  %s\nwant\n  %s", got, tt.err)
			}
			if strings.Contains(got, "\n") {
				t.Errorf("message spans lines: %q", got)
			}
			// Defaults never make a valid spec invalid.
			if tt.err == "" {
				if err := tt.spec.WithDefaults().Validate(); err != nil {
					t.Errorf("with defaults: %v", err)
				}
			}
		})
	}
}

func TestWithDefaults(t *testing.T) {
	got := Spec{TCP: "h:1"}.WithDefaults()
	if got.Timeout != 2*time.Second || got.Failures != 3 || got.Grace != 30*time.Second {
		t.Errorf("defaults: timeout %v, failures %d, grace %v; want 2s, 3, 30s", got.Timeout, got.Failures, got.Grace)
	}
	given := Spec{TCP: "h:1", Timeout: time.Second, Failures: 1, Grace: time.Minute}
	if got := given.WithDefaults(); got.Timeout != given.Timeout || got.Failures != given.Failures || got.Grace != given.Grace {
		t.Errorf("WithDefaults changed given values: %+v", got)
	}
}

func TestKindAndDescribe(t *testing.T) {
	tests := []struct {
		spec     Spec
		kind     Kind
		describe string
	}{
		{Spec{TCP: "127.0.0.1:6379"}, KindTCP, "tcp 127.0.0.1:6379"},
		{Spec{HTTP: "http://127.0.0.1:8080/health"}, KindHTTP, "http http://127.0.0.1:8080/health"},
		{Spec{HTTP: "http://admin:S3cret@127.0.0.1:8080/health?token=T0k"}, KindHTTP, "http http://admin:xxxxx@127.0.0.1:8080/health?token=xxxxx"},
		{Spec{Exec: []string{"redis-cli", "-p", "6379", "ping"}}, KindExec, "exec redis-cli -p 6379 ping"},
		{Spec{Exec: []string{"/opt/my tools/check", "", `say "hi"`}}, KindExec, `exec "/opt/my tools/check" "" "say \"hi\""`},
		{Spec{Heartbeat: "run/w.beat", MaxAge: 90 * time.Second}, KindHeartbeat, "heartbeat run/w.beat (max age 1m30s)"},
		{Spec{Heartbeat: "/var/run/w.beat", MaxAge: 2 * time.Hour}, KindHeartbeat, "heartbeat /var/run/w.beat (max age 2h)"},
		{Spec{}, "", "no probe"},
		{Spec{TCP: "h:1", HTTP: "http://h/"}, "", "no probe"},
	}
	for _, tt := range tests {
		if got := tt.spec.Kind(); got != tt.kind {
			t.Errorf("%+v: Kind() = %q, want %q", tt.spec, got, tt.kind)
		}
		if got := tt.spec.Describe(); got != tt.describe {
			t.Errorf("%+v: Describe() = %q, want %q", tt.spec, got, tt.describe)
		}
	}
}

func TestTail(t *testing.T) {
	if got := tail([]byte("  PONG\n")); got != "PONG" {
		t.Errorf("tail = %q, want PONG", got)
	}
	long := strings.Repeat("é", 300) + "\nthe last line says why\n"
	got := tail([]byte(long))
	if !strings.HasPrefix(got, "...") || !strings.HasSuffix(got, "the last line says why") {
		t.Errorf("tail = %q, want ... and the end", got)
	}
	if n := len(got) - len("..."); n > tailLen {
		t.Errorf("tail kept %d bytes, want at most %d", n, tailLen)
	}
	if strings.ContainsRune(got, '\ufffd') {
		t.Errorf("tail cut a character in two: %q", got)
	}
}
