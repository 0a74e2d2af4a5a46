// Package inventory lists every path cortex-check opens, creates, reads,
// stats, executes, chdirs into or hands to a shell, and every process it
// signals: who may control each, what the pass does with it, and the
// scenarios that prove it. It is the one place the rule is written down
// for all of them; the README's table is rendered from it, and a test
// fails when a config key or a flag that names a path has no row, when a
// row names a scenario that does not exist, or when the README's table
// differs.
//
// The rule, for every row: as root, nothing that an account other than
// root (and, where the daemon runs as its user, that user) could write or
// swap is followed, executed, chdir'd into, or written through. It is
// OpenSSH's safe_path and sudo's rule for the programs they run, applied
// to every path, with systemd's User= for what runs as the daemon.
package inventory

import (
	"fmt"
	"strings"
)

// Row is one path or process.
type Row struct {
	What  string   // the path or process
	Keys  []string // the config keys (daemon.start, ...) or flags (--textfile) that name it
	Who   string   // who may control it
	Does  string   // what the pass does with it, as whom, with what bound
	Tests []string // scenarios (testdata/script/NAME.txtar) or Go tests (TestName) that prove it
}

// Rows is the inventory.
var Rows = []Row{
	{"the config file and every folder above it", []string{"-c", "CORTEX_CONFIG"},
		"root or the pass's user; not writable by group or others",
		"opened once, judged through that descriptor (fstat) and read through it; links judged one by one; otherwise --fix refuses (exit 3), a plain pass warns",
		[]string{"security_config_writable", "security_config_folder_writable"}},
	{"start program, its #! interpreters (through /usr/bin/env too) and their folders", []string{"daemon.start"},
		"root or the pass's user; the daemon's user too when it runs as that user",
		"executed, never through a shell, as the daemon's user, with a clean environment, in the daemon's control group",
		[]string{"security_start_folder_writable", "security_shebang_interpreter", "restart_clean_start"}},
	{"files among start's arguments (a script given to an interpreter, --config=FILE)", []string{"daemon.start"},
		"as the start program; for a daemon that runs as its user, that user's group too (Debian's /etc/redis)", "judged before the start; refused like the program",
		[]string{"security_start_script_argument", "real_redis_debian_layout", "TestPathAsDaemonGroup"}},
	{"the working folder", []string{"daemon.dir"},
		"as the start program's folder", "judged like a program's folder; chdir'd into by the child after it became the daemon's user",
		[]string{"security_dir_attacker_folder"}},
	{"env_file", []string{"daemon.env_file"},
		"as the start program", "opened without following a link at its name, without blocking, as a regular file of at most 1 MiB (a larger one is refused); its lines never shown",
		[]string{"security_env_file_untrusted", "security_env_file_link", "security_env_file_fifo", "TestReadEnvFile"}},
	{"stop program", []string{"daemon.stop"},
		"as the start program", "executed as the daemon's user in a throwaway control group, up to stop_grace; refused: SIGTERM instead",
		[]string{"security_stop_program_untrusted"}},
	{"exec probe program", []string{"daemon.probe.exec"},
		"as the start program; never run from a config others could change",
		"executed as the daemon's user in a throwaway control group, up to the probe's timeout; a writer that is not root runs it as itself, an observer that may not run it as the daemon's user runs none and reports the writer's verdict",
		[]string{"observer_exec_probe", "probe_exec_setsid_cleaned"}},
	{"a probe's CA bundle", []string{"daemon.probe.ca_file"},
		"as the start program", "read once when the config loads, through a judged descriptor",
		[]string{"probe_https_ca_file"}},
	{"a probe's URL", []string{"daemon.probe.http", "daemon.probe.tcp"},
		"the config's writer", "connected to with the probe's timeout; its user info and query are redacted wherever shown",
		[]string{"probe_http_secrets_redacted", "probe_tcp"}},
	{"heartbeat file", []string{"daemon.probe.heartbeat"},
		"the daemon's account may write it", "its modification time looked at without following a link at its name; nothing of another file is shown",
		[]string{"probe_heartbeat", "security_heartbeat_secret_link"}},
	{"pidfile", []string{"daemon.pidfile"},
		"the daemon's account may write it and its folder",
		"read without blocking, only a regular file of one link, first line of at most 4 KiB, following only links root alone controls; its PID counts only if the daemon's user owns that process; never signalled on its word; an observer that may not read it reports the writer's verdict, at most three intervals old, and not once the process that verdict saw running has exited",
		[]string{"security_pidfile_fifo_device", "security_pidfile_secret_link", "security_pidfile_folder_link", "security_pidfile_foreign_pid", "observer_pidfile_private", "observer_borrowed_daemon_exited", "real_postgres_debian_pidfile"}},
	{"status file and its temporary file", []string{"status_file"},
		"root or the pass's user, in a folder others cannot write",
		"replaced whole (temporary file made with O_EXCL in the same folder, fsync, rename); read back without following a link or blocking; another config's refused; an observer that cannot read it is WARNING, never OK",
		[]string{"security_status_lock_links", "security_status_read_link", "status_symlink_replaced", "security_status_shared", "status_disk_full", "validate_write_paths", "observer_status_unreadable"}},
	{"lock file", []string{"lock_file"},
		"root or the pass's user", "created without following a link, refused if another user made it or others may open it",
		[]string{"security_lock_foreign_owner", "security_status_lock_links"}},
	{"restart log", []string{"log_file"},
		"root or the pass's user", "appended without following a link, only a regular file of one link, 0640",
		[]string{"security_restart_log_symlink", "security_log_hardlink"}},
	{"log_dir and each daemon's log", []string{"log_dir"},
		"root, or the daemon's user for its own log",
		"opened by root without following a link, created as the daemon's user; its tail read from that descriptor and shown only where all may read the log",
		[]string{"security_daemon_log_symlink", "security_log_dir_link_escape", "security_daemon_log_own_user", "security_log_tail_exposed"}},
	{"events file and its .1", []string{"events_file"},
		"root or the pass's user, in a folder others cannot write",
		"appended by the writer holding the lock as the restart log is (no link followed, only a regular file of one link, 0640); renamed to .1 at 1 MiB; read back by cortex-check events without following a link others planted",
		[]string{"security_events_file_link", "notify_kill_restart_recover", "TestAppendRotates"}},
	{"exec notifier program, its #! interpreters and their folders", []string{"notify.exec", "notify_user"},
		"root or the pass's user (not notify_user); never run from a config others could change",
		"executed by the writer holding the lock, never through a shell, as notify_user (nobody) when root, in /, with a clean environment, the batch on stdin, in a throwaway control group; its process group killed at its timeout; refused: logged, the events kept for the next pass",
		[]string{"notify_exec_as_nobody", "security_notify_exec_untrusted"}},
	{"a notifier's webhook and the dead-man's ping URL", []string{"notify.webhook", "ping_url"},
		"the config's writer",
		"POSTed to by the writer holding the lock after its status file is written, within the timeout and the pass's budget, no proxy, no redirect followed; its password, query values and long path segments are redacted wherever shown",
		[]string{"notify_receiver_hangs", "ping_url_fail_then_ok", "notify_observers_send_nothing"}},
	{"Prometheus textfile and its temporary file", []string{"textfile", "--textfile"},
		"root or the pass's user, in a folder others cannot write", "replaced whole like the status file; --textfile's also by a writer whose config cannot be read, saying so",
		[]string{"textfile_metrics", "monitor_node_exporter", "security_textfile_foreign_folder", "monitor_node_exporter_root_textfile", "textfile_config_error"}},
	{"the pass's own output log (for cron, instead of a shell's >>)", []string{"--output-log"},
		"root or the pass's user, in a folder others cannot write",
		"appended by the pass itself like the restart log, never through a link; schedule cron names it, never a shell redirect, and warns when its folder is not root's",
		[]string{"security_cron_output_log_link", "schedule_cron"}},
	{"the binary that monitoring glue names", []string{"--binary"},
		"root, for the monitoring user to run", "written into the glue as an absolute path, quoted; never run by the pass",
		[]string{"monitor_nagios"}},
	{"files that schedule and monitor write", []string{"--output-dir"},
		"root or the user running it", "replaced whole like the status file; printed otherwise",
		[]string{"schedule_systemd", "schedule_cron", "monitor_prometheus"}},
	{"a daemon's control group", nil,
		"root: `CGROUP2/cortex-check/CONFIG/NAME`, or systemd's scope `cortex-NAME.scope`",
		"created for a start (the process is born in it), emptied (SIGTERM, grace, SIGKILL) and removed; nothing outside cortex-check's own folder or scopes is written",
		[]string{"real_redis_two_instances", "cgroup_start_outside_session", "observer_reads_groups", "TestTreeStopEmptiesAndRemoves", "TestSystemd (testdata/systemd/scopes.sh)"}},
	{"processes signalled to stop, restart or heal a daemon", nil,
		"the kernel: its control group's members",
		"without a group: its main process and that process's descendants owned by its user; processes that merely match its name, pattern or pidfile never",
		[]string{"real_redis_two_instances", "real_postgres_two_clusters", "security_lookalike_other_user", "security_pidfile_foreign_pid", "real_nginx_orphaned"}},
	{"processes a failed start left", nil,
		"the kernel: its control group's members",
		"without a group: its session, process group, descendants and marked processes owned by the daemon's user and started after it, through a pidfd checked by start time",
		[]string{"restart_failed_start_leaves_nothing", "restart_failed_start_no_cgroup", "TestSpawned"}},
	{"files a daemon restarts on the change of", []string{"daemon.restart_on_change"},
		"anyone who may write them; a symbolic link on the way or at the name: root or the pass's user alone",
		"their modification time looked at (fstatat, never opened or read), walked from / following only links root or the pass's user alone controls and their folders; one refused or missing is said in the daemon's message and by validate, and counts as unchanged",
		[]string{"stale_config_touched", "TestModTime"}},
	{"a daemon's /proc/PID/fd and its main process's /proc/PID/exe", nil,
		"the kernel",
		"the daemon's own processes' descriptors listed (counted, never opened); its main process's program link read, only for whether it ends in (deleted); a pass that may not list them (not root) leaves the figure out",
		[]string{"figures_memory_limit", "stale_binary_replaced", "TestCountFDs"}},
	{"the socket table (/proc/net/tcp, /proc/net/tcp6) and every process's /proc/PID/fd links", nil,
		"the kernel",
		"read only after a failed start or a refused tcp or http probe, to name who holds the daemon's port: the listening sockets, then each process's socket:[inode] links (readlink, nothing opened)",
		[]string{"real_redis_port_held", "probe_suspect", "TestPortHolders"}},
	{"a daemon's control group's memory.current and cpu.stat", nil,
		"the kernel, in root's cortex-check folder or systemd's scope",
		"read for its figures, never written",
		[]string{"TestUsageAt", "figures_memory_restart"}},
	{"processes an exec probe, stop command or exec notifier left", nil,
		"the kernel: its throwaway control group's members", "emptied and removed after each run; a group a killed pass left (cgroupfs) is emptied and removed by the next writer pass once that pass is gone; under systemd, a scope a killed pass left is ended by systemd an hour on (RuntimeMaxSec)",
		[]string{"probe_exec_setsid_cleaned", "notify_exec_daemonized_cleaned", "TestProbeGroupRemoved", "probe_throwaway_swept_after_kill", "TestPruneSweepsDeadPassesGroups"}},
}

