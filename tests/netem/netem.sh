# tests/netem/netem.sh: network faults between a test's hosts, what
# `tc qdisc ... netem` would make, on kernels without sch_netem: iptables
# rules in a host's network namespace send the packets to and from a peer
# to an NFQUEUE, and tests/nfq_delay (tests/netem/nfq_delay.c), started in
# that namespace, delays or drops them. A test sources this file; its hosts
# are network namespaces it made and holds with `unshare --net sleep
# infinity` (NS_PID: that holder's PID; tests/live/lib.sh does the same).
#
# netem_delay NS_PID PEER_CIDR MS [LOSS_PERCENT]
#     every packet between the namespace and PEER_CIDR, each way, is held
#     MS ms and lost with probability LOSS_PERCENT: a round trip to the peer
#     takes 2 x MS longer and is lost with 1 - (1 - LOSS)^2 (5 % each way:
#     9.75 %), as with `netem delay MS loss LOSS%` on both hosts' links. For
#     "+50 ms round trip", ask for 25. One call, one queue and one
#     nfq_delay; calls for other peers (or other namespaces) add to it, a
#     second one for the same peer does nothing (the first rule takes the
#     packets): netem_heal first.
# netem_partition NS_PID PEER_CIDR
#     every packet between the namespace and PEER_CIDR, each way, is lost,
#     silently: dropped by nfq_delay's verdict (--loss 100) after the send
#     returned, as on a cut link (an iptables DROP on OUTPUT would fail the
#     sender's send with EPERM). Comes before any delay to that peer.
# netem_heal NS_PID
#     every rule in the namespace removed, then its nfq_delay processes
#     stopped (each accepts the packets it still holds); their summary
#     lines are printed and kept in $netem_summary. Fails when one of them
#     failed or exited badly.
# netem_cleanup
#     netem_heal in every namespace used, any nfq_delay left killed, and a
#     check that none is left; "netem: left behind: ..." and a failure
#     otherwise.
#
# Call them in the test's own shell, not in $( ) or a pipeline: the
# nfq_delay processes are its children. The rules are in two chains of
# their own, MICROSHOP-NETEM-OUT (from OUTPUT, -d PEER) and
# MICROSHOP-NETEM-IN (from INPUT, -s PEER); loopback traffic is never
# touched, nor forwarded packets (a host here is an end, not a router).
#
# Environment: MICROSHOP_BUILDDIR (the build tree: nfq_delay is in its
# tests/), or NETEM_NFQ_DELAY, its path; NETEM_FLAGS, more flags for every
# nfq_delay (--seed S, --limit N); NETEM_WRAP, a command to run it under
# (valgrind ...); NETEM_QUEUE_BASE, the first queue number (2300).
# shellcheck shell=bash

netem_nfq_delay=${NETEM_NFQ_DELAY:-${MICROSHOP_BUILDDIR:-.}/tests/nfq_delay}
netem_queue=${NETEM_QUEUE_BASE:-2300}
netem_last_queue=
netem_dir=
netem_summary=
netem_namespaces=()
declare -A netem_ns_of=()

# netem_ipt NS_PID ARG...: iptables in that namespace (waiting for the lock
# other namespaces' iptables may hold: it is one file for all).
netem_ipt() {
	local ns=$1
	shift
	nsenter -t "$ns" -n iptables -w "$@"
}

# netem_chains NS_PID: the two chains, made and hooked once per namespace.
netem_chains() {
	local ns=$1
	netem_ipt "$ns" -S MICROSHOP-NETEM-OUT >/dev/null 2>&1 && return 0
	netem_ipt "$ns" -N MICROSHOP-NETEM-OUT &&
		netem_ipt "$ns" -N MICROSHOP-NETEM-IN &&
		netem_ipt "$ns" -I OUTPUT 1 ! -o lo -j MICROSHOP-NETEM-OUT &&
		netem_ipt "$ns" -I INPUT 1 ! -i lo -j MICROSHOP-NETEM-IN || {
		echo "netem: cannot make the chains in the namespace of $ns" >&2
		return 1
	}
	case " ${netem_namespaces[*]} " in *" $ns "*) ;; *) netem_namespaces+=("$ns") ;; esac
}

