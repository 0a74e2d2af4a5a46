#!/usr/bin/env bash
# Smoke scenario for the real-systemd harness (.ci/systemd-run-in), run as
# root inside the container as the service cortex-ci-script.service.
#
# Checks what every later scenario leans on: systemd is PID 1, a transient
# scope lands in system.slice and stops with `systemctl stop`, transient
# services and timers run. It also prints, as "finding:" lines, what
# systemd-run does in scope mode with --uid/--gid (which supplementary groups
# the command gets) and with the caller's environment: what a start through
# `systemd-run --scope` would hand a daemon, compared with a service.
set -euo pipefail
# shellcheck source=lib.bash
source /cortex-ci/src/lib.bash

# PID 1 is systemd, and this script runs as one of its services.
[ "$(cat /proc/1/comm)" = systemd ] || fail "PID 1 is $(cat /proc/1/comm)"
[ "$(readlink /proc/1/exe)" = /usr/lib/systemd/systemd ] || fail "PID 1 runs $(readlink /proc/1/exe)"
grep -qx '0::/system.slice/cortex-ci-script.service' /proc/self/cgroup ||
	fail "this script is not in its own service: $(cat /proc/self/cgroup)"
echo "ok: PID 1 is $(systemctl --version | head -n 1), virtualization $(systemd-detect-virt), cgroup $(stat -fc %T /sys/fs/cgroup)"
if [ -x /usr/local/bin/cortex-check ]; then
	echo "ok: $(/usr/local/bin/cortex-check --version)"
fi

# A transient scope: systemd-run execs the command in place, so $! is the
# command's pid once the scope is set up.
systemd-run --scope --unit=cortex-smoke --quiet --collect sleep 300 &
pid=$!
scope_ready() {
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sleep ] && systemctl is-active --quiet cortex-smoke.scope
}
wait_for 10 scope_ready || fail "cortex-smoke.scope did not come up"
status=$(systemctl status --no-pager cortex-smoke.scope) || fail "systemctl status cortex-smoke.scope: $status"
grep -q "$pid .*sleep 300" <<<"$status" || fail "the scope's status does not list pid $pid: $status"
grep -qx '0::/system.slice/cortex-smoke.scope' "/proc/$pid/cgroup" ||
	fail "/proc/$pid/cgroup is $(cat "/proc/$pid/cgroup")"
echo "ok: sleep $pid runs in system.slice/cortex-smoke.scope"

systemctl stop cortex-smoke.scope
rc=0
wait "$pid" || rc=$?
((rc == 143)) || fail "sleep in the stopped scope exited $rc, not 143 (SIGTERM)"
state=$(systemctl show -P ActiveState cortex-smoke.scope)
[ "$state" = inactive ] || fail "cortex-smoke.scope is $state after stop"
echo "ok: systemctl stop cortex-smoke.scope ended sleep with SIGTERM; the scope is gone (--collect)"

# A transient service and a transient timer.
systemd-run --unit=cortex-smoke-svc --wait --quiet true || fail "systemd-run --wait true failed"
out=$(systemd-run --unit=cortex-smoke-false --wait --quiet --collect false 2>&1) &&
	fail "systemd-run --wait false succeeded: $out"
echo "ok: transient services report their exit: true succeeds, false fails"
rm -f /run/cortex-smoke-timer
systemd-run --unit=cortex-smoke-timer --on-active=1 --timer-property=AccuracySec=100ms --quiet \
	touch /run/cortex-smoke-timer
systemctl is-active --quiet cortex-smoke-timer.timer || fail "cortex-smoke-timer.timer is not active"
wait_for 10 test -e /run/cortex-smoke-timer || fail "the transient timer did not run its service"
echo "ok: a transient timer ran its service"

# --uid/--gid in scope mode: systemd-run changes uid and gid itself before
# it execs the command. Which supplementary groups does the command get? A
# user with one of its own shows whether the user's groups are set up, and a
# caller with groups of its own (setpriv --groups adm,cdrom, as a root shell
# from sudo has root's) shows whether the caller's are kept. Only uid and gid
# are asserted: the groups are reported, for the scenarios to build on.
groupadd --system cortexextra
useradd --system --no-create-home --gid nogroup --groups cortexextra cortexsmoke
nobody=$(systemd-run --scope --quiet --uid=nobody --gid=nogroup id) ||
	fail "systemd-run --scope --uid=nobody --gid=nogroup id failed"
[[ $nobody == "uid=65534(nobody) gid=65534(nogroup) "* ]] || fail "scope --uid=nobody --gid=nogroup: $nobody"
echo "finding: scope mode works with --uid=nobody --gid=nogroup: $nobody"
echo "finding: a user with a supplementary group: $(id cortexsmoke)"
echo "finding:   systemd-run --scope --uid:           $(systemd-run --scope --quiet --uid=cortexsmoke id)"
echo "finding:   systemd-run --wait --pipe --uid:     $(systemd-run --wait --pipe --quiet --uid=cortexsmoke id) (a service, for comparison)"
echo "finding: a caller in groups adm,cdrom (setpriv --groups 4,24):"
echo "finding:   systemd-run --scope --uid=nobody --gid=nogroup: $(setpriv --groups 4,24 systemd-run --scope --quiet --uid=nobody --gid=nogroup id)"
echo "finding:   systemd-run --scope --uid=cortexsmoke:          $(setpriv --groups 4,24 systemd-run --scope --quiet --uid=cortexsmoke id)"

# The caller's environment: a scope's command inherits it (systemd-run execs
# it in place); a service gets only what --setenv passes.
# shellcheck disable=SC2016 # $FOO is for the command's shell
show_foo='echo "$FOO"'
scope_env=$(env FOO=bar systemd-run --scope --quiet sh -c "$show_foo")
service_env=$(env FOO=bar systemd-run --wait --pipe --quiet sh -c "$show_foo")
service_setenv=$(systemd-run --wait --pipe --quiet --setenv=FOO=bar sh -c "$show_foo")
echo "finding: FOO=bar systemd-run --scope: FOO='$scope_env'; as a service: FOO='$service_env'; service with --setenv: FOO='$service_setenv'"
[ "$scope_env" = bar ] || fail "the environment did not reach the scope's command"
[ -z "$service_env" ] || fail "the caller's environment reached a service"
[ "$service_setenv" = bar ] || fail "--setenv did not reach the service"

echo "smoke: all checks passed"
