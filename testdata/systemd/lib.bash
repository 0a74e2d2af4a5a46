# Helpers the scenarios under testdata/systemd source from /cortex-ci/src
# (a file beside them that is not *.sh, so not a scenario of its own).

# fail MESSAGE: the scenario fails, saying why.
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# wait_for SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds.
wait_for() {
	local tries=$(($1 * 10))
	shift
	while ! "$@"; do
		((--tries > 0)) || return 1
		sleep 0.1
	done
}
