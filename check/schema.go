package check

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
)

// valueKind is the TOML type a key takes.
type valueKind int

const (
	kString valueKind = iota
	kStrings
	kInt
	kStringMap
	kTable
	kBool
	kTables
)

// keySpec is a key's type with an example, for messages in TOML's terms
// rather than Go's ("destination has type slice").
type keySpec struct {
	kind    valueKind
	example string
}

// The schemas serve the messages about a config that did not decode,
// and Keys: they are built at the first use, not at start-up.
var (
	topSchema = sync.OnceValue(func() map[string]keySpec {
		return map[string]keySpec{
			"status_file": {kString, `status_file = "/var/lib/cortex/status.json"`}, "log_file": {kString, `log_file = "/var/log/cortex/cortex-check.log"`},
			"log_dir": {kString, `log_dir = "/var/log/cortex"`}, "lock_file": {kString, `lock_file = "/run/cortex/cortex.lock"`},
			"textfile": {kString, `textfile = "/var/lib/prometheus/node-exporter/cortex.prom"`}, "interval": {kString, `interval = "30s"`},
			"restart_warning": {kString, `restart_warning = "5m"`}, "start_timeout": {kString, `start_timeout = "5s"`},
			"start_secs": {kString, `start_secs = "1s"`}, "stop_grace": {kString, `stop_grace = "10s"`},
			"max_restarts": {kInt, `max_restarts = 5`}, "restart_window": {kString, `restart_window = "10m"`},
			"events_file": {kString, `events_file = "/var/lib/cortex/cortex-events.jsonl"`}, "notify_user": {kString, `notify_user = "nobody"`},
			"ping_url":   {kString, `ping_url = "https://hc-ping.com/your-uuid"`},
			"max_memory": {kString, `max_memory = "512MiB"`}, "max_cpu": {kString, `max_cpu = "90%"`},
			"for": {kInt, `for = 3`}, "on_limit": {kString, `on_limit = "restart"`},
			"notify": {kTables, "[[notify]] with webhook = \"https://hooks.slack.com/services/T0/B0/XXXX\""},
		}
	})
	notifySchema = sync.OnceValue(func() map[string]keySpec {
		return map[string]keySpec{
			"exec": {kStrings, exampleExec}, "webhook": {kString, exampleWebhook},
			"on": {kStrings, `on = ["down", "failed", "held_back", "recovered"]`}, "remind": {kString, `remind = "1h"`},
			"timeout": {kString, `timeout = "5s"`},
		}
	})
	daemonSchema = sync.OnceValue(func() map[string]keySpec {
		return map[string]keySpec{
			"name": {kString, `name = "redis"`}, "pattern": {kString, `pattern = '^redis-server 127\.0\.0\.1:6379$'`},
			"process": {kString, `process = "redis-server"`}, "pidfile": {kString, `pidfile = "/run/redis/redis.pid"`},
			"start": {kStrings, `start = ["nginx", "-g", "daemon off;"]`}, "stop": {kStrings, `stop = ["nginx", "-s", "quit"]`},
			"dir": {kString, `dir = "/srv/app"`}, "env": {kStringMap, `env = { LANG = "C.UTF-8" }`},
			"env_file": {kStrings, `env_file = ["/etc/default/app", "-/etc/app.env"]`}, "user": {kString, `user = "redis"`},
			"group": {kString, `group = "redis"`}, "umask": {kString, `umask = "027"`}, "after": {kStrings, `after = ["pm-daemon"]`},
			"max_instances": {kInt, `max_instances = 1`}, "start_timeout": {kString, `start_timeout = "5s"`},
			"start_secs": {kString, `start_secs = "1s"`}, "stop_grace": {kString, `stop_grace = "10s"`},
			"max_restarts": {kInt, `max_restarts = 5`}, "restart_window": {kString, `restart_window = "10m"`},
			"probe":      {kTable, "[daemon.probe] with tcp = \"127.0.0.1:6379\""},
			"max_memory": {kString, `max_memory = "512MiB"`}, "max_cpu": {kString, `max_cpu = "90%"`},
			"for": {kInt, `for = 3`}, "on_limit": {kString, `on_limit = "restart"`},
			"restart_on_change": {kStrings, `restart_on_change = ["/usr/sbin/nginx", "/etc/nginx/nginx.conf"]`},
			"on_change":         {kString, `on_change = "restart"`}, "port": {kInt, `port = 6379`},
		}
	})
	probeSchema = sync.OnceValue(func() map[string]keySpec {
		return map[string]keySpec{
			"http": {kString, `http = "http://127.0.0.1:8080/health"`}, "expect_status": {kInt, `expect_status = 200`},
			"tcp": {kString, `tcp = "127.0.0.1:6379"`}, "exec": {kStrings, `exec = ["redis-cli", "-p", "6379", "ping"]`},
			"heartbeat": {kString, `heartbeat = "run/worker.beat"`}, "max_age": {kString, `max_age = "90s"`},
			"timeout": {kString, `timeout = "2s"`}, "failures": {kInt, `failures = 3`}, "grace": {kString, `grace = "30s"`},
			"ca_file": {kString, `ca_file = "tls/ca.pem"`}, "tls_server_name": {kString, `tls_server_name = "api.internal"`},
			"insecure": {kBool, `insecure = true`}, "action": {kString, `action = "alert"`},
		}
	})
)

