package probe

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// short is a probe timeout for probes that are meant to time out; the
// tests never assert how long anything took.
const short = 100 * time.Millisecond

// runOne runs a single target and returns its result.
func runOne(t *testing.T, tg Target) Result {
	t.Helper()
	rs := Run(context.Background(), []Target{tg})
	if len(rs) != 1 {
		t.Fatalf("Run returned %d results for 1 target", len(rs))
	}
	return rs[0]
}

func wantResult(t *testing.T, r Result, healthy bool, errText string) {
	t.Helper()
	if r.Healthy != healthy || r.Err != errText {
		t.Errorf("got healthy=%v err=%q\nwant healthy=%v err=%q", r.Healthy, r.Err, healthy, errText)
	}
}

// acceptingListener accepts connections and holds them open, saying
// nothing, until the test ends: a port that is open but never answers.
func acceptingListener(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln
}

// closedPort returns a local address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestTCP(t *testing.T) {
	open := acceptingListener(t).Addr().String()
	refused := closedPort(t)
	// No local address reliably leaves a connect hanging, so a dialer
	// that waits for its context stands in for a dropped SYN.
	hangingDial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		<-ctx.Done()
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: ctx.Err()}
	}
	tests := []struct {
		name    string
		target  Target
		healthy bool
		err     string
	}{
		{"open", Target{Spec: Spec{TCP: open}}, true, ""},
		{"refused", Target{Spec: Spec{TCP: refused}}, false, "tcp " + refused + ": connection refused"},
		{"no answer", Target{Spec: Spec{TCP: "127.0.0.1:6379", Timeout: short}, Env: Env{Dial: hangingDial}}, false, "tcp 127.0.0.1:6379: timed out after 100ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantResult(t, runOne(t, tt.target), tt.healthy, tt.err)
		})
	}
}

