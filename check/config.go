// Package check decides, from one snapshot of the process table, which of the
// configured daemons run. It reads no flags and prints nothing: it takes values
// and returns values, so every rule here is tested with literal tables.
package check

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/cortex/cortex-check/probe"
)

// Defaults for keys the config may leave out. Paths are relative to the
// config file's folder.
const (
	DefaultStatusFile   = "cortex-status.json"
	DefaultLogFile      = "logs/cortex-check.log"
	DefaultStartTimeout = 5 * time.Second
	DefaultStartHold    = time.Second
	DefaultStopGrace    = 10 * time.Second
	// DefaultRestartWarning is long enough for Nagios's default retries
	// (3 checks a minute apart) to make a restart's WARNING hard.
	DefaultRestartWarning = 5 * time.Minute
	DefaultMaxRestarts    = 5
	DefaultRestartWindow  = 10 * time.Minute
	DefaultInterval       = 30 * time.Second
)

// Config is a validated cortex.toml. Every path in it is absolute.
type Config struct {
	Path       string // the config file itself
	Owner      int    // its owner, as read (-1: not known); without user, daemons are this user's
	Dir        string // its folder: relative paths and start commands resolve here
	StatusFile string
	LogFile    string
	LogDir     string // where a restarted daemon's stdout and stderr go
	LockFile   string
	Textfile   string // Prometheus textfile; empty when not wanted
	Interval   time.Duration
	// RestartWarning is how long after a restart every pass says WARNING.
	RestartWarning time.Duration
	StartTimeout   time.Duration
	StartHold      time.Duration
	StopGrace      time.Duration
	MaxRestarts    int
	RestartWindow  time.Duration
	Daemons        []Daemon
	// EventsFile is where writer passes append one JSON line per change
	// of a daemon (absolute; beside the status file by default).
	EventsFile string
	// NotifyUser is who exec notifiers run as when the pass is root.
	NotifyUser string
	// PingURL is the dead-man's switch every writer pass pings; "" for none.
	PingURL string
	Notify  []Notify // the [[notify]] tables, in order
	// Limits are the default thresholds on every daemon's figures.
	Limits Limits
}

// Daemon is one [[daemon]] table, with its matcher compiled.
type Daemon struct {
	Name     string
	Pattern  string // RE2 against the command line; empty when not set
	Process  string // exact executable name; empty when not set
	Pidfile  string // absolute; empty when not set
	Start    []string
	Dir      string // absolute working directory for Start
	Env      map[string]string
	EnvFiles []string // absolute; a leading "-" makes one optional
	// User and Group are who the daemon runs as: --fix as root starts it
	// so, and only that user's processes count as the daemon. Empty: any
	// user's processes count, and it starts as the pass's user.
	User, Group string
	// UID is the daemon's user once ResolveUsers has run: User's uid, or
	// without User the config file's owner. Only its processes count as
	// the daemon. -1 (a config not resolved, in tests) is any user.
	UID int
	// UserErr says why User or Group could not be looked up: the daemon
	// is unknown and never started, the others are judged as usual.
	UserErr error
	Umask   int // the started daemon's umask
	// Probe checks that a running daemon works; nil without a probe table.
	Probe *probe.Spec
	// Stop is the daemon's own stop command; empty: SIGTERM to its
	// process group and tree, then SIGKILL after StopGrace.
	Stop         []string
	After        []string
	MaxInstances int // 0: no limit
	StartTimeout time.Duration
	// StartHold is how long a started daemon must keep running, from when
	// it is first seen, to count as restarted (supervisord's startsecs).
	StartHold time.Duration
	// StopGrace is how long a process gets between SIGTERM and SIGKILL.
	StopGrace     time.Duration
	MaxRestarts   int
	RestartWindow time.Duration
	// Limits are its thresholds on memory and CPU, and what --fix does
	// at them.
	Limits Limits
	// RestartOnChange are files whose change after the main process
	// started makes the daemon stale; nil (the key left out): its
	// program replaced or deleted under it does. OnChangeRestart lets
	// --fix restart a stale daemon.
	RestartOnChange []string
	OnChangeRestart bool
	// Port is the daemon's port where no probe names its address: a
	// failed start says which process holds it.
	Port int

	match matcher
}