# netem_queue_start NS_PID MS LOSS: an nfq_delay on the next queue number
# ($netem_last_queue is it afterwards), waited for until it has bound the queue:
# a packet sent to a queue nobody holds is dropped.
netem_queue_start() {
	local ns=$1 ms=$2 loss=$3 q pid i
	[ -x "$netem_nfq_delay" ] || {
		echo "netem: $netem_nfq_delay is not built (make -C tests nfq_delay)" >&2
		return 1
	}
	[ -n "$netem_dir" ] || netem_dir=$(mktemp -d "${TMPDIR:-/tmp}/netem.XXXXXX") || return 1
	q=$netem_queue
	netem_queue=$((q + 1))
	# shellcheck disable=SC2086 # the flags and the wrapper are word lists
	nsenter -t "$ns" -n ${NETEM_WRAP:-} "$netem_nfq_delay" --queue "$q" --delay "$ms" \
		--loss "$loss" ${NETEM_FLAGS:-} 2>"$netem_dir/$q.log" &
	pid=$!
	netem_ns_of[$pid]=$ns
	echo "$q" >"$netem_dir/$pid.queue"
	for ((i = 0; i < 300; i++)); do
		awk -v q="$q" '$1 == q { found = 1 } END { exit !found }' \
			"/proc/$pid/net/netfilter/nfnetlink_queue" 2>/dev/null && {
			netem_last_queue=$q
			return 0
		}
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "netem: nfq_delay for queue $q did not start:" >&2
	cat "$netem_dir/$q.log" >&2
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "netem_ns_of[$pid]"
	return 1
}

netem_delay() {
	local ns=$1 peer=$2 ms=$3 loss=${4:-0}
	netem_chains "$ns" && netem_queue_start "$ns" "$ms" "$loss" || return 1
	netem_ipt "$ns" -A MICROSHOP-NETEM-OUT -d "$peer" -j NFQUEUE --queue-num "$netem_last_queue" &&
		netem_ipt "$ns" -A MICROSHOP-NETEM-IN -s "$peer" -j NFQUEUE --queue-num "$netem_last_queue"
}

netem_partition() {
	local ns=$1 peer=$2
	netem_chains "$ns" && netem_queue_start "$ns" 0 100 || return 1
	netem_ipt "$ns" -I MICROSHOP-NETEM-OUT 1 -d "$peer" -j NFQUEUE --queue-num "$netem_last_queue" &&
		netem_ipt "$ns" -I MICROSHOP-NETEM-IN 1 -s "$peer" -j NFQUEUE --queue-num "$netem_last_queue"
}

# netem_stop PID: SIGTERM, up to 10 s to go (SIGKILL then), its status.
netem_stop() {
	local pid=$1 state i rc
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		# A child that has exited is a zombie until waited for.
		state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)
		[ -z "$state" ] || [ "$state" = Z ] && break
		sleep 0.1
	done
	if [ -n "$state" ] && [ "$state" != Z ]; then
		echo "netem: nfq_delay $pid did not stop in 10 s: killed" >&2
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	# 127: not this shell's child (called from a subshell): status unknown.
	[ "$rc" = 0 ] || [ "$rc" = 127 ]
}

netem_heal() {
	local ns=$1 pid q rc=0
	netem_summary=
	if [ -e "/proc/$ns/ns/net" ] && netem_ipt "$ns" -S MICROSHOP-NETEM-OUT >/dev/null 2>&1; then
		netem_ipt "$ns" -D OUTPUT ! -o lo -j MICROSHOP-NETEM-OUT &&
			netem_ipt "$ns" -D INPUT ! -i lo -j MICROSHOP-NETEM-IN &&
			netem_ipt "$ns" -F MICROSHOP-NETEM-OUT && netem_ipt "$ns" -X MICROSHOP-NETEM-OUT &&
			netem_ipt "$ns" -F MICROSHOP-NETEM-IN && netem_ipt "$ns" -X MICROSHOP-NETEM-IN || {
			echo "netem: cannot remove the rules in the namespace of $ns" >&2
			rc=1
		}
	fi
	for pid in "${!netem_ns_of[@]}"; do
		[ "${netem_ns_of[$pid]}" = "$ns" ] || continue
		q=$(cat "$netem_dir/$pid.queue")
		if ! netem_stop "$pid"; then
			echo "netem: nfq_delay for queue $q failed:" >&2
			rc=1
		fi
		netem_summary+=$(cat "$netem_dir/$q.log")$'\n'
		unset "netem_ns_of[$pid]"
	done
	printf '%s' "$netem_summary"
	return "$rc"
}

netem_cleanup() {
	local ns pid f left="" rc=0
	for ns in "${netem_namespaces[@]}"; do
		netem_heal "$ns" >/dev/null || rc=1
	done
	for pid in "${!netem_ns_of[@]}"; do
		netem_stop "$pid" || rc=1
		unset "netem_ns_of[$pid]"
	done
	for ns in "${netem_namespaces[@]}"; do
		[ -e "/proc/$ns/ns/net" ] && netem_ipt "$ns" -S 2>/dev/null | grep -q MICROSHOP-NETEM &&
			left+=" rules in the namespace of $ns"
	done
	for f in "$netem_dir"/*.queue; do
		[ -f "$f" ] || continue
		pid=$(basename "$f" .queue)
		grep -qa nfq_delay "/proc/$pid/cmdline" 2>/dev/null && left+=" nfq_delay $pid"
	done
	netem_namespaces=()
	[ -z "$left" ] || { echo "netem: left behind:$left" >&2; rc=1; }
	[ -z "$netem_dir" ] || [ "${NETEM_KEEP:-0}" = 1 ] || rm -rf "$netem_dir"
	netem_dir=
	return "$rc"
}
