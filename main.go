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
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"

	"github.com/cortex/cortex-check/escape"
	"github.com/cortex/cortex-check/pass"
	"github.com/cortex/cortex-check/report"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// otherwise it comes from the build info.
var version = ""

type cli struct {
	globals

	Check       checkCmd    `cmd:"" default:"withargs" help:"Run one pass: find every daemon, write the status file, exit 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN (the default command)."`
	ValidateCmd validateCmd `cmd:"" name:"validate" help:"Check the config and show what each daemon matches right now."`
	Status      statusCmd   `cmd:"" help:"Show the last pass's status file as a table; exit 3 when it is stale (the timer is not running)."`
	Schedule    scheduleCmd `cmd:"" help:"Print the files that run a pass every interval under systemd, launchd or cron."`
	Monitor     monitorCmd  `cmd:"" help:"Print the glue for Nagios, Icinga 2, NRPE or Prometheus: a read-only check, or alerting rules."`
	Events      eventsCmd   `cmd:"" help:"Print the events writer passes logged: each change of a daemon's state or action, oldest first."`

	Stop    stopCmd    `cmd:"" help:"Stop daemons and hold them, so the timer's --fix does not start them again, until start or release."`
	Start   startCmd   `cmd:"" help:"Release daemons and start those that are down."`
	Restart restartCmd `cmd:"" help:"Stop daemons and start them again."`
	Hold    holdCmd    `cmd:"" help:"Hold daemons, running or not: --fix leaves them alone for --for (default 1h), and they show WARNING."`
	Release releaseCmd `cmd:"" help:"End a hold: the next --fix starts them if they are down."`
}

// globals are the flags every command takes.
type globals struct {
	Config  string           `short:"c" default:"cortex.toml" env:"CORTEX_CONFIG" placeholder:"PATH" help:"Config file. Relative paths inside it resolve against its folder."`
	Version kong.VersionFlag `help:"Print the version and exit."`
}