// Daemon returns the daemon called name.
func (c *Config) Daemon(name string) (*Daemon, bool) {
	for i := range c.Daemons {
		if c.Daemons[i].Name == name {
			return &c.Daemons[i], true
		}
	}
	return nil, false
}

// fileConfig and fileDaemon mirror the TOML layout; pointers tell "left out"
// from "set to zero".
type fileConfig struct {
	StatusFile     string       `toml:"status_file"`
	LogFile        string       `toml:"log_file"`
	LogDir         string       `toml:"log_dir"`
	LockFile       string       `toml:"lock_file"`
	Textfile       string       `toml:"textfile"`
	Interval       duration     `toml:"interval"`
	RestartWarning duration     `toml:"restart_warning"`
	StartTimeout   duration     `toml:"start_timeout"`
	StartHold      duration     `toml:"start_secs"`
	StopGrace      duration     `toml:"stop_grace"`
	MaxRestarts    *int         `toml:"max_restarts"`
	RestartWindow  duration     `toml:"restart_window"`
	EventsFile     string       `toml:"events_file"`
	NotifyUser     string       `toml:"notify_user"`
	PingURL        string       `toml:"ping_url"`
	Notify         []fileNotify `toml:"notify"`
	Daemon         []fileDaemon `toml:"daemon"`
	fileLimits
}

// fileLimits are the threshold keys, at the top (defaults) and in each
// daemon. Sizes and percentages are strings, parsed where the daemon is
// known, so that an error names it.
type fileLimits struct {
	MaxMemory *string `toml:"max_memory"`
	MaxCPU    *string `toml:"max_cpu"`
	For       *int    `toml:"for"`
	OnLimit   *string `toml:"on_limit"`
}

// apply reads the keys over def.
func (fl *fileLimits) apply(def Limits) (Limits, error) {
	l := def
	var err error
	if fl.MaxMemory != nil {
		if l.MaxMemory, err = ParseSize("max_memory", *fl.MaxMemory); err != nil {
			return l, err
		}
	}
	if fl.MaxCPU != nil {
		if l.MaxCPU, err = ParsePercent("max_cpu", *fl.MaxCPU); err != nil {
			return l, err
		}
	}
	if fl.For != nil {
		if *fl.For < 1 {
			return l, fmt.Errorf("for = %d: give how many passes in a row a figure must be over its limit, 1 or more, e.g. for = 3", *fl.For)
		}
		l.For = *fl.For
	}
	if fl.OnLimit != nil {
		if l.Restart, err = parseAction("on_limit", *fl.OnLimit); err != nil {
			return l, err
		}
	}
	return l, nil
}

type fileDaemon struct {
	Name          string            `toml:"name"`
	Pattern       *string           `toml:"pattern"`
	Process       string            `toml:"process"`
	Pidfile       string            `toml:"pidfile"`
	Start         []string          `toml:"start"`
	Dir           string            `toml:"dir"`
	Env           map[string]string `toml:"env"`
	EnvFile       []string          `toml:"env_file"`
	User          string            `toml:"user"`
	Group         string            `toml:"group"`
	Umask         *string           `toml:"umask"`
	Probe         *fileProbe        `toml:"probe"`
	Stop          []string          `toml:"stop"`
	After         []string          `toml:"after"`
	MaxInstances  int               `toml:"max_instances"`
	StartTimeout  duration          `toml:"start_timeout"`
	StartHold     duration          `toml:"start_secs"`
	StopGrace     duration          `toml:"stop_grace"`
	MaxRestarts   *int              `toml:"max_restarts"`
	RestartWindow duration          `toml:"restart_window"`
	fileLimits
	RestartOnChange []string `toml:"restart_on_change"`
	OnChange        *string  `toml:"on_change"`
	Port            int      `toml:"port"`
}

