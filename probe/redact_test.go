package probe

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestRedactURL(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"nothing to hide", "http://127.0.0.1:8080/health", "http://127.0.0.1:8080/health"},
		{"kept as written", "HTTP://Example.com/a%7eb", "HTTP://Example.com/a%7eb"},
		{"password", "http://admin:S3cret@127.0.0.1/health", "http://admin:xxxxx@127.0.0.1/health"},
		{"empty password", "http://admin:@h/", "http://admin:xxxxx@h/"},
		{"user without password", "http://admin@h/health", "http://admin@h/health"},
		{"escaped password", "http://admin:p%40ss%2Fw@h/", "http://admin:xxxxx@h/"},
		{"query", "https://h/health?token=T0ken42", "https://h/health?token=xxxxx"},
		{"query items", "https://h/?a=1&b=&c", "https://h/?a=xxxxx&b=xxxxx&xxxxx"},
		{"bare token", "https://h/health?T0ken42", "https://h/health?xxxxx"},
		{"empty query", "https://h/health?", "https://h/health?"},
		{"both", "http://admin:S3cret@h:8080/health?token=T0ken42&x=1", "http://admin:xxxxx@h:8080/health?token=xxxxx&x=xxxxx"},
		{"fragment kept", "http://h/p?k=v#top", "http://h/p?k=xxxxx#top"},
		{"escaped value", "http://h/?k=%2F%3D&j=a%26b", "http://h/?k=xxxxx&j=xxxxx"},

		// url.Parse refuses these; the text is redacted all the same.
		{"unparsed: slash in password", "http://admin:S3/cret@h/health?token=T0k", "http://admin:xxxxx@h/health?token=xxxxx"},
		{"unparsed: bad port", "http://h:80x/health?token=T0k#f", "http://h:80x/health?token=xxxxx#f"},
		{"unparsed: control character", "http://admin:S3cret@h/\n?token=T0k", "http://admin:xxxxx@h/\n?token=xxxxx"},
		{"unparsed: at in path only", "http://h:x/a@b", "http://h:xxxxx@b"},
		{"no scheme", "admin:S3cret@h/health?token=T0k", "admin:xxxxx@h/health?token=xxxxx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RedactURL(tt.raw); got != tt.want {
				t.Errorf("RedactURL(%q) = %q, want %q", tt.raw, got, tt.want)
			}
			if strings.Contains(RedactURL(tt.raw), "S3") || strings.Contains(RedactURL(tt.raw), "T0k") {
				t.Errorf("RedactURL(%q) shows a secret", tt.raw)
			}
		})
	}
}

// The secret in a probe's URL never reaches its result, whatever the way
// it fails; the redacted form does.
func TestHTTPResultRedacted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user, pass, ok := r.BasicAuth(); !ok || user != "admin" || pass != "S3cret" {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		if r.URL.Query().Get("token") != "T0ken42" {
			http.Error(w, "no token", http.StatusForbidden)
			return
		}
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	secret := func(base string) string {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		return "http://admin:S3cret@" + u.Host + "/health?token=T0ken42"
	}
	shown := func(base string) string {
		u, _ := url.Parse(base)
		return "http://admin:xxxxx@" + u.Host + "/health?token=xxxxx"
	}
	refused := "http://" + closedPort(t)
	hang := "http://" + acceptingListener(t).Addr().String()
	tests := []struct {
		name string
		spec Spec
		want string
	}{
		{"status", Spec{HTTP: secret(srv.URL)}, "http " + shown(srv.URL) + ": 503 Service Unavailable"},
		{"refused", Spec{HTTP: secret(refused)}, "http " + shown(refused) + ": connection refused"},
		{"timeout", Spec{HTTP: secret(hang), Timeout: short}, "http " + shown(hang) + ": timed out after 100ms"},
		{"tls to plain http", Spec{HTTP: "https" + strings.TrimPrefix(secret(srv.URL), "http")},
			"http https" + strings.TrimPrefix(shown(srv.URL), "http") + ": http: server gave HTTP response to HTTPS client"},
		{"invalid", Spec{HTTP: "http://admin:S3/cret@h:1/?token=T0ken42"},
			`probe: http = "http://admin:xxxxx@h:1/?token=xxxxx": not a valid URL (the parser's detail is not shown: it may quote a secret), e.g. http = "http://127.0.0.1:8080/health"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runOne(t, Target{Spec: tt.spec})
			wantResult(t, r, false, tt.want)
			for _, text := range []string{r.Err, tt.spec.Describe()} {
				if strings.Contains(text, "S3") || strings.Contains(text, "T0ken42") {
					t.Errorf("a secret shows: %q", text)
				}
			}
		})
	}
	// And the error the client returns, printed whole.
	err := checkHTTP(t.Context(), Spec{HTTP: secret(refused), Timeout: time.Second}, nil)
	var ue *url.Error
	if !errors.As(err, &ue) || strings.Contains(err.Error(), "S3cret") || strings.Contains(err.Error(), "T0ken42") {
		t.Errorf("checkHTTP error = %v, want a *url.Error without secrets", err)
	}
}

// A webhook's or ping URL's path is its secret as often as its query:
// long segments read xxxxx, the host and short segments stay.
func TestRedactSecretURL(t *testing.T) {
	for _, tt := range []struct{ raw, want string }{
		{"https://hooks.slack.com/services/T0AAAA/B0BBBB/abcdefghijklmnopqrstuvwx", "https://hooks.slack.com/services/T0AAAA/B0BBBB/xxxxx"},
		{"https://hc-ping.com/0b5d2a63-7b0f-4b5e-9d1c-6f3f1d2e8a71/fail", "https://hc-ping.com/xxxxx/fail"},
		{"https://ntfy.sh/cortex-alerts?tpl=1&m={{.text}}", "https://ntfy.sh/cortex-alerts?tpl=xxxxx&m=xxxxx"},
		{"https://admin:S3cret@mm.example.com/hooks/x", "https://admin:xxxxx@mm.example.com/hooks/x"},
		{"http://127.0.0.1:8080/hook", "http://127.0.0.1:8080/hook"},
		{"hc-ping.com/0b5d2a63-7b0f-4b5e-9d1c-6f3f1d2e8a71", "hc-ping.com/xxxxx"},
	} {
		if got := RedactSecretURL(tt.raw); got != tt.want {
			t.Errorf("RedactSecretURL(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}
