// Command cortex-check keeps a host's critical daemons alive: one pass reads
// cortex.toml, reads the process table once, finds each daemon, restarts the
// missing ones with --fix, writes a JSON status file and exits with a Nagios
// code. The cadence comes from cron, a systemd timer or launchd.
//
// Output rules: stdout is the program's output (the Nagios lines, a table or
// JSON). Diagnostics go to stderr as "cortex-check: error: ...",
// "cortex-check: warning: ..." and "hint: ...", lowercase, no final period.
// Only main exits; the packages return values.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"

	"github.com/cortex/cortex-check/report"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

type cli struct {
	Config  string           `short:"c" default:"cortex.toml" env:"CORTEX_CONFIG" placeholder:"PATH" help:"Config file. Relative paths inside it resolve against its folder."`
	Version kong.VersionFlag `help:"Print the version and exit."`

	Check       checkCmd    `cmd:"" default:"withargs" help:"Run one pass: find every daemon, write the status file, exit 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN (the default command)."`
	ValidateCmd validateCmd `cmd:"" name:"validate" help:"Check the config and show what each daemon matches right now."`
	Status      statusCmd   `cmd:"" help:"Show the last pass's status file as a table; exit 3 when it is stale (the timer is not running)."`
	Schedule    scheduleCmd `cmd:"" help:"Print the files that run a pass every interval under systemd, launchd or cron."`
	Monitor     monitorCmd  `cmd:"" help:"Print the glue for Nagios, Icinga 2, NRPE or Prometheus: a read-only check, or alerting rules."`
}

const description = `Checks that the daemons configured in cortex.toml run, restarts the missing
ones with --fix, writes a JSON status file and exits like a Nagios plugin.

Examples:
  cortex-check                      one pass, Nagios output, exit code 0-3
  cortex-check --fix                restart what is down
  cortex-check --fix --dry-run      say what --fix would restart
  cortex-check --only pm-daemon     check one daemon
  cortex-check --format text        a table for a person
  cortex-check validate             check the config, show what matches
  cortex-check status               the last pass's table; exit 3 if stale
  cortex-check schedule systemd     a service and timer running --fix every 30s
  cortex-check --wait 10s           repeat until all run (CI smoke tests)
  cortex-check --textfile /var/lib/node_exporter/cortex.prom
  cortex-check -c /etc/cortex/cortex.toml --fix`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// exitUsage is UNKNOWN: a Nagios plugin given bad arguments cannot judge.
const exitUsage = int(report.Unknown)

func run(args []string, stdout, stderr io.Writer) int {
	var c cli
	parser, err := kong.New(&c,
		kong.Name("cortex-check"),
		kong.Description(description),
		kong.Vars{"version": "cortex-check " + buildVersion()},
		kong.Writers(stdout, stderr),
		kong.Exit(os.Exit),
	)
	if err != nil {
		panic(err) // the grammar above is wrong: a programming error
	}
	ctx, err := parser.Parse(args)
	if err != nil {
		// kong exits 80 on a usage error; a Nagios plugin exits 3.
		fmt.Fprintf(stdout, "CORTEX UNKNOWN - bad arguments: %v\n", err)
		fmt.Fprintln(stderr, "hint: cortex-check --help lists the commands and flags")
		return exitUsage
	}
	if ctx.Command() == "check" {
		// SIGTERM or SIGINT mid-pass: stop starting new work, write the
		// status file whole, release the lock, exit 3. A second signal
		// kills, for a pass stuck in the kernel.
		signals := make(chan os.Signal, 1)
		signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(signals)
		interrupted := make(chan struct{})
		go func() {
			<-signals
			signal.Stop(signals)
			close(interrupted)
		}()
		c.Check.interrupted = interrupted
	}
	code, err := dispatch(ctx.Command(), &c, stdout, stderr)
	if err != nil {
		printError(stderr, err)
	}
	return code
}

// Validate is kong's hook for checks across flags; kong reports its error
// as a usage error.
func (c *cli) Validate() error { return c.Check.validate() }

func dispatch(command string, c *cli, stdout, stderr io.Writer) (int, error) {
	switch command {
	case "validate":
		return c.ValidateCmd.run(c.Config, stdout, stderr)
	case "status":
		return c.Status.run(c.Config, stdout, stderr)
	case "schedule <scheduler>":
		return c.Schedule.run(c.Config, stdout, stderr)
	case "monitor <system>":
		return c.Monitor.run(c.Config, stdout, stderr)
	default:
		return c.Check.run(c.Config, stdout, stderr)
	}
}

// hintError carries a one-line fix for the user with the error.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

func withHint(err error, hint string) error { return &hintError{err: err, hint: hint} }

// shownError is an error already printed on stdout as the Nagios line:
// stderr gets only its hint, so a person at a terminal reads it once.
type shownError struct{ error }

func (e shownError) Unwrap() error { return e.error }

func shown(err error) error { return shownError{err} }

func printError(w io.Writer, err error) {
	if _, ok := err.(shownError); !ok {
		fmt.Fprintf(w, "cortex-check: error: %s\n", oneLine(err.Error()))
	}
	var h *hintError
	if errors.As(err, &h) && h.hint != "" {
		fmt.Fprintf(w, "hint: %s\n", h.hint)
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func buildVersion() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}