// fileProbe mirrors a [daemon.probe] table.
type fileProbe struct {
	HTTP         string           `toml:"http"`
	ExpectStatus int              `toml:"expect_status"`
	TCP          string           `toml:"tcp"`
	Exec         *[]string        `toml:"exec"`
	Heartbeat    string           `toml:"heartbeat"`
	MaxAge       duration         `toml:"max_age"`
	Timeout      duration         `toml:"timeout"`
	Failures     int              `toml:"failures"`
	Grace        zeroableDuration `toml:"grace"`
	// With an https URL: the CAs to trust, the name to verify, or no
	// verification at all.
	CAFile        string `toml:"ca_file"`
	TLSServerName string `toml:"tls_server_name"`
	Insecure      bool   `toml:"insecure"`
	// Action is what a probe at its failures does: "restart" (heal) or
	// "alert" (WARNING only).
	Action string `toml:"action"`
}

// spec builds the probe's Spec, a heartbeat's and a ca_file's path
// resolved against the config's folder. A ca_file is read here, as the
// pass's user, so that a missing or untrusted one is a config error naming
// the daemon, not a failing probe that --fix would answer with restarts.
func (fp *fileProbe) spec(dir string) (probe.Spec, error) {
	s := probe.Spec{HTTP: fp.HTTP, ExpectStatus: fp.ExpectStatus, TCP: fp.TCP, Failures: fp.Failures,
		MaxAge: fp.MaxAge.d, Timeout: fp.Timeout.d, Grace: fp.Grace.d, NoGrace: fp.Grace.set && fp.Grace.d == 0,
		TLSServerName: fp.TLSServerName, Insecure: fp.Insecure, Action: fp.Action}
	if fp.CAFile != "" {
		s.CAFile = resolve(dir, fp.CAFile)
	}
	if fp.Exec != nil {
		s.Exec = *fp.Exec
		if s.Exec == nil {
			s.Exec = []string{}
		}
	}
	if fp.Heartbeat != "" {
		s.Heartbeat = resolve(dir, fp.Heartbeat)
	}
	if fp.Failures < 0 {
		return s, fmt.Errorf("probe: failures = %d: give a count of 1 or more, e.g. failures = 3", fp.Failures)
	}
	if err := s.Validate(); err != nil {
		return s, err
	}
	if s.CAFile != "" {
		ca, err := probe.ReadCA(s.CAFile, os.Geteuid())
		if err != nil {
			return s, fmt.Errorf("probe: %w", err)
		}
		s.CA = ca
	}
	return s.WithDefaults(), nil
}

// zeroableDuration is a duration for which 0 makes sense: a probe's grace
// of "0s" counts failures from the first pass.
type zeroableDuration struct{ duration }

func (d *zeroableDuration) UnmarshalText(text []byte) error {
	v, err := time.ParseDuration(string(text))
	if err != nil {
		return fmt.Errorf("invalid duration %q: write it like \"30s\", or \"0s\" for none", text)
	}
	if v < 0 {
		return fmt.Errorf("invalid duration %q: it must not be negative", text)
	}
	d.d, d.set = v, true
	return nil
}

// duration accepts only Go duration strings ("5s", "10m"): a bare integer
// would silently mean nanoseconds.
type duration struct {
	d   time.Duration
	set bool
}

func (d *duration) UnmarshalText(text []byte) error {
	v, err := time.ParseDuration(string(text))
	if err != nil {
		return fmt.Errorf("invalid duration %q: write it like \"30s\" or \"10m\"", text)
	}
	if v <= 0 {
		return fmt.Errorf("invalid duration %q: it must be positive", text)
	}
	d.d, d.set = v, true
	return nil
}

func (d duration) or(def time.Duration) time.Duration {
	if d.set {
		return d.d
	}
	return def
}

// Load reads and validates the config file at path.
// read reads the file once (the caller's read checks who could have changed
// it, through the descriptor it reads); nil reads it plainly.
func Load(path string, read func(abs string) ([]byte, error)) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if read == nil {
		read = os.ReadFile
	}
	data, err := read(abs)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, missingConfig{path}
		}
		return nil, fmt.Errorf("read config: %w", err)
	}
	return parse(data, abs, path)
}

// missingConfig is a config file that is not there; it is fs.ErrNotExist
// for errors.Is, so callers can offer the fitting hint.
type missingConfig struct{ path string }

