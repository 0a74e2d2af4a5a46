package probe

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"io/fs"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestValidateTLS(t *testing.T) {
	https := "https://127.0.0.1:8443/health"
	tests := []struct {
		name string
		spec Spec
		err  string // the whole message; "" for valid
	}{
		{"ca_file", Spec{HTTP: https, CAFile: "/etc/cortex/ca.pem"}, ""},
		{"server name", Spec{HTTP: https, TLSServerName: "api.internal"}, ""},
		{"server name is an IP", Spec{HTTP: https, TLSServerName: "::1"}, ""},
		{"all but insecure", Spec{HTTP: "HTTPS://h/", CAFile: "/ca.pem", TLSServerName: "api.internal"}, ""},
		{"insecure with a name", Spec{HTTP: https, Insecure: true, TLSServerName: "api.internal"}, ""},

		{"ca_file with tcp", Spec{TCP: "h:1", CAFile: "/ca.pem"}, `probe: ca_file only goes with http, e.g. http = "https://127.0.0.1:8443/health" and ca_file = "tls/ca.pem"`},
		{"server name with exec", Spec{Exec: []string{"true"}, TLSServerName: "h"}, `probe: tls_server_name only goes with http, e.g. http = "https://127.0.0.1:8443/health" and ca_file = "tls/ca.pem"`},
		{"insecure with heartbeat", Spec{Heartbeat: "b", MaxAge: minMaxAge, Insecure: true}, `probe: insecure only goes with http, e.g. http = "https://127.0.0.1:8443/health" and ca_file = "tls/ca.pem"`},
		{"plain http", Spec{HTTP: "http://admin:S3cret@h/", Insecure: true}, `probe: insecure only goes with an https URL, and http = "http://admin:xxxxx@h/" is plain http, e.g. http = "https://127.0.0.1:8443/health" and ca_file = "tls/ca.pem"`},
		{"ca_file and insecure", Spec{HTTP: https, CAFile: "/ca.pem", Insecure: true}, "probe: ca_file and insecure = true together: insecure skips the verification that ca_file is for; keep ca_file and leave insecure out"},
		{"server name with port", Spec{HTTP: https, TLSServerName: "api.internal:8443"}, `probe: tls_server_name = "api.internal:8443": give the host name the certificate is for, without scheme or port, e.g. tls_server_name = "api.internal"`},
		{"server name a URL", Spec{HTTP: https, TLSServerName: "https://api.internal"}, `probe: tls_server_name = "https://api.internal": give the host name the certificate is for, without scheme or port, e.g. tls_server_name = "api.internal"`},
		{"server name dots", Spec{HTTP: https, TLSServerName: ".."}, `probe: tls_server_name = "..": give the host name the certificate is for, without scheme or port, e.g. tls_server_name = "api.internal"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if err := tt.spec.Validate(); err != nil {
				got = err.Error()
			}
			if got != tt.err {
				t.Errorf("Validate() =\n  %s\nwant\n  %s", got, tt.err)
			}
		})
	}
}

func TestTLSConfig(t *testing.T) {
	pool := x509.NewCertPool()
	https := "https://127.0.0.1:8443/health"
	tests := []struct {
		name     string
		spec     Spec
		none     bool // Go's own configuration: nil
		roots    *x509.CertPool
		server   string
		insecure bool
		err      string
	}{
		{"plain http", Spec{HTTP: "http://h/"}, true, nil, "", false, ""},
		{"https without keys", Spec{HTTP: https}, true, nil, "", false, ""},
		{"tcp", Spec{TCP: "h:1"}, true, nil, "", false, ""},
		{"ca_file", Spec{HTTP: https, CAFile: "/ca.pem", CA: pool}, false, pool, "", false, ""},
		{"server name", Spec{HTTP: https, TLSServerName: "api.internal"}, false, nil, "api.internal", false, ""},
		{"both", Spec{HTTP: https, CAFile: "/ca.pem", CA: pool, TLSServerName: "api.internal"}, false, pool, "api.internal", false, ""},
		{"insecure", Spec{HTTP: https, Insecure: true}, false, nil, "", true, ""},
		{"ca_file not read", Spec{HTTP: https, CAFile: "/ca.pem"}, false, nil, "", false, "ca_file /ca.pem was not read (a bug in cortex-check)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.spec.tlsConfig()
			if tt.err != "" || err != nil {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("tlsConfig() error = %v, want %q", err, tt.err)
				}
				return
			}
			if tt.none {
				if c != nil {
					t.Fatalf("tlsConfig() = %+v, want nil", c)
				}
				return
			}
			if c == nil {
				t.Fatal("tlsConfig() = nil")
			}
			if c.RootCAs != tt.roots || c.ServerName != tt.server || c.InsecureSkipVerify != tt.insecure {
				t.Errorf("tlsConfig() = roots %p, server %q, insecure %v; want %p, %q, %v",
					c.RootCAs, c.ServerName, c.InsecureSkipVerify, tt.roots, tt.server, tt.insecure)
			}
			if c.MinVersion < tls.VersionTLS12 {
				t.Errorf("MinVersion = %x, want TLS 1.2 at least", c.MinVersion)
			}
		})
	}
}

// certPEM writes srv's certificate as PEM, as an operator would copy it.
func certPEM(srv *httptest.Server) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
}

func TestReadCA(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte, mode fs.FileMode) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil { // past the umask
			t.Fatal(err)
		}
		return path
	}
	good := write("ca.pem", append([]byte("# our CA\n"), certPEM(srv)...), 0o644)
	fifo := filepath.Join(dir, "fifo.pem")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.pem")
	if err := os.Symlink("ca.pem", link); err != nil {
		t.Fatal(err)
	}
	damaged := append(certPEM(srv), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("garbage")})...)
	tests := []struct {
		name string
		path string
		err  string // a part of the message; "" for none
	}{
		{"good", good, ""},
		{"a link to it", link, ""}, // the link is ours, in our folder
		{"writable by others", write("shared.pem", certPEM(srv), 0o666), "ca_file: " + dir + "/shared.pem is writable by group"},
		{"missing", filepath.Join(dir, "none.pem"), "ca_file " + dir + "/none.pem does not exist: give the PEM file of the CA that signed the server's certificate"},
		{"fifo", fifo, "ca_file " + fifo + " is a FIFO (named pipe), not a regular file"},
		{"folder", dir, "ca_file " + dir + " is a folder, not a regular file"},
		{"not PEM", write("key.txt", []byte("hello\n"), 0o644), "ca_file " + dir + "/key.txt holds no certificate: give a PEM file with -----BEGIN CERTIFICATE----- blocks"},
		{"only a key", write("key.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("k")}), 0o644), "holds no certificate"},
		{"damaged", write("damaged.pem", damaged, 0o644), "ca_file " + dir + "/damaged.pem: certificate 2: x509: "},
		{"too large", write("big.pem", make([]byte, 1<<20+1), 0o644), "is larger than 1024 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool, err := ReadCA(tt.path, os.Geteuid())
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("ReadCA: %v", err)
			case tt.err == "" && pool == nil:
				t.Fatal("ReadCA returned no pool")
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("ReadCA error = %v, want one with %q", err, tt.err)
			}
		})
	}
	// The refusal says what a CA file risks, not what a program does.
	_, err := ReadCA(filepath.Join(dir, "shared.pem"), os.Geteuid())
	if msg := err.Error(); !strings.Contains(msg, "could make the probe trust a server of their choosing; fix: chmod go-w") || strings.Contains(msg, "run their code") {
		t.Errorf("ReadCA refusal = %q", msg)
	}
}

// An https probe against a server whose certificate no system CA signed:
// it fails saying so, and passes with ca_file, with tls_server_name for a
// name the certificate has, or with insecure.
func TestHTTPS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshakes refused on purpose
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool, err := parseCA("ca.pem", certPEM(srv))
	if err != nil {
		t.Fatal(err)
	}
	url := srv.URL + "/health" // https://127.0.0.1:PORT; the certificate names 127.0.0.1 and example.com
	tests := []struct {
		name    string
		spec    Spec
		healthy bool
		err     string
	}{
		{"unknown CA", Spec{HTTP: url}, false, "http " + url + ": tls: failed to verify certificate: x509: certificate signed by unknown authority; ca_file names the PEM of the CA that signed it"},
		{"ca_file", Spec{HTTP: url, CAFile: "ca.pem", CA: pool}, true, ""},
		{"ca_file and its name", Spec{HTTP: url, CAFile: "ca.pem", CA: pool, TLSServerName: "example.com"}, true, ""},
		{"ca_file, another name", Spec{HTTP: url, CAFile: "ca.pem", CA: pool, TLSServerName: "api.internal"}, false,
			"http " + url + ": tls: failed to verify certificate: x509: certificate is valid for example.com, *.example.com, not api.internal; tls_server_name sets the name to check it against"},
		{"insecure", Spec{HTTP: url, Insecure: true}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantResult(t, runOne(t, Target{Spec: tt.spec}), tt.healthy, tt.err)
		})
	}
	var unknown x509.UnknownAuthorityError
	if err := checkHTTP(t.Context(), Spec{HTTP: url}, nil); !errors.As(err, &unknown) && !strings.Contains(err.Error(), "unknown authority") {
		t.Errorf("checkHTTP error = %v", err)
	}
}
