#!/usr/bin/env bash
# Benchmark: a cortex-check pass against the old way (six pgrep -f, as in
# the old runbook) and the floor (one walk of /proc), on a fixture of the six
# stand-in daemons plus N filler processes, for N = 0, 500, 2000.
# Usage: bench/run.sh [ROUNDS]      (default 40; run from anywhere)
# It removes exactly what it started, by PID, even when interrupted.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-40}
work=$(mktemp -d "${TMPDIR:-/tmp}/cortex-bench.XXXXXX")
pids="$work/pids"
: >"$pids"

cleanup() {
	# Fillers and daemons lead their own sessions: kill each by PID, with
	# its process group (a stand-in's sleep child).
	while read -r pid; do
		kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
	done <"$pids"
	# The control groups the passes made for the stand-ins, one folder per
	# config, named after its path as systemd-escape --path writes it.
	local key="${work#/}"
	key="${key//-/\\x2d}"
	key="${key//\//-}-"
	local top group
	for top in /sys/fs/cgroup/cortex-check /sys/fs/cgroup/unified/cortex-check; do
		for group in "$top/$key"*; do
			[ -d "$group" ] || continue
			for member in "$group"/*/; do
				echo 1 >"$member/cgroup.kill" 2>/dev/null || true
			done
			sleep 1
			rmdir "$group"/*/ "$group" 2>/dev/null || echo "bench: could not remove $group" >&2
		done
	done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "building into $work"
(cd "$repo" && go build -o "$work/cortex-check" . && go build -o "$work/floor" ./bench/floor && go build -o "$work/driver" ./bench/driver)

names=(pm-daemon health-monitor-daemon metrics-snapshot-daemon coordinator-daemon integration-validator-daemon worker-daemon)
daemon_toml() {
	local name=$1
	printf '[[daemon]]\nname = "%s"\npattern = '"'"'%s/testdata/daemons/%s\\.sh$'"'"'\nstart = ["%s/testdata/daemons/%s.sh"]\n\n' \
		"$name" "$repo" "$name" "$repo" "$name"
}
{
	# The one-daemon-down runs restart the same daemon again and again.
	printf 'status_file = "status.json"\nlog_file = "cortex-check.log"\nmax_restarts = 1000\n\n'
	for n in "${names[@]}"; do daemon_toml "$n"; done
} >"$work/six.toml"
# 100 daemons: the six, and 94 more that match nothing here, as a large
# config would have them (the same mix as check's BenchmarkMatch): mostly
# script paths anchored at the end, some regexps anchored at the start, one
# in ten a free regexp.
{
	printf 'status_file = "status100.json"\nlog_file = "cortex-check.log"\n\n'
	for n in "${names[@]}"; do daemon_toml "$n"; done
	for i in $(seq 0 93); do
		case $((i % 10)) in
		0) pat="worker-[0-9]+ --shard=$i( |\$)" ;;
		1 | 2) pat="^/usr/bin/java .*-Dservice=svc-$i( |\$)" ;;
		*) pat="/opt/cortex/services/svc-$i\\.sh\$" ;;
		esac
		printf '[[daemon]]\nname = "svc-%d"\npattern = '"'"'%s'"'"'\n\n' "$i" "$pat"
	done
} >"$work/hundred.toml"

# The old way, as the old runbook checked: six pgrep -f.
cat >"$work/old-way.sh" <<OLD
#!/bin/bash
for d in ${names[*]}; do pgrep -f "\$d.sh" >/dev/null || echo "\$d down"; done
OLD
chmod +x "$work/old-way.sh"

# The six stand-ins, started by cortex-check itself and recorded by PID.
CORTEX_STANDIN_LIFETIME=3600 "$work/cortex-check" -c "$work/six.toml" --fix --quiet || true
command -v jq >/dev/null || { echo "bench needs jq (apt-get install jq)" >&2; exit 1; }
jq -r '.daemons[].pid // empty' "$work/status.json" >>"$pids"

pad=$(printf 'x%.0s' $(seq 1 100))
fillers=0
add_fillers() {
	while ((fillers < $1)); do
		fillers=$((fillers + 1))
		# A sleep with a long, distinct argv, in its own session (setsid
		# forks, so this loop does not wait for it); bash prints its PID,
		# then becomes the sleep.
		setsid -f bash -c 'echo $$; exec -a "$0" sleep 3600' "cortex-bench-filler-$fillers-$pad --opt=$fillers" >>"$pids" </dev/null
	done
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr), $(go version | cut -d' ' -f3)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), rounds: $rounds, interleaved"
command -v hyperfine >/dev/null && have_hyperfine=1 || have_hyperfine=
for n in 0 500 2000; do
	add_fillers "$n"
	echo
	echo "== $(ls -d /proc/[0-9]* 2>/dev/null | wc -l) processes ($n fillers)"
	"$work/driver" -rounds "$rounds" \
		-ratio cortex-check/floor -ratio old-way/cortex-check -ratio cortex-check-100/cortex-check -ratio fix-none-down/cortex-check \
		"floor=$work/floor" \
		"cortex-check=$work/cortex-check -c $work/six.toml" \
		"cortex-check-100=$work/cortex-check -c $work/hundred.toml" \
		"fix-none-down=$work/cortex-check -c $work/six.toml --fix" \
		"old-way=$work/old-way.sh"
	if [ -n "$have_hyperfine" ]; then
		hyperfine -N -w 3 -r "$rounds" --style basic "$work/floor" "$work/cortex-check -c $work/six.toml" "$work/old-way.sh" 2>&1 | grep -E 'Time|±|faster|Benchmark' || true
	fi
done

# One daemon down: the cost of --fix beyond the daemon's own start-up.
echo
echo "== --fix with one daemon down (pm-daemon), $(ls -d /proc/[0-9]* 2>/dev/null | wc -l) processes"
for i in 1 2 3 4 5; do
	pid=$(jq -r '.daemons["pm-daemon"].pid' "$work/status.json")
	kill -KILL -- "-$pid" 2>/dev/null || true
	while kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
	start=$(date +%s%N)
	CORTEX_STANDIN_LIFETIME=3600 "$work/cortex-check" -c "$work/six.toml" --fix >/dev/null || true
	end=$(date +%s%N)
	jq -r '.daemons["pm-daemon"].pid' "$work/status.json" >>"$pids"
	echo "pass $(((end - start) / 1000000))ms; $(jq -r '.daemons["pm-daemon"].message' "$work/status.json")"
done