// passCLI is the grammar of a pass alone: the global flags and check.
// kong builds its model of a grammar by reflection over every command's
// struct before it parses a word: 1.1 ms and 470 KB for cli, most of it
// for verbs a pass never runs, against 0.3 ms and 130 KB for this one
// (BenchmarkParse, on a quiet machine; 3.4 and 0.5 ms on a busy one). The timer's pass, every 30 seconds, is parsed against
// passCLI; whatever it does not accept (a verb, --help, a mistake) is
// parsed again against cli, which gives the same answer or error as
// before. TestPassGrammar holds the two to the same result.
type passCLI struct {
	globals

	Check checkCmd `cmd:"" default:"withargs" help:"Run one pass."`
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
  cortex-check events --since 1h    what changed in the last hour, one line each
  cortex-check schedule systemd     a service and timer running --fix every 30s
  cortex-check --wait 10s           repeat until all run (CI smoke tests)
  cortex-check --read-only          judge live, write nothing (Nagios, NRPE, Icinga)
  cortex-check stop pm-daemon       stop it and hold it, so --fix leaves it alone
  cortex-check start pm-daemon      release it and start it
  cortex-check --textfile /var/lib/cortex-check/textfile/cortex.prom
  cortex-check -c /etc/cortex/cortex.toml --fix

The flags of a pass (--fix, --read-only, --format, --only, ...): cortex-check check --help`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// exitUsage is UNKNOWN: a Nagios plugin given bad arguments cannot judge.
const exitUsage = int(report.Unknown)

// app is what every command's Run gets: where to print, which config, the
// context that a signal cancels, and the exit code it sets.
type app struct {
	ctx            context.Context
	config         string
	stdout, stderr io.Writer
	code           int
}

func run(args []string, stdout, stderr io.Writer) int {
	kctx, config, err := parse(args, stdout, stderr)
	if err != nil {
		// kong exits 80 on a usage error; a Nagios plugin exits 3.
		msg := "bad arguments: " + err.Error()
		fmt.Fprintln(stdout, report.FirstLine(report.Unknown, msg))
		fmt.Fprintln(stdout, report.PluginText(msg))
		fmt.Fprintln(stdout, "hint: cortex-check --help lists the commands and flags")
		return exitUsage
	}
	a := &app{ctx: context.Background(), config: config, stdout: stdout, stderr: stderr}
	if verb := strings.Fields(kctx.Command())[0]; verb == "check" || verb == "stop" || verb == "start" || verb == "restart" {
		// A signal mid-pass stops new work; the pass writes the status file
		// whole, releases the lock and exits 3. The first signal cancels
		// the context and restores the default handling, so a second one
		// kills a pass stuck in the kernel. SIGHUP (a closed terminal) and
		// SIGPIPE (a closed reader) end a pass the same way. Handling them
		// also means the daemons --fix starts get their default handling:
		// an exec resets a handled signal, but keeps one that was ignored
		// (nohup's SIGHUP), and SIGHUP and SIGINT are the two that the Go
		// runtime leaves ignored when it inherits them so.
		ctx, stop := signal.NotifyContext(a.ctx, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
		defer stop()
		go func() {
			<-ctx.Done()
			stop()
		}()
		a.ctx = ctx
	}
	if err := kctx.Run(a); err != nil {
		if a.code == 0 {
			a.code = int(report.Unknown)
		}
		printError(stderr, err)
	}
	return a.code
}

// parse parses the command line: against passCLI first, then, unless
// that gave a pass, against cli.
func parse(args []string, stdout, stderr io.Writer) (*kong.Context, string, error) {
	if !slices.ContainsFunc(args, isHelp) {
		var p passCLI
		if kctx, err := newParser(&p, stdout, stderr).Parse(args); err == nil {
			return kctx, p.Config, nil
		}
	}
	var c cli
	kctx, err := newParser(&c, stdout, stderr).Parse(args)
	return kctx, c.Config, err
}

// isHelp says whether an argument may ask for help, which only cli can
// give: --help, or -h alone or among other short flags (-qh). A value
// that merely looks so (-c ./h.toml) only costs the slower parse.
func isHelp(arg string) bool {
	if long, ok := strings.CutPrefix(arg, "--"); ok {
		return long == "help" || strings.HasPrefix(long, "help=")
	}
	return strings.HasPrefix(arg, "-") && strings.Contains(arg, "h")
}

func newParser(grammar any, stdout, stderr io.Writer) *kong.Kong {
	parser, err := kong.New(grammar,
		kong.Name("cortex-check"),
		kong.Description(description),
		kong.Vars{"version": "cortex-check " + buildVersion()},
		kong.Writers(stdout, stderr),
		kong.Exit(os.Exit),
	)
	if err != nil {
		panic(err) // the grammar is wrong: a programming error
	}
	return parser
}

// shownError is an error already printed on stdout in the Nagios output,
// its hint included: stderr gets nothing, since Icinga merges stderr into
// the plugin's output.
type shownError struct{ error }

func (e shownError) Unwrap() error { return e.error }

func shown(err error) error { return shownError{err} }

func printError(w io.Writer, err error) {
	// kong's Run may wrap the command's error (errors.Join with its
	// hooks' errors): look through it.
	var printed shownError
	if errors.As(err, &printed) {
		return // the Nagios output said it all, hint included
	}
	fmt.Fprintf(w, "cortex-check: error: %s\n", escape.Line(err.Error()))
	var h *pass.Hinted
	if errors.As(err, &h) && h.Hint != "" {
		fmt.Fprintf(w, "hint: %s\n", h.Hint)
	}
}

func warn(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "cortex-check: warning: %s\n", escape.Line(fmt.Sprintf(format, args...)))
}

// isTerminal says whether w is a terminal, for progress and colour.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// useColor: only on a terminal, and never when NO_COLOR is set (no-color.org).
func useColor(w io.Writer) bool {
	return os.Getenv("NO_COLOR") == "" && isTerminal(w)
}

// buildVersion is the version for --version, the status file and the
// metrics: the one set at build time, the module's version from the build
// info, or, for a build from a checkout, the VCS revision, never a bare
// "(devel)".
func buildVersion() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	return versionFrom(info)
}

func versionFrom(info *debug.BuildInfo) string {
	var revision, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value[:min(len(s.Value), 12)]
		case "vcs.modified":
			if s.Value == "true" {
				modified = "-dirty"
			}
		}
	}
	v := info.Main.Version
	switch {
	case v != "" && v != "(devel)":
		return v
	case revision != "":
		return "devel-" + revision + modified
	}
	return "devel (built without version control information)"
}