func (e missingConfig) Error() string {
	return fmt.Sprintf("config %s does not exist: pass -c PATH or set CORTEX_CONFIG", e.path)
}
func (e missingConfig) Unwrap() error { return fs.ErrNotExist }

// Parse decodes and validates a config whose file is at the absolute path.
// Errors start with the file's name, and its line where the parser knows it.
func Parse(data []byte, path string) (*Config, error) {
	return parse(data, path, path)
}

// parse is Parse with the name the user gave the file, for messages: the
// path as given to -c, absolute when it was.
func parse(data []byte, path, name string) (*Config, error) {
	var fc fileConfig
	md, err := toml.Decode(string(data), &fc)
	if err != nil {
		// Wrong types: every one of them, in TOML's terms, with lines.
		if errs := typeErrors(data, name); len(errs) > 0 {
			return nil, errors.New(strings.Join(errs, "; "))
		}
		var pe toml.ParseError
		if errors.As(err, &pe) {
			// The parser may quote the offending input, newline included:
			// escape it so the error stays one line.
			msg := strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(pe.Message)
			return nil, fmt.Errorf("%s:%d:%d: %s", name, pe.Position.Line, pe.Position.Col, msg)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		where := name
		if n := keyLine(data, undecoded[0][len(undecoded[0])-1]); n > 0 {
			where = fmt.Sprintf("%s:%d", name, n)
		}
		return nil, fmt.Errorf("%s: %s", where, describeUnknownKey(data, undecoded[0]))
	}
	cfg, err := fc.validate(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	cfg.Path = path
	return cfg, nil
}

// describeUnknownKey names an unknown key the way a user finds it. The TOML
// library reports daemon keys without their table's index, so the index is
// recovered by decoding the tables loosely and looking for the key.
func describeUnknownKey(data []byte, key toml.Key) string {
	last := key[len(key)-1]
	if len(key) >= 3 && key[0] == "daemon" && key[1] == "probe" {
		return fmt.Sprintf("unknown key %q in [daemon.probe]%s", last, suggest(last, schemaKeys(probeSchema())))
	}
	if len(key) >= 2 && key[0] == "notify" {
		if i := notifyIndex(data, key[1]); i > 0 {
			return fmt.Sprintf("notify[%d]: unknown key %q%s", i, strings.Join(key[1:], "."), suggest(key[1], schemaKeys(notifySchema())))
		}
	}
	if len(key) >= 2 && key[0] == "daemon" {
		var loose struct {
			Daemon []map[string]any `toml:"daemon"`
		}
		if _, err := toml.Decode(string(data), &loose); err == nil {
			for i, d := range loose.Daemon {
				if _, ok := d[key[1]]; ok {
					return fmt.Sprintf("daemon[%d]%s: unknown key %q%s", i+1, quotedName(d["name"]), strings.Join(key[1:], "."), suggest(key[1], schemaKeys(daemonSchema())))
				}
			}
		}
	}
	return fmt.Sprintf("unknown key %q%s", key.String(), suggest(key[0], append(schemaKeys(topSchema()), "daemon")))
}

// keyLine is the line where key is first set (key = ...), 0 if not found:
// the decoder names an unknown key without its place.
func keyLine(data []byte, key string) int {
	re := regexp.MustCompile(`^\s*["']?` + regexp.QuoteMeta(key) + `["']?\s*=`)
	for i, line := range strings.Split(string(data), "\n") {
		if re.MatchString(line) {
			return i + 1
		}
	}
	return 0
}

// schemaKeys lists a schema's keys, sorted: the one table of keys gives
// the decoder's types, the suggestions and the type examples.
func schemaKeys(schema map[string]keySpec) []string {
	out := make([]string, 0, len(schema))
	for k := range schema {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// DidYouMean is ` (did you mean "pm-daemon"?)` for a name one or two edits
// away from one of known, else "".
func DidYouMean(name string, known []string) string { return suggest(name, known) }

// suggest returns ` (did you mean "start"?)` for a key one or two edits
// away from a known one.
func suggest(key string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(key, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between two short keys.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func quotedName(v any) string {
	if s, ok := v.(string); ok && s != "" {
		return fmt.Sprintf(" (%s)", s)
	}
	return ""
}

func (fc *fileConfig) validate(dir string) (*Config, error) {
	cfg := &Config{
		Dir:            dir,
		StatusFile:     resolve(dir, cmp.Or(fc.StatusFile, DefaultStatusFile)),
		LogFile:        resolve(dir, cmp.Or(fc.LogFile, DefaultLogFile)),
		Interval:       fc.Interval.or(DefaultInterval),
		RestartWarning: fc.RestartWarning.or(DefaultRestartWarning),
		StartTimeout:   fc.StartTimeout.or(DefaultStartTimeout),
		StartHold:      fc.StartHold.or(DefaultStartHold),
		StopGrace:      fc.StopGrace.or(DefaultStopGrace),
		MaxRestarts:    DefaultMaxRestarts,
		RestartWindow:  fc.RestartWindow.or(DefaultRestartWindow),
	}
	if fc.MaxRestarts != nil {
		if *fc.MaxRestarts < 1 {
			return nil, fmt.Errorf("max_restarts = %d: it must be at least 1", *fc.MaxRestarts)
		}
		cfg.MaxRestarts = *fc.MaxRestarts
	}
	limits, err := fc.fileLimits.apply(Limits{For: DefaultLimitFor})
	if err != nil {
		return nil, err
	}
	cfg.Limits = limits
	cfg.LogDir = filepath.Dir(cfg.LogFile)
	if fc.LogDir != "" {
		cfg.LogDir = resolve(dir, fc.LogDir)
	}
	cfg.LockFile = cfg.StatusFile + ".lock"
	if fc.LockFile != "" {
		cfg.LockFile = resolve(dir, fc.LockFile)
	}
	if fc.Textfile != "" {
		cfg.Textfile = resolve(dir, fc.Textfile)
	}
	if err := fc.validateNotify(dir, cfg); err != nil {
		return nil, err
	}
	if len(fc.Daemon) == 0 {
		return nil, errors.New("no [[daemon]] configured: add at least one with a name")
	}
	seen := map[string]int{}
	for i, fd := range fc.Daemon {
		where := fmt.Sprintf("daemon[%d]", i+1)
		if fd.Name == "" {
			return nil, fmt.Errorf("%s: name is required", where)
		}
		// Names become file names (<log_dir>/<name>.log) and perfdata
		// labels: letters, digits and . _ @ - only.
		if !validName(fd.Name) {
			return nil, fmt.Errorf("%s: name %q: use letters, digits, '.', '_', '@' and '-', starting with a letter or digit, at most 64 characters", where, fd.Name)
		}
		if prefix, _, dotted := strings.Cut(fd.Name, "."); dotted && slices.Contains(cgroupFilePrefixes, prefix) {
			return nil, fmt.Errorf("%s: name %q is the name of a control group's own file (%s.*): a daemon's group is a folder of that name; choose another", where, fd.Name, prefix)
		}
		where = fmt.Sprintf("daemon[%d] (%s)", i+1, fd.Name)
		if first, dup := seen[fd.Name]; dup {
			return nil, fmt.Errorf("%s: name %q is already used by daemon[%d]: names must be unique", where, fd.Name, first)
		}
		seen[fd.Name] = i + 1
		d, err := fd.validate(dir, cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		cfg.Daemons = append(cfg.Daemons, d)
	}
	if err := checkAfter(cfg.Daemons); err != nil {
		return nil, err
	}
	return cfg, nil
}

func (fd *fileDaemon) validate(dir string, cfg *Config) (Daemon, error) {
	d := Daemon{
		Name:          fd.Name,
		Process:       fd.Process,
		Start:         fd.Start,
		Dir:           dir,
		Env:           fd.Env,
		After:         fd.After,
		MaxInstances:  fd.MaxInstances,
		StartTimeout:  fd.StartTimeout.or(cfg.StartTimeout),
		StartHold:     fd.StartHold.or(cfg.StartHold),
		StopGrace:     fd.StopGrace.or(cfg.StopGrace),
		MaxRestarts:   cfg.MaxRestarts,
		RestartWindow: fd.RestartWindow.or(cfg.RestartWindow),
	}
	for _, set := range []func(d *Daemon, dir string, cfg *Config) error{
		fd.setLimits, fd.setChanges, fd.setFinding, fd.setStart, fd.setProbe, fd.setBounds,
	} {
		if err := set(&d, dir, cfg); err != nil {
			return d, err
		}
	}
	return d, nil
}

// setLimits sets the daemon's limits over the config's.
func (fd *fileDaemon) setLimits(d *Daemon, _ string, cfg *Config) error {
	limits, err := fd.fileLimits.apply(cfg.Limits)
	d.Limits = limits
	return err
}

// setChanges sets what makes the daemon stale: on_change and its files.
func (fd *fileDaemon) setChanges(d *Daemon, dir string, _ *Config) error {
	if fd.OnChange != nil {
		var err error
		if d.OnChangeRestart, err = parseAction("on_change", *fd.OnChange); err != nil {
			return err
		}
	}
	if fd.RestartOnChange != nil {
		d.RestartOnChange = []string{}
		for _, f := range fd.RestartOnChange {
			if strings.TrimSpace(f) == "" {
				return errors.New(`restart_on_change: an empty path; list the files whose change makes it stale, e.g. restart_on_change = ["/usr/sbin/nginx", "/etc/nginx/nginx.conf"]`)
			}
			d.RestartOnChange = append(d.RestartOnChange, resolve(dir, f))
		}
	}
	return nil
}

// setFinding sets how the daemon is found: its port, pattern, pidfile,
// and without any of them its name, literally; then its matcher.
func (fd *fileDaemon) setFinding(d *Daemon, dir string, _ *Config) error {
	if fd.Port < 0 || fd.Port > 65535 {
		return fmt.Errorf("port = %d: give the TCP port it listens on, 1 to 65535, e.g. port = 6379", fd.Port)
	}
	d.Port = fd.Port
	if fd.Pattern != nil {
		if *fd.Pattern == "" {
			return errors.New("pattern is empty: it would match every process")
		}
		// ${dir} stands for the config's folder, so one config's pattern
		// never matches the same scripts run from another checkout.
		d.Pattern = strings.ReplaceAll(*fd.Pattern, "${dir}", regexp.QuoteMeta(dir))
	}
	if fd.Pidfile != "" {
		d.Pidfile = resolve(dir, fd.Pidfile)
	}
	if d.Pattern == "" && d.Process == "" && d.Pidfile == "" {
		// Nothing says how to find it: look for the name itself, literally.
		d.Pattern = regexp.QuoteMeta(d.Name)
	}
	m, err := compileMatcher(d.Pattern, d.Process)
	d.match = m
	return err
}

// setStart sets how the daemon is started and stopped: as whom, where,
// with what environment and umask.
func (fd *fileDaemon) setStart(d *Daemon, dir string, _ *Config) error {
	if fd.Start != nil && (len(fd.Start) == 0 || fd.Start[0] == "") {
		return errors.New(`start is empty: give the program and its arguments, like start = ["scripts/pm-daemon.sh"]`)
	}
	if fd.Stop != nil && (len(fd.Stop) == 0 || fd.Stop[0] == "") {
		return errors.New(`stop is empty: give the program and its arguments, like stop = ["nginx", "-s", "quit"], or leave it out to stop with SIGTERM`)
	}
	d.Stop = fd.Stop
	if fd.Group != "" && fd.User == "" {
		return errors.New("group needs user: give the user the daemon runs as")
	}
	d.User, d.Group, d.UID = fd.User, fd.Group, -1
	if fd.Dir != "" {
		d.Dir = resolve(dir, fd.Dir)
	}
	d.Umask = 0o022
	if fd.Umask != nil {
		u, err := strconv.ParseUint(*fd.Umask, 8, 32)
		if err != nil || u > 0o777 {
			return fmt.Errorf("umask = %q: write it as an octal string, like umask = \"027\"", *fd.Umask)
		}
		d.Umask = int(u)
	}
	for k := range fd.Env {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			return fmt.Errorf("env: %q is not a valid variable name", k)
		}
	}
	for _, f := range fd.EnvFile {
		optional := strings.HasPrefix(f, "-")
		path := resolve(dir, strings.TrimPrefix(f, "-"))
		if optional {
			path = "-" + path
		}
		d.EnvFiles = append(d.EnvFiles, path)
	}
	return nil
}

// setProbe sets the daemon's health probe.
func (fd *fileDaemon) setProbe(d *Daemon, dir string, _ *Config) error {
	if fd.Probe == nil {
		return nil
	}
	s, err := fd.Probe.spec(dir)
	if err != nil {
		return err
	}
	d.Probe = &s
	return nil
}

// setBounds sets how many instances and restarts it may have.
func (fd *fileDaemon) setBounds(d *Daemon, _ string, _ *Config) error {
	if fd.MaxInstances < 0 {
		return fmt.Errorf("max_instances = %d: it must be 1 or more, or left out for no limit", fd.MaxInstances)
	}
	if fd.MaxRestarts != nil {
		if *fd.MaxRestarts < 1 {
			return fmt.Errorf("max_restarts = %d: it must be at least 1", *fd.MaxRestarts)
		}
		d.MaxRestarts = *fd.MaxRestarts
	}
	return nil
}

// ResolveUsers settles each daemon's user, so that only that user's
// processes count as the daemon: User's uid, found by lookup, or without
// User the owner of the config file (root for root's config), for
// writers and observers alike. A user that cannot be looked up (deleted,
// or the directory service down) makes that daemon alone unknown.
func (c *Config) ResolveUsers(lookup func(user, group string) (int, error), configOwner int) {
	c.Owner = configOwner
	for i := range c.Daemons {
		d := &c.Daemons[i]
		uid, err := configOwner, error(nil)
		if d.User != "" {
			uid, err = lookup(d.User, d.Group)
		}
		if err != nil {
			d.UserErr = err
			uid = -2 // matches no process
		}
		d.UID = uid
	}
}

// checkAfter rejects unknown names and cycles in after, so that restart can
// always find an order.
func checkAfter(daemons []Daemon) error {
	index := map[string]int{}
	for i, d := range daemons {
		index[d.Name] = i
	}
	for i, d := range daemons {
		for _, dep := range d.After {
			if _, ok := index[dep]; !ok {
				return fmt.Errorf("daemon[%d] (%s): after names %q, which is not a configured daemon", i+1, d.Name, dep)
			}
			if dep == d.Name {
				return fmt.Errorf("daemon[%d] (%s): after names the daemon itself", i+1, d.Name)
			}
		}
	}
	// Depth-first search; a grey node met again closes a cycle.
	const (
		white = iota
		grey
		black
	)
	color := make([]int, len(daemons))
	var path []string
	var visit func(i int) error
	visit = func(i int) error {
		color[i] = grey
		path = append(path, daemons[i].Name)
		for _, dep := range daemons[i].After {
			j := index[dep]
			switch color[j] {
			case grey:
				start := slices.Index(path, dep)
				cycle := append(slices.Clone(path[start:]), dep)
				return fmt.Errorf("after forms a cycle: %s", strings.Join(cycle, " -> "))
			case white:
				if err := visit(j); err != nil {
					return err
				}
			}
		}
		path = path[:len(path)-1]
		color[i] = black
		return nil
	}
	for i := range daemons {
		if color[i] == white {
			if err := visit(i); err != nil {
				return err
			}
		}
	}
	return nil
}

// cgroupFilePrefixes start the files of a cgroup v2 folder (cgroup.procs,
// memory.max, ...): a daemon's group is a folder named after it there.
var cgroupFilePrefixes = []string{"cgroup", "cpu", "cpuset", "io", "memory", "pids", "rdma", "hugetlb", "misc", "irq"}

// validName says whether a daemon's name is letters, digits and . _ @ -,
// starting with a letter or digit, at most 64 bytes: the regexp
// ^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$ written out, so that loading a config
// compiles no regexp.
func validName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '@' && c != '-') {
			return false
		}
	}
	return true
}

func resolve(dir, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(dir, p)
}
