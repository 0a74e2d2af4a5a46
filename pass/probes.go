package pass

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/human"
	"github.com/cortex/cortex-check/probe"
	"github.com/cortex/cortex-check/report"
)

// HoldersFunc names the processes holding a listening socket at want,
// the sockets chosen by match (check.PortHolders).
type HoldersFunc func(want netip.AddrPort, match func(l, want netip.AddrPort) bool) ([]check.Holder, int, error)

// brokenProbes marks the judged daemons whose exec probe cannot be run at
// all (its program missing, not executable, or refused): a mistake in the
// config, which makes the daemon UNKNOWN with the fix, is never run, and
// never stops it. Such a daemon is still started when it is down, judged
// by start_secs as one without a probe.
func (r *run) brokenProbes() {
	if r.w.Meters.CheckProbe == nil {
		return
	}
	now := r.w.Now()
	for i := range r.daemons {
		d := &r.daemons[i]
		e := r.st.Daemons[d.Name]
		if e == nil || d.Probe == nil || d.Probe.Kind() != probe.KindExec {
			continue
		}
		err := r.w.Meters.CheckProbe(d)
		if err == nil {
			if e.ProbeNotRun() {
				e.Probe = nil
			}
			continue
		}
		e.Probe = &report.Probe{Kind: string(probe.KindExec), Result: probe.NotRun, At: now.UTC().Truncate(time.Millisecond),
			Error: fmt.Sprintf("config error in %s: daemon %s: %v", r.cfg.Path, d.Name, err)}
		addMessage(e, e.Probe.Error+" (the probe is not run, and decides nothing: the daemon is never stopped for it)")
	}
}

// afterProbes reads the probes' verdicts once more: a report-only probe
// (action = "alert") at its failures makes the daemon WARNING, never
// unhealthy; a probe that passes ends a probe suspect; a tcp or http
// probe refused where another process holds the daemon's port says who.
func (r *run) afterProbes(verdicts []check.Verdict) {
	for i := range r.cfg.Daemons {
		d := &r.cfg.Daemons[i]
		e := r.st.Daemons[d.Name]
		if e == nil || !e.Checked || d.Probe == nil || e.Probe == nil {
			continue
		}
		switch {
		case e.Probe.Result == probe.Healthy:
			e.ProbeSuspect = nil
		case e.Probe.Result == probe.Unhealthy && d.Probe.Alerts():
			e.Status = verdicts[i].Condition // running or suspended, as judged
			e.Warnings = append(e.Warnings, report.Concern{Kind: report.WarnProbe, Text: e.Message})
			e.Message += ` (action = "alert": WARNING only, never restarted)`
		}
		if e.Probe.Result != probe.Healthy && strings.Contains(e.Probe.Error, "connection refused") {
			if who := holders(r.w, d, samePort); who != "" {
				addMessage(e, who)
			}
		}
		if e.ProbeSuspect != nil && e.Status == check.Unhealthy {
			if e.HeldBack == nil { // released while its probe was in grace: held back again
				e.HeldBack = e.ProbeSuspect
			}
			addMessage(e, fmt.Sprintf("probe suspect since %s: it failed the same way against the old instance and the new one; not healed again until it passes (check it with cortex-check validate; --fix --force heals all the same)",
				e.ProbeSuspect.At.Local().Format(time.TimeOnly)))
		}
	}
}

// holder is the restart's way to say who holds a daemon's port when its
// start failed.
func holder(w World) func(d *check.Daemon) string {
	return func(d *check.Daemon) string { return holders(w, d, check.Conflicts) }
}

// samePort is a refused probe's match: any socket on the port, since none
// listens at the address probed (it would have answered).
func samePort(l, want netip.AddrPort) bool { return l.Port() == want.Port() }

// holders says which processes hold the daemon's address: "127.0.0.1:6379
// is held by PID 811 redis-server (user redis), started 2h00m ago"; "" when
// none does, or the daemon names no address.
func holders(w World, d *check.Daemon, match func(l, want netip.AddrPort) bool) string {
	if w.Meters.Holders == nil {
		return ""
	}
	want, shown, ok := Address(d)
	if !ok {
		return ""
	}
	hs, hidden, err := w.Meters.Holders(want, match)
	if err != nil || (len(hs) == 0 && hidden == 0) {
		return ""
	}
	if len(hs) == 0 {
		return fmt.Sprintf("%s is held by a listening socket whose process this pass may not see (run it as root to have it named)", shown)
	}
	return DescribeHolders(shown, want, hs, w.Now(), w.UserName)
}

// DescribeHolders writes who holds an address, the oldest holder first.
func DescribeHolders(shown string, want netip.AddrPort, hs []check.Holder, now time.Time, userName func(int) string) string {
	h := hs[0]
	if !want.Addr().IsValid() { // a port alone: where it is held says more
		shown, want = h.Listen.String(), h.Listen
	}
	s := fmt.Sprintf("%s is held by PID %d %s", shown, h.PID, cmpName(h.Name))
	if h.UID >= 0 {
		name := ""
		if userName != nil {
			name = userName(h.UID)
		}
		if name == "" {
			name = "uid " + strconv.Itoa(h.UID)
		}
		s += " (user " + name + ")"
	}
	if h.Listen.Addr().Unmap() != want.Addr().Unmap() {
		s += " listening on " + h.Listen.String()
	}
	if !h.Started.IsZero() {
		s += ", started " + human.Age(now.Sub(h.Started)) + " ago"
	}
	if len(hs) > 1 {
		pids := make([]int, 0, len(hs)-1)
		for _, o := range hs[1:] {
			pids = append(pids, o.PID)
		}
		s += fmt.Sprintf(", and %d more (PIDs %s)", len(hs)-1, human.Ints(pids))
	}
	return s
}

func cmpName(name string) string {
	if name == "" {
		return "(name unknown)"
	}
	return name
}

// Address is where a daemon listens, for naming who holds it: its probe's
// tcp address or http URL, else its port key (any address). shown is how
// people read it. A host name other than localhost stands for any
// address on its port: cortex-check resolves no names for this.
func Address(d *check.Daemon) (want netip.AddrPort, shown string, ok bool) {
	host, port := "", 0
	if d.Probe != nil {
		switch d.Probe.Kind() {
		case probe.KindTCP:
			h, p, err := net.SplitHostPort(d.Probe.TCP)
			if err == nil {
				host, port = h, atoi(p)
			}
		case probe.KindHTTP:
			if u, err := url.Parse(d.Probe.HTTP); err == nil {
				host, port = u.Hostname(), atoi(u.Port())
				if port == 0 {
					port = map[string]int{"http": 80, "https": 443}[u.Scheme]
				}
			}
		}
	}
	if port == 0 {
		host, port = "", d.Port
	}
	if port <= 0 || port > 65535 {
		return netip.AddrPort{}, "", false
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.AddrPortFrom(netip.Addr{}, uint16(port)), "port " + strconv.Itoa(port), true
	}
	ap := netip.AddrPortFrom(addr, uint16(port))
	return ap, ap.String(), true
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}

// withoutBrokenProbe is d without its probe when the probe cannot be run:
// started and verified as a daemon without one, never held to it.
func withoutBrokenProbe(d *check.Daemon, e *report.Daemon) *check.Daemon {
	if e == nil || !e.ProbeNotRun() {
		return d
	}
	c := *d
	c.Probe = nil
	return &c
}