var kindNames = [...]string{kString: "a string", kStrings: "a list of strings", kInt: "a whole number", kStringMap: "a table of strings", kTable: "a table", kBool: "true or false", kTables: "tables"}

// typeErrors lists every key in the file whose value has the wrong TOML
// type, each with its line and an example, so that one run shows them
// all. It says nothing of keys it does not know: those are reported apart.
func typeErrors(data []byte, name string) []string {
	var loose map[string]any
	if _, err := toml.Decode(string(data), &loose); err != nil {
		return nil
	}
	var errs []string
	check := func(schema map[string]keySpec, values map[string]any, where string, line func(key string) int) {
		for key, v := range values {
			spec, known := schema[key]
			if !known || fits(spec.kind, v) {
				continue
			}
			errs = append(errs, fmt.Sprintf("%s:%d: %s%s must be %s, e.g. %s", name, line(key), where, key, kindNames[spec.kind], spec.example))
		}
	}
	check(topSchema(), loose, "", func(key string) int { return findLine(data, -1, "", key) })
	daemons, _ := loose["daemon"].([]map[string]any)
	for i, d := range daemons {
		where := fmt.Sprintf("daemon[%d]%s: ", i+1, quotedName(d["name"]))
		check(daemonSchema(), d, where, func(key string) int { return findLine(data, i, "", key) })
		if p, ok := d["probe"].(map[string]any); ok {
			check(probeSchema(), p, where+"probe.", func(key string) int { return findLine(data, i, "probe", key) })
		}
	}
	notifies, _ := loose["notify"].([]map[string]any)
	for i, n := range notifies {
		check(notifySchema(), n, fmt.Sprintf("notify[%d]: ", i+1), func(key string) int { return findNotifyLine(data, i, key) })
	}
	// Sorted by line, the order a person fixes them in.
	sortByLine(errs, name)
	return errs
}

func fits(k valueKind, v any) bool {
	switch k {
	case kString:
		_, ok := v.(string)
		return ok
	case kInt:
		_, ok := v.(int64)
		return ok
	case kBool:
		_, ok := v.(bool)
		return ok
	case kStrings:
		list, ok := v.([]any)
		for _, e := range list {
			if _, isString := e.(string); !isString {
				return false
			}
		}
		return ok
	case kTables:
		_, ok := v.([]map[string]any)
		return ok
	case kStringMap:
		m, ok := v.(map[string]any)
		for _, e := range m {
			if _, isString := e.(string); !isString {
				return false
			}
		}
		return ok
	}
	_, ok := v.(map[string]any)
	return ok
}

// tableHeader finds a [table] or [[table]] line, for the line numbers of
// messages about a config that did not decode; compiled at the first.
var tableHeader = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s*\[\[?\s*([A-Za-z0-9_.]+)\s*\]\]?`) })

// findLine finds the line of key in the top level (daemon -1), in the
// daemon-th [[daemon]] table, or in its [daemon.probe] subtable. It reads
// the text as simply as TOML is written in practice; 0 when not found.
func findLine(data []byte, daemon int, sub, key string) int {
	keyRE := regexp.MustCompile(`^\s*` + regexp.QuoteMeta(key) + `\s*=`)
	index, table := -1, ""
	for n, line := range strings.Split(string(data), "\n") {
		if m := tableHeader().FindStringSubmatch(line); m != nil {
			table = m[1]
			if table == "daemon" && strings.Contains(line, "[[") {
				index++
			}
			continue
		}
		want := daemon < 0 && table == "" ||
			daemon >= 0 && index == daemon && (sub == "" && table == "daemon" || sub != "" && table == "daemon."+sub)
		if want && keyRE.MatchString(line) {
			return n + 1
		}
	}
	return 0
}

func sortByLine(errs []string, name string) {
	lineOf := func(s string) int {
		var n int
		fmt.Sscanf(strings.TrimPrefix(s, name+":"), "%d", &n)
		return n
	}
	for i := 1; i < len(errs); i++ {
		for j := i; j > 0 && lineOf(errs[j]) < lineOf(errs[j-1]); j-- {
			errs[j], errs[j-1] = errs[j-1], errs[j]
		}
	}
}

// Keys lists every key a config may use, as a person writes its path:
// "status_file", "daemon.start", "daemon.probe.exec".
func Keys() []string {
	var out []string
	for k := range topSchema() {
		out = append(out, k)
	}
	for k := range daemonSchema() {
		out = append(out, "daemon."+k)
	}
	for k := range probeSchema() {
		out = append(out, "daemon.probe."+k)
	}
	for k := range notifySchema() {
		out = append(out, "notify."+k)
	}
	slices.Sort(out)
	return out
}
