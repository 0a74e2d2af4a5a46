package monitor

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/cortex/cortex-check/schedule"
)

// Prometheus returns alerting rules over the metrics cortex-check
// --textfile writes for node_exporter's textfile collector. The templates
// call functions rather than pipe into them, so the file has no | at all.
func Prometheus(c Check) ([]File, error) {
	if strings.ContainsFunc(c.Config, unicode.IsControl) {
		return nil, fmt.Errorf("the config path %q has a control character", c.Config)
	}
	s := schedule.Seconds(c.Interval)
	content := fmt.Sprintf(`# cortex-check alerting rules for Prometheus, over the metrics that
# cortex-check --textfile (or textfile in the config) writes for node_exporter's
# textfile collector. Generated for a timer running a pass every %[1]ds
# (interval in %[2]s).
# Install: save as /etc/prometheus/rules/cortex-check.yml, list that under
# rule_files in prometheus.yml, check with promtool check rules, then reload
# Prometheus (systemctl reload prometheus).
groups:
  - name: cortex-check
    rules:
      # The timer restarts a daemon within an interval; down for a minute means
      # it could not. A daemon a person stopped or holds (cortex-check stop,
      # hold) is down on purpose: the plugin says WARNING held, and so does
      # this rule by leaving it out.
      - alert: CortexDaemonDown
        expr: cortex_daemon_up == 0 unless on(instance, daemon) cortex_daemon_held == 1
        for: 1m
        labels:
          severity: critical
        annotations:
          summary: "{{ $labels.daemon }} is down on {{ $labels.instance }}"
          description: "cortex-check has seen {{ $labels.daemon }} down for over a minute and its restarts have not brought it back. Run cortex-check status on {{ $labels.instance }} for the last action and the recent restarts; the daemon's own output is under log_dir."

      # Any restart: the daemon runs again, but something kills it.
      - alert: CortexDaemonRestarting
        expr: increase(cortex_daemon_restarts_total[15m]) > 0
        for: 0m
        labels:
          severity: warning
        annotations:
          summary: "{{ $labels.daemon }} was restarted on {{ $labels.instance }}"
          description: "cortex-check --fix restarted {{ $labels.daemon }} in the last 15 minutes: it died or was stopped. Run cortex-check status on {{ $labels.instance }} for when, and read the daemon's output under log_dir for why."

      # The flap guard: after max_restarts within restart_window the timer
      # stops restarting the daemon, so it stays down until someone acts.
      - alert: CortexDaemonHeldBack
        expr: cortex_daemon_held_back == 1
        for: 0m
        labels:
          severity: critical
        annotations:
          summary: "{{ $labels.daemon }} is held back on {{ $labels.instance }}: no more restarts"
          description: "{{ $labels.daemon }} died max_restarts times within restart_window, so cortex-check --fix no longer restarts it. Find why it dies (cortex-check status on {{ $labels.instance }}, its output under log_dir), fix that, then run cortex-check --fix --force there."

      # Three intervals of %[1]ds without a pass: the timer has stopped, and
      # nothing restarts the daemons. node_exporter keeps serving the last
      # file, so every other metric here looks fine meanwhile.
      - alert: CortexCheckNotRunning
        expr: time() - cortex_check_last_run_timestamp_seconds > 3 * %[1]d
        for: 0m
        labels:
          severity: critical
        annotations:
          summary: "cortex-check has not run on {{ $labels.instance }} for {{ humanizeDuration $value }}"
          description: "The last cortex-check pass on {{ $labels.instance }} ran {{ humanizeDuration $value }} ago, more than three intervals of %[1]ds: the timer or cron job is not running, so nothing restarts the daemons, and their metrics are stale. Run systemctl status cortex-check.timer there (or crontab -l); cortex-check schedule prints the files to install."

      # A pass that cannot read or parse its config judges and restarts
      # nothing. Its textfile says so (cortex_check_state 3) and why, instead
      # of the last good pass's metrics, so that CortexCheckNotRunning does
      # not blame the timer.
      - alert: CortexCheckConfigError
        expr: cortex_check_config_error == 1
        for: 0m
        labels:
          severity: critical
        annotations:
          summary: "cortex-check cannot read its config on {{ $labels.instance }}"
          description: "cortex-check on {{ $labels.instance }} cannot read or parse its config, so it neither checks nor restarts the daemons: {{ $labels.reason }}. Fix the config there and check it with cortex-check validate."

      # No host serves the metrics at all. This sees only a total absence:
      # a single host whose metrics vanish shows as node_exporter's own
      # node_textfile_mtime_seconds missing its file, or its up == 0.
      - alert: CortexCheckMetricsAbsent
        expr: absent(cortex_check_last_run_timestamp_seconds)
        for: 5m
        labels:
          severity: critical
        annotations:
          summary: "No cortex-check metrics from any host"
          description: "No target serves cortex_check_last_run_timestamp_seconds. Check that cortex-check writes its textfile (textfile in cortex.toml, or --textfile) into the folder node_exporter reads (--collector.textfile.directory), and that Prometheus scrapes that node_exporter."
`, s, c.Config)
	return []File{{Name: "cortex-check.yml", Install: "/etc/prometheus/rules", Content: content}}, nil
}
