package probe

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/cortex/cortex-check/escape"
	"github.com/cortex/cortex-check/human"
	"github.com/cortex/cortex-check/trust"
	"github.com/cortex/cortex-check/web"
)

// Result is what one probe found.
type Result struct {
	Healthy bool
	Latency time.Duration // from start to answer, or to the timeout
	Err     string        // why not healthy, one line: "tcp 127.0.0.1:6379: connection refused"
	At      time.Time     // when the probe started, by Env.Now
}

// ExecFunc runs argv[0] with argv[1:] as arguments, without a shell, and
// returns its combined output (or as much of its end as the caller
// keeps). An exit status other than 0 is an error. It must stop the
// command when ctx is done. The caller writes it so that the command runs
// as the daemon's user with a clean environment; RunCommand does the rest.
type ExecFunc func(ctx context.Context, argv []string) (output []byte, err error)

// Env is the outside world as the probes see it. A nil field means the
// real one: time.Now, trust.Stat, a net.Dialer.
type Env struct {
	Now func() time.Time
	// Stat looks at a heartbeat file. The real one, trust.Stat, follows
	// no symbolic link that someone other than root could have planted:
	// a pass runs as root, and os.Stat would tell the owner of a daemon's
	// folder whether any file exists and when it changed.
	Stat func(name string) (fs.FileInfo, error)
	// Dial opens TCP connections for tcp and http probes.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
}

func (e Env) orReal() Env {
	if e.Now == nil {
		e.Now = time.Now
	}
	if e.Stat == nil {
		e.Stat = trust.Stat
	}
	if e.Dial == nil {
		e.Dial = (&net.Dialer{}).DialContext
	}
	return e
}

// Target is one probe to run with what it needs.
type Target struct {
	Spec Spec
	Exec ExecFunc // needed by exec probes only
	Env  Env
}

// Run runs every target's probe at once and returns their results in the
// order of targets. Each probe is bounded by its Spec's timeout and by
// ctx, which carries the pass's deadline: Run returns by that deadline
// (probes are cut a little before it), and at most settle after a probe's
// own timeout. A probe that ignores its context (a stat on a hung NFS
// mount, an ExecFunc that does not kill its command) is left behind with a
// timeout result rather than holding up the pass, which is a one-shot
// process anyway.
func Run(ctx context.Context, targets []Target) []Result {
	results := make([]Result, len(targets))
	var wg sync.WaitGroup
	for i := range targets {
		wg.Go(func() { results[i] = targets[i].run(ctx) })
	}
	wg.Wait()
	return results
}

// settle is how long a probe gets after its deadline to return what it
// saw, such as a killed command's last output, before Run leaves it
// behind. Under a pass deadline probes are cut settle before it, so that
// Run itself still returns by that deadline.
const settle = 100 * time.Millisecond

// The causes of a probe's deadline, to tell which came first.
var (
	errOwnTimeout   = errors.New("probe timeout")
	errPassDeadline = errors.New("pass deadline")
)

func (t Target) run(ctx context.Context) Result {
	env := t.Env.orReal()
	s := t.Spec.WithDefaults()
	start := env.Now()
	r := Result{At: start}
	if err := s.Validate(); err != nil {
		r.Err = escape.Line(err.Error())
		return r
	}
	// Deadlines are on the real clock, as contexts are, whatever env.Now.
	budget, cause := s.Timeout, errOwnTimeout
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl) - settle; left < budget {
			budget, cause = max(left, 0), errPassDeadline
		}
	}
	pctx, cancel := context.WithTimeoutCause(ctx, budget, cause)
	defer cancel()

	done := make(chan error, 1) // buffered: a probe left behind must not block forever
	go func() { done <- s.check(pctx, t.Exec, env) }()
	var err error
	select {
	case err = <-done:
	case <-pctx.Done():
		err = pctx.Err() // unless the probe answers after all
		wait := time.NewTimer(settle)
		defer wait.Stop()
		select {
		case err = <-done:
		case <-wait.C:
		case <-ctx.Done():
			select {
			case err = <-done:
			default:
			}
		}
	}
	r.Latency = env.Now().Sub(start)
	if err == nil {
		r.Healthy = true
		return r
	}
	msg := reason(err)
	if pctx.Err() != nil {
		// Whatever error the probe saw (i/o timeout, context deadline
		// exceeded, signal: killed), the cause is the deadline.
		msg = timedOut(pctx, budget)
		var out *outputError
		if errors.As(err, &out) && out.tail != "" {
			msg += ": " + out.tail
		}
	}
	r.Err = escape.Line(s.subject() + ": " + msg)
	return r
}

func timedOut(pctx context.Context, budget time.Duration) string {
	switch cause := context.Cause(pctx); {
	case errors.Is(cause, errOwnTimeout):
		return "timed out after " + human.Duration(budget)
	case errors.Is(cause, errPassDeadline) || errors.Is(cause, context.DeadlineExceeded):
		return "timed out after " + human.Duration(budget) + " (the pass's deadline came first)"
	}
	return "stopped: the pass was canceled"
}