// NotPaths are the config keys that name no path and no process: each key
// is here or in a row.
var NotPaths = []string{
	"interval", "restart_warning", "start_timeout", "start_secs", "stop_grace", "max_restarts", "restart_window",
	"daemon.name", "daemon.pattern", "daemon.process", "daemon.env", "daemon.user", "daemon.group", "daemon.umask",
	"daemon.probe", "daemon.after", "daemon.max_instances", "daemon.start_timeout", "daemon.start_secs",
	"daemon.stop_grace", "daemon.max_restarts", "daemon.restart_window",
	"daemon.probe.expect_status", "daemon.probe.max_age", "daemon.probe.timeout", "daemon.probe.failures",
	"daemon.probe.grace", "daemon.probe.tls_server_name", "daemon.probe.insecure",
	"notify", "notify.on", "notify.remind", "notify.timeout",
	"max_memory", "max_cpu", "for", "on_limit", "daemon.max_memory", "daemon.max_cpu", "daemon.for", "daemon.on_limit",
	"daemon.on_change", "daemon.port", "daemon.probe.action",
}

// Markdown renders the inventory as the README's table.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| path or process | named by | who may control it | what the pass does | proved by |\n")
	b.WriteString("| --- | --- | --- | --- | --- |\n")
	for _, r := range Rows {
		keys := "-"
		if len(r.Keys) > 0 {
			keys = "`" + strings.Join(r.Keys, "`, `") + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.What, keys, r.Who, r.Does, strings.Join(r.Tests, ", "))
	}
	return b.String()
}
