package web

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestDo holds the client to what net/http's answers, against a real
// server: the status as written, a redirect not followed, the request's
// method, headers, body and basic auth.
func TestDo(t *testing.T) {
	type seen struct {
		method, uri, agent, ctype, auth, conn, host string
		body                                        string
		proxyVia                                    bool
	}
	var mu sync.Mutex
	var last seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		last = seen{r.Method, r.RequestURI, r.UserAgent(), r.Header.Get("Content-Type"), r.Header.Get("Authorization"),
			r.Header.Get("Connection"), r.Host, string(b), r.Header.Get("Via") != ""}
		mu.Unlock()
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		case "/down":
			http.Error(w, "database down", http.StatusServiceUnavailable)
		case "/none":
			w.WriteHeader(http.StatusNoContent)
		case "/endless":
			chunk := []byte(strings.Repeat("x", 32<<10))
			for {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		default:
			io.WriteString(w, "ok\n")
		}
	}))
	t.Cleanup(srv.Close)
	// A proxy in the environment is never used.
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:1")
	t.Setenv("http_proxy", "http://127.0.0.1:1")
	host := strings.TrimPrefix(srv.URL, "http://")
	tests := []struct {
		name   string
		req    Request
		status string
		want   seen
	}{
		{"get", Request{URL: srv.URL + "/health?x=1"}, "200 OK",
			seen{method: "GET", uri: "/health?x=1", agent: DefaultUserAgent, conn: "close", host: host}},
		{"empty path", Request{URL: srv.URL}, "200 OK", seen{method: "GET", uri: "/", agent: DefaultUserAgent, conn: "close", host: host}},
		{"redirect not followed", Request{URL: srv.URL + "/moved"}, "302 Found",
			seen{method: "GET", uri: "/moved", agent: DefaultUserAgent, conn: "close", host: host}},
		{"error status", Request{URL: srv.URL + "/down", Header: [][2]string{{"User-Agent", "cortex-check-probe"}}}, "503 Service Unavailable",
			seen{method: "GET", uri: "/down", agent: "cortex-check-probe", conn: "close", host: host}},
		{"no content", Request{URL: srv.URL + "/none"}, "204 No Content", seen{method: "GET", uri: "/none", agent: DefaultUserAgent, conn: "close", host: host}},
		{"endless body", Request{URL: srv.URL + "/endless"}, "200 OK", seen{method: "GET", uri: "/endless", agent: DefaultUserAgent, conn: "close", host: host}},
		{"post", Request{Method: "POST", URL: srv.URL + "/hook", Header: [][2]string{{"Content-Type", "application/json"}}, Body: []byte(`{"a":1}`)}, "200 OK",
			seen{method: "POST", uri: "/hook", agent: DefaultUserAgent, ctype: "application/json", conn: "close", host: host, body: `{"a":1}`}},
		{"basic auth from the URL", Request{URL: "http://admin:S3cret@" + host + "/health"}, "200 OK",
			seen{method: "GET", uri: "/health", agent: DefaultUserAgent, auth: "Basic YWRtaW46UzNjcmV0", conn: "close", host: host}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			resp, err := Do(ctx, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if code, _ := strconv.Atoi(strings.Fields(tt.status)[0]); resp.Status != tt.status || resp.StatusCode != code {
				t.Errorf("status = %d %q, want %q", resp.StatusCode, resp.Status, tt.status)
			}
			mu.Lock()
			got := last
			mu.Unlock()
			if got != tt.want {
				t.Errorf("server saw %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// serveRaw answers every connection with the bytes answer gives it, after
// reading the request's headers; hold keeps the connection open after.
func serveRaw(t *testing.T, answer string, hold bool) string {
	t.Helper()
	return serve(t, answer, hold, true)
}

// serve is serveRaw, reading the request first or not.
func serve(t *testing.T, answer string, hold, read bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for read {
					line, err := br.ReadString('\n')
					if err != nil || line == "\r\n" {
						break
					}
				}
				io.WriteString(c, answer)
				if hold {
					<-done // keep the connection open, as a server ignoring Connection: close would
				}
			})
		}
	})
	return "http://" + ln.Addr().String() + "/"
}