// reason peels the wrappers whose text repeats what the message already
// says (Get "http://...", dial tcp 127.0.0.1:6379, connect) down to the
// part that says what went wrong. Wrapping by fmt.Errorf is kept: it is
// context someone added on purpose.
func reason(err error) string {
	for {
		switch e := err.(type) {
		case *url.Error:
			err = e.Err
		case *net.OpError:
			err = e.Err
		case *os.SyscallError:
			err = e.Err
		case *fs.PathError:
			err = e.Err
		default:
			return err.Error()
		}
	}
}

func (s Spec) check(ctx context.Context, run ExecFunc, env Env) error {
	switch s.Kind() {
	case KindHTTP:
		return checkHTTP(ctx, s, env.Dial)
	case KindTCP:
		conn, err := env.Dial(ctx, "tcp", s.TCP)
		if err != nil {
			return err
		}
		conn.Close() // an open port is all we wanted to know
		return nil
	case KindExec:
		return checkExec(ctx, s, run)
	case KindHeartbeat:
		return checkHeartbeat(s, env)
	}
	return errors.New("no probe") // Validate has caught this
}

// maxBody caps how much of an answer is read: the status is the verdict,
// the body is read only so that the server can finish writing a short one.
const maxBody = 64 << 10

func checkHTTP(ctx context.Context, s Spec, dial func(ctx context.Context, network, address string) (net.Conn, error)) error {
	tc, err := s.tlsConfig()
	if err != nil {
		return err
	}
	// One request on its own connection, never through a proxy that the
	// environment happens to name (a pass that runs as root must not send
	// its probes, and what their URLs carry, through one; nor can a local
	// port be reached through one), a 3xx answer healthy as it is:
	// following it would probe another endpoint, maybe on another host.
	resp, err := web.Do(ctx, web.Request{URL: s.HTTP, Header: [][2]string{{"User-Agent", "cortex-check-probe"}},
		TLS: tc, Dial: dial, MaxHeader: maxBody, MaxBody: maxBody})
	if err != nil {
		return certHint(redactErr(err))
	}
	switch {
	case s.ExpectStatus != 0:
		if resp.StatusCode != s.ExpectStatus {
			return fmt.Errorf("%s, expect_status %d", resp.Status, s.ExpectStatus)
		}
	case resp.StatusCode < 200 || resp.StatusCode > 399:
		return errors.New(resp.Status)
	}
	return nil
}

// certHint adds to a failed certificate check the key that fixes it.
func certHint(err error) error {
	var unknown x509.UnknownAuthorityError
	var name x509.HostnameError
	switch {
	case errors.As(err, &unknown):
		return fmt.Errorf("%s; ca_file names the PEM of the CA that signed it", reason(err))
	case errors.As(err, &name):
		return fmt.Errorf("%s; tls_server_name sets the name to check it against", reason(err))
	}
	return err
}

// redactErr redacts the URL that a *url.Error shows (Get "http://...":
// ...): the HTTP client takes the password out but keeps the query.
// reason peels that wrapper anyway; this is for whoever prints the error
// whole.
func redactErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = RedactURL(ue.URL)
	}
	return err
}

// outputError carries the end of a failed command's output, which says
// more than its exit status.
type outputError struct {
	err  error
	tail string
}

func (e *outputError) Error() string {
	if e.tail == "" {
		return reason(e.err)
	}
	return reason(e.err) + ": " + e.tail
}

func (e *outputError) Unwrap() error { return e.err }

func checkExec(ctx context.Context, s Spec, run ExecFunc) error {
	if run == nil {
		return errors.New("cannot run it: no ExecFunc given (a bug in cortex-check)")
	}
	out, err := run(ctx, slices.Clone(s.Exec))
	if err != nil {
		return &outputError{err: err, tail: tail(out)}
	}
	return nil
}

// futureSkew is how far in the future a heartbeat may be and still count.
// A future mtime counts as stale: a file stamped ahead (a clock stepped
// back, a touch -d typo) would otherwise look fresh until the clock caught
// up, however long ago its daemon died. One second allows for a network
// file system whose server's clock runs a little ahead; a local file
// system stamps from this host's clock and is never ahead.
const futureSkew = time.Second

func checkHeartbeat(s Spec, env Env) error {
	fi, err := env.Stat(s.Heartbeat)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errors.New("does not exist: the daemon never wrote it")
	case err != nil:
		return err
	case fi.IsDir():
		return errors.New("is a folder: give the file the daemon touches")
	}
	age := env.Now().Sub(fi.ModTime())
	switch {
	case age < -futureSkew:
		return fmt.Errorf("last touched %s in the future, which counts as stale (is a clock wrong?), max_age %s", human.Duration(-age), human.Duration(s.MaxAge))
	case age > s.MaxAge:
		return fmt.Errorf("last touched %s ago, max_age %s", human.DurationUp(age), human.Duration(s.MaxAge))
	}
	return nil
}
