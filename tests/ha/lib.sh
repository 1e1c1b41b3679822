# tests/ha/lib.sh: what the tests of tests/ha/ share. A test sources it as
# its first line: it runs the test again as host "app" (tests/ha/hosts.sh),
# then brings the integration harness (tests/integration/lib.sh), the
# replicated cluster (script/lib/ha.sh) and the network faults
# (tests/netem/netem.sh), and sets one EXIT trap that stops whatever the
# test started, whether it ends, fails or is killed.
#
# ha_cluster DIR            hosts etcd, pg1, pg2 and the cluster on them
# ha_load_start ARGS...     tests/crash/crash-run --kills 0 in the background,
#                           until ha_load_stop; its output in $t_dir/load.out
# ha_load_stop              stop it; ha_load_rc is its status
# check RC DESC [DETAIL]    t_ok, and RC again
# since T                   seconds from epoch time T to now (one decimal)
# before T                  now is before epoch time T
# ha_deadline               the seconds a request may take: nginx's 10 s
#                           fastcgi_read_timeout, after which it answers 503
#                           itself, and 1 s for two busy cores

. "$(dirname "${BASH_SOURCE[0]}")/hosts.sh"
hosts_enter "$@" || exit 1
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
# shellcheck source=../../script/lib/ha.sh
. "$MICROSHOP_SRCDIR/script/lib/ha.sh"
export MICROSHOP_BUILDDIR=${MICROSHOP_BUILDDIR:-$MICROSHOP_SRCDIR}
# shellcheck source=../netem/netem.sh
. "$MICROSHOP_SRCDIR/tests/netem/netem.sh"

ha_deadline=11
ha_state=
ha_load_pid=
ha_load_rc=
ha_cleaned=0

ha_on() { hosts_on "$@"; }

check() {
	t_ok "$@"
	return "$1"
}

since() { awk -v t="$1" -v n="$EPOCHREALTIME" 'BEGIN { printf "%.1f", n - t }'; }
before() { awk -v t="$1" -v n="$EPOCHREALTIME" 'BEGIN { exit !(n < t) }'; }

# ha_need TOOL...: each on PATH, or the test bails out.
ha_need() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null || { echo "Bail out! missing tool: $tool (run script/bootstrap)"; exit 99; }
	done
}

# ha_cleanup: what the test stopped itself (its function ha_test_cleanup,
# if it has one), the load, the faults, the cluster and the hosts stopped,
# once; then whether anything of them is left (a check).
ha_cleanup() {
	local netem_rc=0
	[ "$ha_cleaned" = 0 ] || return 0
	ha_cleaned=1
	! declare -F ha_test_cleanup >/dev/null || ha_test_cleanup
	ha_load_stop
	netem_cleanup || netem_rc=1
	ha_stop
	hosts_cleanup && [ "$netem_rc" = 0 ]
	t_ok $? "cleaned up: no process left on the test's hosts, no rule or queue" "left:$hosts_left"
	if [ -n "$ha_state" ]; then
		if [ "$t_fail" = 0 ]; then rm -rf "$ha_state"; else echo "# the cluster's files are kept in $ha_state"; fi
	fi
}
trap 'ha_cleanup; t_cleanup' EXIT
trap 'exit 130' INT TERM

# finish: the end of a test (also on a failed step).
finish() {
	ha_cleanup
	t_finish
}

# ha_cluster: four hosts (app, this test; etcd; pg1 and pg2) on one switch,
# and the replicated cluster on them.
ha_cluster() {
	ha_need patroni patronictl etcd psql
	ha_state=$(mktemp -d "${TMPDIR:-/tmp}/microshop-ha.XXXXXX")
	chmod 755 "$ha_state"
	hosts_add etcd 198.18.2.10 && hosts_add pg1 198.18.2.11 && hosts_add pg2 198.18.2.12
	check $? "four hosts on one switch: app, etcd, pg1, pg2" || finish
	t_started=$SECONDS
	ha_start "$ha_state/cluster" 198.18.2.10:2379:2380 pg1=198.18.2.11:5432:8008 pg2=198.18.2.12:5432:8008
	check $? "Patroni made a primary and a synchronous standby in $((SECONDS - t_started)) s" \
		"$(tail -n 5 "$ha_dir/pg1.log" "$ha_dir/pg2.log" 2>/dev/null)" || finish
	echo "# $(ha_members | tr '\n' ';')"
	echo "# the services' database: $STACK_PG_URL/microshop_NAME?$STACK_PG_PARAMS"
}

# ha_load_start ARGS...: the crash test's client, writing and reading
# through its own stack on the cluster until ha_load_stop; returns once it
# has written for 3 s.
ha_load_start() {
	local i
	bash "$MICROSHOP_SRCDIR/tests/crash/crash-run" --kills 0 --stop-file "$t_dir/stop" "$@" \
		>"$t_dir/load.out" 2>&1 &
	ha_load_pid=$!
	for ((i = 0; i < 300; i++)); do
		[ -s "$t_dir/load.out" ] && break
		sleep 0.1
	done
	sleep 3
}

# ha_load_stop: the stop file, and the client's end: ha_load_rc, its
# status; its detail lines ("# ...") printed.
ha_load_stop() {
	[ -n "$ha_load_pid" ] || return 0
	touch "$t_dir/stop"
	wait "$ha_load_pid"
	ha_load_rc=$?
	ha_load_pid=
	sed -n '/^# /p' "$t_dir/load.out"
}

# ha_load_line KEY: the value of the client's KEY: line ("reads", "windows",
# "slowest", "acknowledged" for the whole summary line).
ha_load_line() {
	if [ "$1" = acknowledged ]; then
		grep '^acknowledged ' "$t_dir/load.out"
	else
		sed -n "s/^$1: //p" "$t_dir/load.out"
	fi
}