// TestAnswers covers answers a real server rarely gives: framing, interim
// answers, and the malformed ones, with net/http's words for them.
func TestAnswers(t *testing.T) {
	tests := []struct {
		name   string
		answer string
		hold   bool // the server keeps the connection open: the framing must end the read
		status string
		err    string
	}{
		{"content length, connection held", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n", true, "200 OK", ""},
		{"chunked, connection held", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nok\n\r\n0\r\n\r\n", true, "200 OK", ""},
		{"no length, closed", "HTTP/1.0 200 OK\r\n\r\nok", false, "200 OK", ""},
		{"interim answer", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", true, "201 Created", ""},
		{"204 has no body", "HTTP/1.1 204 No Content\r\n\r\n", true, "204 No Content", ""},
		{"no reason phrase", "HTTP/1.1 503\r\nContent-Length: 0\r\n\r\n", true, "503", ""},
		{"bare LF lines", "HTTP/1.1 200 OK\nContent-Length: 0\n\n", true, "200 OK", ""},
		{"closed at once", "", false, "", "EOF"},
		{"not HTTP", "SSH-2.0-OpenSSH_9.2\r\n", false, "", `malformed HTTP response "SSH-2.0-OpenSSH_9.2"`},
		{"bad status code", "HTTP/1.1 2000 OK\r\n\r\n", false, "", `malformed HTTP status code "2000"`},
		{"bad version", "HTTQ/1.1 200 OK\r\n\r\n", false, "", `malformed HTTP version "HTTQ/1.1"`},
		{"bad header", "HTTP/1.1 200 OK\r\nno colon\r\n\r\n", false, "", "malformed MIME header line: no colon"},
		{"headers cut", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n", false, "", "unexpected EOF"},
		{"headers too long", "HTTP/1.1 200 OK\r\nX-Junk: " + strings.Repeat("x", 70<<10) + "\r\n\r\n", false, "", "server response headers exceeded the limit; aborted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := serveRaw(t, tt.answer, tt.hold)
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			resp, err := Do(ctx, Request{URL: u})
			if tt.err != "" {
				var ue *url.Error
				if !errors.As(err, &ue) || ue.Op != "Get" || ue.Err.Error() != tt.err {
					t.Fatalf("Do error = %v, want Get %q: %s", err, u, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != tt.status {
				t.Errorf("status %q, want %q", resp.Status, tt.status)
			}
			if ctx.Err() != nil {
				t.Error("the read ran to the deadline")
			}
		})
	}
}

// TestErrors: a refused connection, a deadline, a cancel, a URL that is
// none, in net/http's words, with the URL's password never shown.
func TestErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String() + "/"
	ln.Close()
	silent := serveRaw(t, "", true) // reads the request, never answers

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, err = Do(ctx, Request{URL: refused})
	var op *net.OpError
	if !errors.As(err, &op) || !strings.HasSuffix(err.Error(), "connect: connection refused") || !strings.HasPrefix(err.Error(), `Get "`+refused+`": dial tcp `) {
		t.Errorf("refused: %v", err)
	}

	short, cancelShort := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancelShort()
	start := time.Now()
	_, err = Do(short, Request{URL: silent})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 3*time.Second {
		t.Errorf("deadline: %v after %s", err, time.Since(start))
	}

	canceled, cancelNow := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancelNow)
	_, err = Do(canceled, Request{URL: silent})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancel: %v", err)
	}

	for _, tt := range []struct{ url, want string }{
		{"ftp://h/x", `Get "ftp://h/x": unsupported protocol scheme "ftp"`},
		{"http:///x", `Get "http:///x": no Host in request URL`},
		{"http://bücher.example/", `Get "http://b%C3%BCcher.example/": host "bücher.example" is not ASCII: write it as its xn-- (punycode) name`},
		{"http://admin:S3cret@127.0.0.1:1/%zz", `Get "http://admin:S3cret@127.0.0.1:1/%zz": parse "http://admin:S3cret@127.0.0.1:1/%zz": invalid URL escape "%zz"`},
	} {
		_, err := Do(ctx, Request{URL: tt.url})
		if err == nil || err.Error() != tt.want {
			t.Errorf("Do(%q) = %v, want %s", tt.url, err, tt.want)
		}
	}
	_, err = Do(ctx, Request{Method: "POST", URL: "http://admin:S3cret@" + strings.TrimPrefix(refused, "http://")})
	if err == nil || strings.Contains(err.Error(), "S3cret") || !strings.HasPrefix(err.Error(), "Post ") {
		t.Errorf("an error shows the password or another op: %v", err)
	}
}

// TestTLS: the system's CAs by default, a pool and a name given, and a
// plain HTTP server behind an https URL named as net/http names it.
func TestTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshakes refused on purpose
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	plain := strings.Replace(serve(t, "HTTP/1.1 400 Bad Request\r\n\r\n", true, false), "http://", "https://", 1)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()

	var unknown x509.UnknownAuthorityError
	if _, err := Do(ctx, Request{URL: srv.URL}); !errors.As(err, &unknown) {
		t.Errorf("unknown CA: %v", err)
	}
	if resp, err := Do(ctx, Request{URL: srv.URL, TLS: &tls.Config{RootCAs: pool}}); err != nil || resp.StatusCode != 200 {
		t.Errorf("with its CA: %v", err)
	}
	if _, err := Do(ctx, Request{URL: srv.URL, TLS: &tls.Config{RootCAs: pool, ServerName: "example.com"}}); err != nil {
		t.Errorf("with its CA and a name it has: %v", err)
	}
	var name x509.HostnameError
	if _, err := Do(ctx, Request{URL: srv.URL, TLS: &tls.Config{RootCAs: pool, ServerName: "api.internal"}}); !errors.As(err, &name) {
		t.Errorf("a name it has not: %v", err)
	}
	if _, err := Do(ctx, Request{URL: plain}); err == nil || !strings.HasSuffix(err.Error(), ": http: server gave HTTP response to HTTPS client") {
		t.Errorf("plain HTTP: %v", err)
	}
}
