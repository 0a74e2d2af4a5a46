package main

import (
	"fmt"
	"os"
	"os/user"
	"time"

	"github.com/cortex/cortex-check/pass"
	"github.com/cortex/cortex-check/trust"
)

// The verbs act on named daemons at once, under the pass's lock, log what
// they do, write the status file and exit like a pass: the runbook's way
// to stop a daemon without the timer starting it again 30 s later.

type stopCmd struct {
	passFlags
	Names  []string      `arg:"" name:"name" help:"Daemons to stop."`
	For    time.Duration `placeholder:"DURATION" help:"Hold it stopped this long, then --fix may start it again (default: until cortex-check start or release)."`
	Reason string        `help:"Why, for whoever looks next."`
}

func (c *stopCmd) Run(a *app) error {
	return runVerb(a, pass.Act{Verb: pass.VerbStop, For: c.For, Reason: c.Reason}, c.Names, c.passFlags)
}

type startCmd struct {
	passFlags
	Names []string `arg:"" name:"name" help:"Daemons to release and start."`
}

func (c *startCmd) Run(a *app) error {
	return runVerb(a, pass.Act{Verb: pass.VerbStart}, c.Names, c.passFlags)
}

type restartCmd struct {
	passFlags
	Names []string `arg:"" name:"name" help:"Daemons to stop and start again."`
}

func (c *restartCmd) Run(a *app) error {
	return runVerb(a, pass.Act{Verb: pass.VerbRestart}, c.Names, c.passFlags)
}

type holdCmd struct {
	passFlags
	Names  []string      `arg:"" name:"name" help:"Daemons --fix is to leave alone, running or not."`
	For    time.Duration `default:"1h" placeholder:"DURATION" help:"How long; 0 holds until cortex-check release."`
	Reason string        `help:"Why, for whoever looks next (\"disk swap\")."`
}

func (c *holdCmd) Run(a *app) error {
	if c.For < 0 {
		return fmt.Errorf("--for %s: give a duration such as 2h, or 0 for until released", c.For)
	}
	return runVerb(a, pass.Act{Verb: pass.VerbHold, For: c.For, Reason: c.Reason}, c.Names, c.passFlags)
}

type releaseCmd struct {
	passFlags
	Names []string `arg:"" name:"name" help:"Daemons whose hold ends; the next --fix starts them if they are down."`
}

func (c *releaseCmd) Run(a *app) error {
	return runVerb(a, pass.Act{Verb: pass.VerbRelease}, c.Names, c.passFlags)
}

// runVerb runs one pass of the named daemons with the verb, printed like a
// check in the Nagios format. Its exit code is the verb's: 0 done, 2 not
// done, 3 could not act; the other daemons' states do not enter it.
func runVerb(a *app, act pass.Act, names []string, flags passFlags) error {
	act.By = whoAsks()
	c := &checkCmd{Format: "nagios", passFlags: flags}
	cfg, untrusted, err := loadConfig(a.config)
	if err != nil {
		return c.print(a, pass.Result{Err: err, Final: true}, nil)
	}
	if uid := os.Geteuid(); uid != 0 && cfg.Owner != uid {
		err := pass.WithHint(fmt.Errorf("cortex-check %s needs the config's owner: %s is %s's, and this is %s", act.Verb, cfg.Path, trust.UserName(cfg.Owner), trust.UserName(uid)),
			"run it with sudo, as the timer runs --fix")
		return c.print(a, pass.Result{Err: err, Final: true}, nil)
	}
	opt := pass.Options{Only: names, Act: act, Timeout: flags.timeout(cfg.Daemons, names), LockTimeout: flags.LockTimeout, ConfigUntrusted: untrusted}
	res := pass.Run(a.ctx, cfg, opt, hostWorld(cfg, a.stderr))
	err = c.print(a, res, pass.CanStart(cfg))
	a.code = res.VerbCode(act.Verb, names)
	return err
}

// whoAsks names the person: the login behind sudo when there is one.
func whoAsks() string {
	name := fmt.Sprint(os.Geteuid())
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if s := os.Getenv("SUDO_USER"); s != "" && s != name {
		return s + " (sudo as " + name + ")"
	}
	return name
}
