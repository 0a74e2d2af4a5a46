#!/usr/bin/env bash
# cortex-check under a real systemd (PID 1), as a Debian host runs it: the
# timer's service and a person's start each put a daemon in a scope of its
# own (cortex-NAME.scope), in neither cortex-check.service's cgroup nor the
# person's session; the daemons survive the service's end and the session's
# end; restart stops only its scope's processes, never a look-alike; a pass
# that restarts leaves the service inactive, not failed, and a bad config
# leaves it failed; a daemon kept by a unit of its own (Debian's
# redis-server.service) is "managed by" it, and no copy is started; an exec
# notifier runs in a throwaway scope, which takes what it left along.
set -euo pipefail
# shellcheck source=lib.bash
source /cortex-ci/src/lib.bash
cgroup_of() { sed -n 's/^0:://p' "/proc/$1/cgroup"; }
pid_of() { jq -r ".daemons[\"$1\"].pid" /var/lib/cortex/status.json; }

# The stand-in daemons: a long-lived script each, root's, in root's folders.
install -d -m 0755 /etc/cortex /var/lib/cortex /var/log/cortex /opt/cortex
for d in timer-d person-d; do
	printf '#!/bin/sh\nexec sleep 600\n' >"/opt/cortex/$d"
	chmod 0755 "/opt/cortex/$d"
done
cat >/etc/cortex/cortex.toml <<'TOML'
status_file = "/var/lib/cortex/status.json"
log_file = "/var/log/cortex/cortex-check.log"

[[daemon]]
name = "timer-d"
process = "sleep"
pattern = '^sleep 600$'
start = ["/opt/cortex/timer-d"]

[[daemon]]
name = "person-d"
process = "sleep"
pattern = '^sleep 600$'
start = ["/opt/cortex/person-d"]
TOML
chmod 0644 /etc/cortex/cortex.toml

# The timer's service, as schedule systemd writes it.
cortex-check -c /etc/cortex/cortex.toml schedule systemd --output-dir /etc/systemd/system
systemctl daemon-reload
! grep -q '^KillMode' /etc/systemd/system/cortex-check.service || fail "the service still sets KillMode"

# A person holds person-d first, so the timer starts timer-d alone.
cortex-check -c /etc/cortex/cortex.toml hold person-d --for 0 --reason scenario >/dev/null
systemctl start cortex-check.service || true
[ "$(systemctl show -P Result cortex-check.service)" = success ] ||
	fail "a pass that restarted a daemon (exit 1) left the service $(systemctl show -P Result cortex-check.service)"
[ "$(systemctl show -P ActiveState cortex-check.service)" = inactive ] || fail "the oneshot service is not inactive"
timer_pid=$(pid_of timer-d)
[ "$(cgroup_of "$timer_pid")" = /system.slice/cortex-timer-d.scope ] ||
	fail "timer-d (PID $timer_pid) is in $(cgroup_of "$timer_pid"), not its scope"
systemctl is-active --quiet cortex-timer-d.scope || fail "cortex-timer-d.scope is not active"
systemctl status --no-pager cortex-timer-d.scope | grep -q "$timer_pid" || fail "systemctl status cortex-timer-d.scope does not show PID $timer_pid"
[ "$(jq -r '.daemons["timer-d"].tracked' /var/lib/cortex/status.json)" = "scope cortex-timer-d.scope" ] ||
	fail "the status file does not say timer-d is tracked by its scope"
echo "ok: the timer's pass started timer-d in cortex-timer-d.scope; the service ended inactive, result success"

# The service's end (and a stop of it) does not end the daemon, and the
# journal has no left-over processes of the service.
systemctl stop cortex-check.service
kill -0 "$timer_pid" || fail "timer-d died with the service"
if journalctl -u cortex-check.service --no-pager | grep -q 'left-over process'; then
	fail "the journal shows left-over processes of cortex-check.service"
fi
echo "ok: timer-d outlives cortex-check.service; no left-over processes in its journal"

# A person's start from a login session (a scope of its own): the daemon is
# in its scope, and ending the session leaves it running.
systemd-run --scope --unit=cortex-test-session --quiet \
	cortex-check -c /etc/cortex/cortex.toml start person-d >/dev/null || fail "start person-d failed"
person_pid=$(pid_of person-d)
[ "$(cgroup_of "$person_pid")" = /system.slice/cortex-person-d.scope ] ||
	fail "person-d (PID $person_pid) is in $(cgroup_of "$person_pid"), not its scope"
systemctl stop cortex-test-session.scope 2>/dev/null || true
sleep 0.5
kill -0 "$person_pid" || fail "person-d died with the session"
echo "ok: person-d started from a session lives in cortex-person-d.scope and outlives the session"

