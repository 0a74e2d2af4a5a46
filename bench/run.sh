#!/usr/bin/env bash
# Benchmark: a cortex-check pass of the shipped config (cortex.toml's six
# daemons) against the floor (one walk of /proc) and the old way (six
# pgrep -f, as in the old runbook), on a host filled with sleeping processes
# up to each size in SIZES (default 170 600 2000 processes in all).
# Usage: bench/run.sh [ROUNDS] [OLD]   (default 40 rounds; run from anywhere)
# OLD is a git revision to build too and time in the same rounds, paired
# (e.g. bench/run.sh 40 74be285). Everything is built as the README builds
# it: CGO_ENABLED=0 go build. It removes exactly what it started, by PID,
# even when interrupted.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-40}
old=${2:-}
sizes=${SIZES:-170 600 2000}
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
command -v jq >/dev/null || { echo "bench needs jq (apt-get install jq)" >&2; exit 1; }

echo "building into $work"
build() { CGO_ENABLED=0 go build -o "$@"; }
(cd "$repo" && build "$work/cortex-check" . && build "$work/floor" ./bench/floor && go build -o "$work/driver" ./bench/driver)
if [ -n "$old" ]; then
	mkdir "$work/old-src"
	git -C "$repo" archive "$old" | tar -x -C "$work/old-src"
	(cd "$work/old-src" && build "$work/cortex-check-old" .)
	echo "old: $(git -C "$repo" log -1 --format='%h %s' "$old" | cut -c1-100)"
fi
echo "binary: $(stat -c %s "$work/cortex-check") bytes${old:+, old $(stat -c %s "$work/cortex-check-old") bytes}"

# The shipped config as it is, its paths made absolute: the status file,
# the logs and the heartbeats in the work folder, the stand-ins in the repo.
sed -e "s#\${dir}/testdata/#$repo/testdata/#" \
	-e "s#^start = \[\"testdata/#start = [\"$repo/testdata/#" \
	-e 's#^max_restarts *= *[0-9]*#max_restarts = 1000#' \
	"$repo/cortex.toml" >"$work/six.toml"
grep -q "^pattern = '$repo/testdata/daemons/pm-daemon" "$work/six.toml" || { echo "bench: cannot rewrite cortex.toml's patterns" >&2; exit 1; }
# 100 daemons: the six, and 94 more that match nothing here, as a large
# config would have them (the same mix as check's BenchmarkMatch): mostly
# script paths anchored at the end, some regexps anchored at the start, one
# in ten a free regexp.
{
	sed -e 's#^status_file *=.*#status_file = "run/status100.json"#' "$work/six.toml"
	for i in $(seq 0 93); do
		case $((i % 10)) in
		0) pat="worker-[0-9]+ --shard=$i( |\$)" ;;
		1 | 2) pat="^/usr/bin/java .*-Dservice=svc-$i( |\$)" ;;
		*) pat="/opt/cortex/services/svc-$i\\.sh\$" ;;
		esac
		printf '\n[[daemon]]\nname = "svc-%d"\npattern = '"'"'%s'"'"'\n' "$i" "$pat"
	done
} >"$work/hundred.toml"
status="$work/run/cortex-status.json"

names=(pm-daemon health-monitor-daemon metrics-snapshot-daemon coordinator-daemon integration-validator-daemon worker-daemon)
# The old way, as the old runbook checked: six pgrep -f.
cat >"$work/old-way.sh" <<OLD
#!/bin/bash
for d in ${names[*]}; do pgrep -f "\$d.sh" >/dev/null || echo "\$d down"; done
OLD
chmod +x "$work/old-way.sh"

# The six stand-ins, started by cortex-check itself and recorded by PID.
CORTEX_STANDIN_LIFETIME=7200 "$work/cortex-check" -c "$work/six.toml" --fix --quiet || true
jq -r '.daemons[].pid // empty' "$status" >>"$pids"
# The status file of the 100 daemons' config, once, so that every timed
# pass reads and writes one.
"$work/cortex-check" -c "$work/hundred.toml" >/dev/null || true

pad=$(printf 'x%.0s' $(seq 1 100))
fillers=0
procs() { local p=(/proc/[0-9]*); echo "${#p[@]}"; }
fill_to() {
	while (($(procs) < $1)); do
		fillers=$((fillers + 1))
		# A sleep with a long, distinct argv, in its own session (setsid
		# forks, so this loop does not wait for it); bash prints its PID,
		# then becomes the sleep.
		setsid -f bash -c 'echo $$; exec -a "$0" sleep 7200' "cortex-bench-filler-$fillers-$pad --opt=$fillers" >>"$pids" </dev/null
		((fillers % 50)) || sleep 0.2
	done
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr), $(go version | cut -d' ' -f3), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), rounds: $rounds, interleaved"
pass=(cortex-check="$work/cortex-check -c $work/six.toml")
ratios=(-ratio cortex-check/floor -ratio old-way/cortex-check -ratio cortex-check-100/cortex-check -ratio fix-none-down/cortex-check)
if [ -n "$old" ]; then
	pass+=(cortex-check-old="$work/cortex-check-old -c $work/six.toml")
	ratios+=(-ratio cortex-check-old/floor -ratio cortex-check/cortex-check-old -ratio version/version-old)
fi
for n in $sizes; do
	fill_to "$n"
	echo
	echo "== $(procs) processes ($fillers fillers); load $(cut -d' ' -f1-3 /proc/loadavg)"
	"$work/driver" -rounds "$rounds" "${ratios[@]}" \
		"floor=$work/floor" \
		"${pass[@]}" \
		"cortex-check-100=$work/cortex-check -c $work/hundred.toml" \
		"fix-none-down=$work/cortex-check -c $work/six.toml --fix" \
		"version=$work/cortex-check --version" \
		${old:+"version-old=$work/cortex-check-old --version"} \
		"old-way=$work/old-way.sh"
done

# One daemon down: the cost of --fix beyond the daemon's own start-up.
echo
echo "== --fix with one daemon down (pm-daemon), $(procs) processes"
for i in 1 2 3 4 5; do
	pid=$(jq -r '.daemons["pm-daemon"].pid' "$status")
	kill -KILL -- "-$pid" 2>/dev/null || true
	while kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
	start=$(date +%s%N)
	CORTEX_STANDIN_LIFETIME=7200 "$work/cortex-check" -c "$work/six.toml" --fix >/dev/null || true
	end=$(date +%s%N)
	jq -r '.daemons["pm-daemon"].pid' "$status" >>"$pids"
	echo "pass $(((end - start) / 1000000))ms; $(jq -r '.daemons["pm-daemon"].message' "$status")"
done
