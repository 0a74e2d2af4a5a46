package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/cortex/cortex-check/escape"
	"github.com/cortex/cortex-check/events"
	"github.com/cortex/cortex-check/notify"
	"github.com/cortex/cortex-check/pass"
	"github.com/cortex/cortex-check/probe"
	"github.com/cortex/cortex-check/report"
	"github.com/cortex/cortex-check/trust"
)

// finishedPass is what a writer does once its status file is written:
// append the pass's events to the events file, send each notify target
// its batch, and ping the dead-man's switch, the sends all at once, each
// within its timeout and the pass's budget. Nothing here changes the exit
// code: a failure is a line in the restart log and a note. Under --dry-run
// it says what it would do, and does none of it.
func finishedPass(ctx context.Context, f pass.Finished, throwaway func(string, *exec.Cmd) (func(), error)) (notes []string, rewrite bool) {
	now := time.Now()
	cfg, st := f.Config, f.Status
	evs := events.Diff(events.Pass{Config: cfg, Prev: f.Prev, Judged: f.Judged, Status: st, Now: now, By: f.By})
	batches, memory := notify.Plan(cfg, st.Notify, st, evs, now)
	fail := f.Code >= int(report.Critical)

	if f.DryRun {
		for _, e := range evs {
			notes = append(notes, "would log event: "+e.Text())
		}
		for _, b := range batches {
			notes = append(notes, fmt.Sprintf("would notify %s: %s", b.Target.Name(), notify.NewMessage(b, st).Text))
		}
		if cfg.PingURL != "" {
			notes = append(notes, "would ping "+probe.RedactSecretURL(notify.PingURL(cfg.PingURL, fail)))
		}
		return notes, false
	}

	if err := events.Append(cfg.EventsFile, evs, events.MaxFile); err != nil {
		notes = append(notes, fmt.Sprintf("warning: events file not written (%d events lost): %v", len(evs), err))
	}

	sender := &notify.Sender{ConfigDir: cfg.Dir, NotifyUser: cfg.NotifyUser, EUID: os.Geteuid(), Getenv: os.Getenv,
		Untrusted: f.Untrusted, UserAgent: "cortex-check/" + buildVersion(), Throwaway: throwaway}
	var wg sync.WaitGroup
	errs := make([]error, len(batches))
	for i, b := range batches {
		wg.Go(func() { errs[i] = sender.Send(ctx, b.Target, notify.NewMessage(b, st), f.Deadline) })
	}
	var pingErr error
	if cfg.PingURL != "" {
		body := st.Nagios(pass.CanStart(cfg), f.Notes...)
		wg.Go(func() { pingErr = sender.Ping(ctx, cfg.PingURL, fail, body, f.Deadline) })
	}
	wg.Wait()

	log := logWriter(cfg.LogFile)
	for i, b := range batches {
		m := memory[b.Key]
		if errs[i] == nil {
			notify.Delivered(m, now)
			log(fmt.Sprintf("%s: sent %s", b.Target.Name(), count(len(b.Events))))
			continue
		}
		notify.Failed(m, errs[i])
		line := fmt.Sprintf("%s: not sent: %v; its %s go with the next pass's", b.Target.Name(), errs[i], count(len(b.Events)))
		log(line)
		notes = append(notes, "warning: "+line)
	}
	if pingErr != nil {
		line := fmt.Sprintf("ping_url %s: not sent: %v", probe.RedactSecretURL(notify.PingURL(cfg.PingURL, fail)), pingErr)
		log(line)
		notes = append(notes, "warning: "+line)
	}
	if err := log(""); err != nil {
		notes = append(notes, "warning: restart log not written: "+err.Error())
	}

	before, _ := json.Marshal(st.Notify)
	if len(memory) == 0 {
		memory = nil
	}
	st.Notify = memory
	after, _ := json.Marshal(st.Notify)
	return notes, !bytes.Equal(before, after)
}

func count(n int) string {
	if n == 1 {
		return "1 event"
	}
	return fmt.Sprintf("%d events", n)
}

// logWriter appends lines to the restart log, opened at the first line
// as the pass opens it (no link followed, root's, 0640); log("") closes it
// and says what went wrong.
func logWriter(path string) func(line string) error {
	var f *os.File
	var err error
	return func(line string) error {
		if line == "" {
			if f != nil {
				if cerr := f.Close(); err == nil {
					err = cerr
				}
				f = nil
			}
			return err
		}
		if err != nil {
			return err
		}
		if f == nil {
			if f, err = trust.OpenAppend(path, trust.Caller()); err != nil {
				return err
			}
		}
		_, err = fmt.Fprintf(f, "%s %s\n", time.Now().Format(time.RFC3339), escape.Line(strings.TrimSpace(line)))
		return err
	}
}