# A look-alike (same program and command line), not cortex-check's: restart
# timer-d stops its scope alone.
systemd-run --unit=lookalike --quiet sleep 600
wait_for 10 systemctl is-active --quiet lookalike.service || fail "the look-alike did not start"
look_pid=$(systemctl show -P MainPID lookalike.service)
cortex-check -c /etc/cortex/cortex.toml restart timer-d >/dev/null || fail "restart timer-d exited $?"
kill -0 "$look_pid" || fail "restart timer-d killed the look-alike $look_pid"
kill -0 "$person_pid" || fail "restart timer-d killed person-d"
new_pid=$(pid_of timer-d)
[ "$new_pid" != "$timer_pid" ] || fail "timer-d was not restarted"
[ "$(cgroup_of "$new_pid")" = /system.slice/cortex-timer-d.scope ] || fail "the new timer-d is not in its scope"
echo "ok: restart timer-d stopped only its scope; the look-alike and person-d live on"
systemctl stop lookalike.service

# A daemon kept by a unit of its own: Debian's redis-server.service.
if systemctl start redis-server.service 2>/dev/null && wait_for 10 systemctl is-active --quiet redis-server.service; then
	cat >>/etc/cortex/cortex.toml <<'TOML'

[[daemon]]
name = "redis"
user = "redis"
process = "redis-server"
pattern = ':6379$'
start = ["systemctl", "start", "redis-server"]
stop = ["systemctl", "stop", "redis-server"]
TOML
	out=$(cortex-check -c /etc/cortex/cortex.toml --only redis --fix --format json) || true
	tracked=$(jq -r '.daemons.redis.tracked' <<<"$out")
	[ "$tracked" = "managed by redis-server.service" ] || fail "redis is tracked by '$tracked', not its unit: $out"
	[ "$(jq -r '.daemons.redis.action' <<<"$out")" = none ] || fail "--fix acted on a redis its unit keeps: $out"
	[ "$(pgrep -c redis-server)" = 1 ] || fail "a second redis-server runs"
	echo "ok: redis in redis-server.service is managed by it; --fix starts no copy"
	# A person stops the unit: held, as cortex-check stop would hold it, and
	# --fix starts no redis behind the unit's back; started again, released.
	systemctl stop redis-server.service
	out=$(cortex-check -c /etc/cortex/cortex.toml --only redis --fix --format json) || true
	[ "$(jq -r '.daemons.redis.hold.by' <<<"$out")" = systemd ] || fail "a stopped redis-server.service is not a hold: $out"
	[ "$(jq -r '.daemons.redis.state' <<<"$out")" = WARNING ] || fail "a held redis is not WARNING: $out"
	if pgrep -x redis-server >/dev/null; then fail "--fix started a redis while its unit was stopped"; fi
	systemctl start redis-server.service
	wait_for 10 systemctl is-active --quiet redis-server.service || fail "redis-server.service did not start again"
	out=$(cortex-check -c /etc/cortex/cortex.toml --only redis --format json) || true
	[ "$(jq -r '.daemons.redis.hold // "none"' <<<"$out")" = none ] || fail "the unit's hold outlived its start: $out"
	[ "$(jq -r '.daemons.redis.tracked' <<<"$out")" = "managed by redis-server.service" ] || fail "redis is not managed again: $out"
	echo "ok: a person's systemctl stop of redis-server holds it; systemctl start releases it"
else
	fail "redis-server.service would not start in the container"
fi

# A second config with a daemon of the same name: its scope carries a tag
# of its path, so neither config's passes or verbs touch the other's.
printf '#!/bin/sh\nexec sleep 601\n' >/opt/cortex/b-timer-d
chmod 0755 /opt/cortex/b-timer-d
cat >/etc/cortex/b.toml <<'TOML'
status_file = "/var/lib/cortex/b-status.json"
log_file = "/var/log/cortex/b.log"

[[daemon]]
name = "timer-d"
process = "sleep"
pattern = '^sleep 601$'
start = ["/opt/cortex/b-timer-d"]
TOML
a_pid=$(pid_of timer-d)
cortex-check -c /etc/cortex/b.toml --fix >/dev/null || true
b_unit=$(jq -r '.daemons["timer-d"].tracked' /var/lib/cortex/b-status.json)
[[ $b_unit =~ ^scope\ cortex-timer-d-[0-9a-f]{8}\.scope$ ]] || fail "b's timer-d is tracked by '$b_unit', not a scope of its own"
cortex-check -c /etc/cortex/b.toml stop timer-d >/dev/null || fail "b: stop timer-d failed"
kill -0 "$a_pid" || fail "b's stop timer-d killed a's timer-d"
out=$(cortex-check -c /etc/cortex/cortex.toml --only timer-d --read-only --format json) || true
[ "$(jq -r '.daemons["timer-d"].status' <<<"$out")" = running ] || fail "a's timer-d does not read running beside b's: $out"
echo "ok: two configs' daemons of one name live in two scopes ($b_unit); b's stop leaves a's"