func TestHTTP(t *testing.T) {
	var redirectFollowed sync.Once
	followed := false
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/no-content", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/broken", http.StatusFound) })
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) {
		redirectFollowed.Do(func() { followed = true })
		http.Error(w, "broken", http.StatusInternalServerError)
	})
	mux.HandleFunc("/down", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "database down", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
		// An answer that never ends: the probe must stop reading it.
		chunk := []byte(strings.Repeat("x", 32<<10))
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	srv := httptest.NewServer(mux) // on 127.0.0.1
	t.Cleanup(srv.Close)
	hang := "http://" + acceptingListener(t).Addr().String() + "/health"
	refused := "http://" + closedPort(t) + "/health"

	tests := []struct {
		name    string
		spec    Spec
		healthy bool
		err     string
	}{
		{"200", Spec{HTTP: srv.URL + "/ok"}, true, ""},
		{"204", Spec{HTTP: srv.URL + "/no-content"}, true, ""},
		{"3xx is healthy as is", Spec{HTTP: srv.URL + "/moved"}, true, ""},
		{"3xx must match expect_status", Spec{HTTP: srv.URL + "/moved", ExpectStatus: 200}, false, "http " + srv.URL + "/moved: 302 Found, expect_status 200"},
		{"503", Spec{HTTP: srv.URL + "/down"}, false, "http " + srv.URL + "/down: 503 Service Unavailable"},
		{"404", Spec{HTTP: srv.URL + "/nothing"}, false, "http " + srv.URL + "/nothing: 404 Not Found"},
		{"expect_status met", Spec{HTTP: srv.URL + "/no-content", ExpectStatus: 204}, true, ""},
		{"expect_status missed", Spec{HTTP: srv.URL + "/ok", ExpectStatus: 204}, false, "http " + srv.URL + "/ok: 200 OK, expect_status 204"},
		{"expect_status may be an error code", Spec{HTTP: srv.URL + "/down", ExpectStatus: 503}, true, ""},
		{"endless body", Spec{HTTP: srv.URL + "/endless", Timeout: 30 * time.Second}, true, ""},
		{"never answers", Spec{HTTP: hang, Timeout: short}, false, "http " + hang + ": timed out after 100ms"},
		{"refused", Spec{HTTP: refused}, false, "http " + refused + ": connection refused"},
		{"invalid spec", Spec{HTTP: "ftp://127.0.0.1/"}, false, `probe: http = "ftp://127.0.0.1/": the scheme must be http or https, e.g. http = "http://127.0.0.1:8080/health"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantResult(t, runOne(t, Target{Spec: tt.spec}), tt.healthy, tt.err)
		})
	}
	if followed {
		t.Error("a redirect was followed")
	}
}

// TestHTTPRequest: the probe says who it is, asks for one answer on its
// own connection, and never goes through a proxy the environment names.
func TestHTTPRequest(t *testing.T) {
	var agent, conn string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		agent, conn = r.UserAgent(), r.Header.Get("Connection")
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	t.Setenv("HTTP_PROXY", "http://"+closedPort(t))
	t.Setenv("http_proxy", "http://"+closedPort(t))
	wantResult(t, runOne(t, Target{Spec: Spec{HTTP: srv.URL + "/health"}}), true, "")
	mu.Lock()
	defer mu.Unlock()
	if agent != "cortex-check-probe" || conn != "close" {
		t.Errorf("the server saw User-Agent %q, Connection %q", agent, conn)
	}
}

// fakeExec returns an ExecFunc that records its argv and answers as told.
func fakeExec(out string, err error) (ExecFunc, *[]string) {
	var got []string
	return func(ctx context.Context, argv []string) ([]byte, error) {
		got = argv
		return []byte(out), err
	}, &got
}

func TestExec(t *testing.T) {
	spec := Spec{Exec: []string{"redis-cli", "-p", "6379", "ping"}, Timeout: short}
	ok, okArgv := fakeExec("PONG\n", nil)
	fail, _ := fakeExec("Could not connect to Redis at 127.0.0.1:6379: Connection refused\n", errors.New("exit status 1"))
	silent, _ := fakeExec("", errors.New("exit status 3"))
	noProgram, _ := fakeExec("", fmt.Errorf("as redis: %w", &fs.PathError{Op: "fork/exec", Path: "/usr/bin/redis-cli", Err: fs.ErrPermission}))
	garbled, _ := fakeExec("line one\n\x1b[31mline two\x1b[0m\n", errors.New("exit status 1"))
	// hangs until the probe's deadline, as a command killed by it would.
	hang := func(ctx context.Context, argv []string) ([]byte, error) {
		<-ctx.Done()
		return []byte("started, waiting for the server"), errors.New("signal: killed")
	}
	tests := []struct {
		name    string
		exec    ExecFunc
		healthy bool
		err     string
	}{
		{"exit 0", ok, true, ""},
		{"exit 1 with output", fail, false, "exec redis-cli -p 6379 ping: exit status 1: Could not connect to Redis at 127.0.0.1:6379: Connection refused"},
		{"exit 3 silent", silent, false, "exec redis-cli -p 6379 ping: exit status 3"},
		{"cannot start", noProgram, false, "exec redis-cli -p 6379 ping: as redis: fork/exec /usr/bin/redis-cli: permission denied"},
		{"output on one line", garbled, false, `exec redis-cli -p 6379 ping: exit status 1: line one \x1b[31mline two\x1b[0m`},
		{"hangs", hang, false, "exec redis-cli -p 6379 ping: timed out after 100ms: started, waiting for the server"},
		{"no ExecFunc", nil, false, "exec redis-cli -p 6379 ping: cannot run it: no ExecFunc given (a bug in cortex-check)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantResult(t, runOne(t, Target{Spec: spec, Exec: tt.exec}), tt.healthy, tt.err)
		})
	}
	if want := strings.Join(spec.Exec, " "); strings.Join(*okArgv, " ") != want {
		t.Errorf("ExecFunc got argv %q, want %q", *okArgv, want)
	}
}

func TestExecGetsDeadline(t *testing.T) {
	var has bool
	exec := func(ctx context.Context, argv []string) ([]byte, error) {
		_, has = ctx.Deadline()
		argv[0] = "changed" // must not reach the Spec
		return nil, nil
	}
	spec := Spec{Exec: []string{"check"}}
	runOne(t, Target{Spec: spec, Exec: exec})
	if !has {
		t.Error("the ExecFunc's context has no deadline: a hung command would hold up the pass")
	}
	if spec.Exec[0] != "check" {
		t.Error("the ExecFunc could change the Spec's argv")
	}
}

func TestHeartbeat(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 26, 3, 12, 9, 0, time.UTC)
	beat := filepath.Join(dir, "worker.beat")
	if err := os.WriteFile(beat, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return now }
	denied := func(name string) (fs.FileInfo, error) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrPermission}
	}
	tests := []struct {
		name    string
		path    string
		age     time.Duration // mtime = now - age
		stat    func(string) (fs.FileInfo, error)
		healthy bool
		err     string
	}{
		{"fresh", beat, 10 * time.Second, nil, true, ""},
		{"just now", beat, 0, nil, true, ""},
		{"at max_age", beat, 90 * time.Second, nil, true, ""},
		{"just over max_age", beat, 90*time.Second + 100*time.Millisecond, nil, false, "heartbeat " + beat + ": last touched 1m31s ago, max_age 1m30s"},
		{"stale", beat, 2*time.Minute + 10*time.Second, nil, false, "heartbeat " + beat + ": last touched 2m10s ago, max_age 1m30s"},
		{"future within skew", beat, -time.Second, nil, true, ""},
		{"future", beat, -5 * time.Minute, nil, false, "heartbeat " + beat + ": last touched 5m in the future, which counts as stale (is a clock wrong?), max_age 1m30s"},
		{"missing", filepath.Join(dir, "never.beat"), 0, nil, false, "heartbeat " + filepath.Join(dir, "never.beat") + ": does not exist: the daemon never wrote it"},
		{"folder", dir, 0, nil, false, "heartbeat " + dir + ": is a folder: give the file the daemon touches"},
		{"unreadable", beat, 0, denied, false, "heartbeat " + beat + ": permission denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.path == beat {
				mtime := now.Add(-tt.age)
				if err := os.Chtimes(beat, mtime, mtime); err != nil {
					t.Fatal(err)
				}
			}
			r := runOne(t, Target{
				Spec: Spec{Heartbeat: tt.path, MaxAge: 90 * time.Second},
				Env:  Env{Now: clock, Stat: tt.stat},
			})
			wantResult(t, r, tt.healthy, tt.err)
			if !r.At.Equal(now) {
				t.Errorf("At = %v, want the clock's %v", r.At, now)
			}
		})
	}
}

func TestResultTimes(t *testing.T) {
	start := time.Date(2026, 11, 26, 3, 12, 9, 0, time.UTC)
	var mu sync.Mutex
	calls := 0
	// Each reading of the clock is 7ms after the last.
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		calls++
		return start.Add(time.Duration(calls-1) * 7 * time.Millisecond)
	}
	ok, _ := fakeExec("", nil)
	r := runOne(t, Target{Spec: Spec{Exec: []string{"true"}}, Exec: ok, Env: Env{Now: clock}})
	if !r.At.Equal(start) || r.Latency != 7*time.Millisecond {
		t.Errorf("At %v, Latency %v; want %v and 7ms", r.At, r.Latency, start)
	}
}

func TestRunOrderAndParallel(t *testing.T) {
	// Each exec waits until all have started: run one by one, they would
	// time out instead.
	const n = 5
	var arrived sync.WaitGroup
	arrived.Add(n)
	all := make(chan struct{})
	go func() { arrived.Wait(); close(all) }()
	targets := make([]Target, n)
	for i := range targets {
		targets[i] = Target{
			Spec: Spec{Exec: []string{fmt.Sprint("probe", i)}, Timeout: 30 * time.Second},
			Exec: func(ctx context.Context, argv []string) ([]byte, error) {
				arrived.Done()
				select {
				case <-all:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
				if argv[0] == "probe3" {
					return []byte("no"), errors.New("exit status 1")
				}
				return nil, nil
			},
		}
	}
	rs := Run(context.Background(), targets)
	for i, r := range rs {
		if i == 3 {
			wantResult(t, r, false, "exec probe3: exit status 1: no")
			continue
		}
		wantResult(t, r, true, "")
	}
	if got := Run(context.Background(), nil); len(got) != 0 {
		t.Errorf("Run(nil) = %v", got)
	}
}

func TestRunPassDeadline(t *testing.T) {
	// One probe ignores its context altogether (a stat on a hung NFS
	// mount), one waits for it; both have a long timeout of their own,
	// so only the pass's deadline can end them.
	stuck := make(chan struct{})
	t.Cleanup(func() { close(stuck) })
	ignores := func(ctx context.Context, argv []string) ([]byte, error) {
		<-stuck
		return nil, nil
	}
	waits := func(ctx context.Context, argv []string) ([]byte, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	ok, _ := fakeExec("", nil)
	targets := []Target{
		{Spec: Spec{Exec: []string{"ignores"}, Timeout: time.Minute}, Exec: ignores},
		{Spec: Spec{Exec: []string{"waits"}, Timeout: time.Minute}, Exec: waits},
		{Spec: Spec{Exec: []string{"quick"}, Timeout: time.Minute}, Exec: ok},
	}
	// Longer than settle, so that the probes get some time of their own.
	ctx, cancel := context.WithTimeout(context.Background(), 3*settle)
	defer cancel()
	rs := Run(ctx, targets) // returning at all is the point
	for i, name := range []string{"ignores", "waits"} {
		re := regexp.MustCompile(`^exec ` + name + `: timed out after \d+ms \(the pass's deadline came first\)$`)
		if rs[i].Healthy || !re.MatchString(rs[i].Err) {
			t.Errorf("%s: healthy=%v err=%q, want a timeout by the pass's deadline", name, rs[i].Healthy, rs[i].Err)
		}
		t.Log(rs[i].Err)
	}
	wantResult(t, rs[2], true, "")
}

func TestRunCanceled(t *testing.T) {
	waits := func(ctx context.Context, argv []string) ([]byte, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rs := Run(ctx, []Target{{Spec: Spec{Exec: []string{"waits"}}, Exec: waits}})
	wantResult(t, rs[0], false, "exec waits: stopped: the pass was canceled")
}
