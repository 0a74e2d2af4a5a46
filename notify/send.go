package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/escape"
	"github.com/cortex/cortex-check/probe"
	"github.com/cortex/cortex-check/restart"
	"github.com/cortex/cortex-check/trust"
	"github.com/cortex/cortex-check/web"
)

// PingTimeout bounds the dead-man's ping, as healthchecks.io's own
// examples bound theirs (curl -m 10): a short try, every pass.
const PingTimeout = 5 * time.Second

// Sender delivers a pass's messages and its ping.
type Sender struct {
	ConfigDir  string // a relative exec program resolves here
	NotifyUser string // who an exec notifier runs as when the pass is root
	EUID       int    // the pass's user
	Getenv     func(string) string
	// Untrusted says why others could have changed the config: then no
	// exec notifier runs (a webhook still goes).
	Untrusted error
	UserAgent string
	// Throwaway makes an exec notifier start in a control group of its
	// own, emptied and removed by done (restart.Starter.Throwaway): a
	// notifier that daemonizes a child leaves nothing behind. nil: the
	// host keeps no groups, and its process group is all that is killed.
	Throwaway func(name string, cmd *exec.Cmd) (done func(), err error)
}

// Send delivers m to n, within n's timeout and the pass's deadline.
func (s *Sender) Send(ctx context.Context, n *check.Notify, m Message, deadline time.Time) error {
	ctx, cancel, limit := bounded(ctx, n.Timeout, deadline)
	defer cancel()
	var err error
	if n.Webhook != "" {
		err = s.post(ctx, n.Webhook, "application/json", m.JSON())
	} else {
		err = s.exec(ctx, n.Exec, m)
	}
	return timedOut(ctx, err, limit)
}

// Ping sends the dead-man's switch its request: the URL while the pass is
// OK or WARNING, <url>/fail when it is CRITICAL or UNKNOWN (healthchecks.io's
// convention), with the plugin's text as the body.
func (s *Sender) Ping(ctx context.Context, raw string, fail bool, body string, deadline time.Time) error {
	ctx, cancel, limit := bounded(ctx, PingTimeout, deadline)
	defer cancel()
	return timedOut(ctx, s.post(ctx, PingURL(raw, fail), "text/plain; charset=utf-8", []byte(body)), limit)
}

// PingURL is the URL a pass pings: raw, or raw with /fail added to its path.
func PingURL(raw string, fail bool) string {
	if !fail {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return strings.TrimSuffix(raw, "/") + "/fail"
	}
	return u.JoinPath("fail").String()
}

// bounded is ctx ending after timeout, or at the pass's deadline if that
// comes first; limit is how long that leaves, for the message.
func bounded(ctx context.Context, timeout time.Duration, deadline time.Time) (context.Context, context.CancelFunc, time.Duration) {
	limit := timeout
	if !deadline.IsZero() {
		limit = min(limit, time.Until(deadline))
	}
	c, cancel := context.WithTimeout(ctx, max(limit, 0))
	return c, cancel, limit
}

// timedOut words a deadline as the timeout it was.
func timedOut(ctx context.Context, err error, limit time.Duration) error {
	if err == nil || !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return err
	}
	if limit <= 0 {
		return errors.New("not tried: the pass's --timeout was spent")
	}
	return fmt.Errorf("timed out after %s", limit.Round(time.Millisecond))
}

// post sends body; a 2xx answer is delivery. Errors never quote the URL,
// whose path or query may be the secret. No proxy from the environment: a
// pass from cron, a terminal or systemd sends the same way, as the probes
// do. Redirects are not followed: a POST would lose its body. The dial
// and the TLS handshake each get at most PingTimeout, as the ping does.
func (s *Sender) post(ctx context.Context, raw, ctype string, body []byte) error {
	header := [][2]string{{"Content-Type", ctype}}
	if s.UserAgent != "" {
		header = append(header, [2]string{"User-Agent", s.UserAgent})
	}
	resp, err := web.Do(ctx, web.Request{Method: "POST", URL: raw, Header: header, Body: body,
		Dial: (&net.Dialer{Timeout: PingTimeout}).DialContext, HandshakeTimeout: PingTimeout, MaxBody: 64 << 10})
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.As(err, &ue) { // url.Parse's own
			return errors.New("not a valid URL")
		}
		return err
	}
	if resp.StatusCode/100 != 2 {
		if resp.StatusCode/100 == 3 {
			return fmt.Errorf("answered %s (redirects are not followed: give the URL it redirects to)", resp.Status)
		}
		return fmt.Errorf("answered %s", resp.Status)
	}
	return nil
}

// exec runs an exec notifier: never through a shell, as notify_user when
// the pass is root, with the clean environment of a start plus the
// CORTEX_* variables, in /, the message as JSON on stdin. Its program must
// pass the rule a start program passes (owned by root or the pass's user,
// in folders no one else can write). It runs in a throwaway control group,
// as an exec probe does, emptied when it exits or at the timeout: what it
// left running, even in a session of its own, goes with it. Its process
// group is killed too, the only cleanup where the host keeps no groups.
func (s *Sender) exec(ctx context.Context, argv []string, m Message) error {
	prog, owner, err := s.Check(argv)
	if err != nil {
		return err
	}
	runAs := &check.Daemon{Dir: "/"}
	starter := restart.Starter{UID: s.EUID, Getenv: s.Getenv}
	env, err := starter.Environment(runAs, owner)
	if err != nil {
		return err
	}
	cmd := &exec.Cmd{Path: prog, Args: append([]string(nil), argv...), Dir: "/", Env: append(env, m.Env()...),
		Stdin: bytes.NewReader(m.JSON())}
	if owner.UID != os.Geteuid() || owner.GID != os.Getegid() {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(owner.UID), Gid: uint32(owner.GID), Groups: owner.Groups}}
	}
	if s.Throwaway != nil {
		done, err := s.Throwaway(notifierGroup, cmd)
		if err != nil {
			return err
		}
		defer done()
	}
	out, err := probe.RunCommand(ctx, cmd)
	if err != nil && ctx.Err() == nil {
		if said := strings.TrimSpace(string(out)); said != "" {
			return fmt.Errorf("%v; it said: %s", err, escape.Truncate(escape.Line(said), 300))
		}
	}
	return err
}

// notifierGroup names the throwaway groups of exec notifiers: a daemon's
// name may be the same, and each run's group is its own all the same.
const notifierGroup = "notify"

// Check says whether an exec notifier may run, and returns its program
// and who it runs as: its program trusted, notify_user known, the config
// not one others could change.
func (s *Sender) Check(argv []string) (prog string, owner restart.Owner, err error) {
	if s.Untrusted != nil {
		return "", owner, fmt.Errorf("refused: no exec notifier runs from a config others could change: %v", s.Untrusted)
	}
	if prog, err = s.program(argv[0]); err != nil {
		return "", owner, err
	}
	if err := trust.Program(prog, s.EUID); err != nil {
		return "", owner, fmt.Errorf("refused: %w", err)
	}
	runAs := &check.Daemon{}
	if s.EUID == 0 {
		runAs.User = s.NotifyUser
	}
	if owner, err = restart.LookupOwner(runAs); err != nil {
		return "", owner, fmt.Errorf("notify_user: %w", err)
	}
	return prog, owner, nil
}

// program finds an exec notifier's program: a path with a slash against
// the config's folder, a bare name in the fixed PATH of a start.
func (s *Sender) program(prog string) (string, error) {
	return trust.FindProgram(prog, s.ConfigDir, "exec", s.EUID)
}