# A user's own config (a user timer, schedule systemd --user): its daemons
# get scopes of that user's systemd, not the service's cgroup.
useradd --create-home --shell /bin/bash cortexu
uid=$(id -u cortexu)
loginctl enable-linger cortexu
wait_for 20 systemctl is-active --quiet "user@$uid.service" || fail "user@$uid.service did not start"
home=/home/cortexu
runuser -u cortexu -- sh -c 'printf "#!/bin/sh\nexec sleep 602\n" > ~/d.sh && chmod 0755 ~/d.sh'
runuser -u cortexu -- tee "$home/cortex.toml" >/dev/null <<'TOML'
status_file = "status.json"
log_file = "cortex-check.log"

[[daemon]]
name = "user-d"
process = "sleep"
pattern = '^sleep 602$'
start = ["./d.sh"]
TOML
runuser -u cortexu -- env XDG_RUNTIME_DIR="/run/user/$uid" cortex-check -c "$home/cortex.toml" --fix >/dev/null || true
user_pid=$(jq -r '.daemons["user-d"].pid' "$home/status.json")
[[ $(cgroup_of "$user_pid") =~ ^/user.slice/user-$uid.slice/user@$uid.service/app.slice/cortex-user-d-[0-9a-f]{8}.scope$ ]] ||
	fail "user-d (PID $user_pid) is in $(cgroup_of "$user_pid"), not a scope of the user's systemd"
runuser -u cortexu -- env XDG_RUNTIME_DIR="/run/user/$uid" cortex-check -c "$home/cortex.toml" stop user-d >/dev/null ||
	fail "the user's stop user-d failed"
if kill -0 "$user_pid" 2>/dev/null && [ "$(ps -o stat= -p "$user_pid" | cut -c1)" != Z ]; then
	fail "the user's stop left user-d running"
fi
echo "ok: a user's own daemon lives in a scope of its user's systemd, and its stop ends it"

# An exec notifier that leaves a child in a session of its own runs in a
# throwaway scope of its own (run-cortex-notify-*), as an exec probe does,
# stopped once it exits: the child goes with it.
printf '#!/bin/sh\nexec sleep 604\n' >/opt/cortex/notified-d
cat >/opt/cortex/notify.sh <<'SH'
#!/bin/sh
setsid sleep 605 </dev/null >/dev/null 2>&1 &
sed -n 's/^0:://p' /proc/self/cgroup >/var/lib/cortex/inbox/cgroup
systemctl show -p RuntimeMaxUSec --value "$(basename "$(cat /var/lib/cortex/inbox/cgroup)")" >/var/lib/cortex/inbox/runtime-max
SH
chmod 0755 /opt/cortex/notified-d /opt/cortex/notify.sh
install -d -o nobody -m 0755 /var/lib/cortex/inbox
cat >/etc/cortex/c.toml <<'TOML'
status_file = "/var/lib/cortex/c-status.json"
log_file = "/var/log/cortex/c.log"

[[daemon]]
name = "notified-d"
process = "sleep"
pattern = '^sleep 604$'
start = ["/opt/cortex/notified-d"]

[[notify]]
exec = ["/opt/cortex/notify.sh"]
TOML
cortex-check -c /etc/cortex/c.toml --fix >/dev/null || true
pkill -KILL -f '^sleep 604$'
wait_for 10 sh -c '! pgrep -f "^sleep 604$" >/dev/null' || fail "notified-d did not die"
cortex-check -c /etc/cortex/c.toml --fix >/dev/null || true
grep -q 'notify\[1\] (exec /opt/cortex/notify.sh): sent ' /var/log/cortex/c.log || fail "the notifier was not sent: $(cat /var/log/cortex/c.log)"
[[ $(cat /var/lib/cortex/inbox/cgroup) =~ /run-cortex-notify-[0-9]+-[0-9]+\.scope$ ]] ||
	fail "the notifier ran in $(cat /var/lib/cortex/inbox/cgroup), not a throwaway scope"
if pgrep -f '^sleep 605$' >/dev/null; then fail "the notifier's child outlived it"; fi
# A pass killed while its notifier runs never stops the scope: systemd
# ends it after RuntimeMaxSec.
[ "$(cat /var/lib/cortex/inbox/runtime-max)" = 1h ] || fail "the notifier's scope has RuntimeMaxUSec $(cat /var/lib/cortex/inbox/runtime-max), want 1h"
[ -z "$(systemctl list-units --all --no-legend 'run-cortex-notify-*')" ] || fail "a notifier's scope is left: $(systemctl list-units --all --no-legend 'run-cortex-notify-*')"
echo "ok: an exec notifier runs in a throwaway scope, and what it left behind is gone with it"

# A bad config: the pass cannot judge (exit 3), and only that fails the unit.
echo 'bogus = 1' >>/etc/cortex/cortex.toml
systemctl start cortex-check.service && fail "a pass with a bad config succeeded"
[ "$(systemctl show -P ActiveState cortex-check.service)" = failed ] || fail "a bad config did not fail the service"
echo "ok: a bad config (exit 3) leaves cortex-check.service failed"
echo "scopes: all checks passed"
