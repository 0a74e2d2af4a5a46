#!/bin/bash
# A stand-in for one Cortex daemon. It runs like the real ones (a long-lived
# bash script, seen in the process table under the name it was started by)
# but ends by itself after CORTEX_STANDIN_LIFETIME seconds (default 900), so a
# demo never leaves processes behind for long. The six daemon names in this
# folder are links to it.
#
#   --exit CODE   print a line and exit at once with CODE (a daemon that
#                 cannot start, or a start script that exits early)
#   --fork        start a detached copy of itself and exit 0 (a start script
#                 that forks the real daemon)
set -u
name=$(basename "$0" .sh)
say() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $name[$$]: $*"; }

case "${1:-}" in
--exit)
	say "exiting at once with status ${2:-1}"
	[ "${2:-1}" = 0 ] || echo "$name: cannot start: configuration missing (stand-in failure)" >&2
	exit "${2:-1}"
	;;
--fork)
	shift
	setsid "$0" "$@" </dev/null >/dev/null 2>&1 &
	say "forked the daemon, PID $!"
	exit 0
	;;
esac

lifetime=${CORTEX_STANDIN_LIFETIME:-900}
say "started, ends by itself in ${lifetime}s"
child=
trap 'kill $child 2>/dev/null; say "stopping on signal"; exit 0' TERM INT HUP
end=$((SECONDS + lifetime))
beat=${CORTEX_HEARTBEAT:-}
[ -z "$beat" ] || mkdir -p "$(dirname "$beat")"
while [ "$SECONDS" -lt "$end" ]; do
	[ -z "$beat" ] || touch "$beat"
	# sleep in the background and wait for it, so a signal is handled at once
	sleep 1 &
	child=$!
	wait "$child"
done
say "lifetime over, exiting"
