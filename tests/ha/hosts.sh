# tests/ha/hosts.sh: hosts for the tests of the replicated database, each a
# network namespace of its own on one switch (a bridge in a namespace of
# its own), with addresses from 198.18.2.0/24 (the range reserved for
# benchmark networks, which no interface of the machine carries). The test
# itself runs in the namespace of host "app" (hosts_enter), so that nginx,
# the services and the load it starts are on that host; the other hosts'
# programs are started through hosts_on.
#
# hosts_enter "$@"       first line of a test: run it again in a network
#                        namespace of its own (host "app", 198.18.2.2)
# hosts_add NAME IP      a host joined to the switch
# hosts_on NAME CMD...   CMD on host NAME (its network, this machine's files)
# hosts_pid NAME         the pid that holds host NAME's namespace
# hosts_cleanup          every host and the switch gone; says what is left
#
# Needs root (namespaces), ip (iproute2) and nsenter.

declare -A hosts_holder=()
hosts_names=()
hosts_switch=

# hosts_enter ARGS...: the calling test again, as host "app", unless it is
# already. Its namespace ends with its last process.
hosts_enter() {
	[ -n "${HOSTS_APP:-}" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "hosts: network namespaces need root"
		return 1
	fi
	export HOSTS_APP=1
	exec unshare --net -- bash "$0" "$@"
}

# hosts_hold: a process in a new network namespace (loopback up), a child
# of the calling shell (so that it can be waited for); its pid in
# hosts_held. tests/netem/netem.test makes its hosts with it too.
hosts_hold() {
	local pid
	unshare --net sleep infinity </dev/null >/dev/null 2>&1 &
	pid=$!
	hosts_held=$pid
	until [ "$(readlink "/proc/$pid/ns/net")" != "$(readlink /proc/self/ns/net)" ]; do
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.01
	done
	nsenter -t "$pid" -n ip link set lo up
}

# hosts_start_switch: the bridge, and host "app" (this namespace) on it.
hosts_start_switch() {
	hosts_hold || return 1
	hosts_switch=$hosts_held
	nsenter -t "$hosts_switch" -n ip link add sw type bridge &&
		nsenter -t "$hosts_switch" -n ip link set sw up || return 1
	ip link set lo up
	ip link add app type veth peer name p-app netns "$hosts_switch" &&
		nsenter -t "$hosts_switch" -n ip link set p-app master sw up &&
		ip addr add 198.18.2.2/24 dev app && ip link set app up || return 1
	hosts_holder[app]=$$
	hosts_names+=(app)
}

# hosts_add NAME IP: host NAME with address IP/24, its link to the switch
# named NAME on its side and p-NAME on the switch's.
hosts_add() {
	local name=$1 ip=$2 pid
	[ -n "$hosts_switch" ] || hosts_start_switch || return 1
	hosts_hold || return 1
	pid=$hosts_held
	hosts_holder[$name]=$pid
	hosts_names+=("$name")
	ip link add "$name" netns "$pid" type veth peer name "p-$name" netns "$hosts_switch" &&
		nsenter -t "$hosts_switch" -n ip link set "p-$name" master sw up &&
		nsenter -t "$pid" -n ip addr add "$ip/24" dev "$name" &&
		nsenter -t "$pid" -n ip link set "$name" up
}

hosts_pid() { echo "${hosts_holder[$1]}"; }

hosts_on() {
	local name=$1
	shift
	if [ "$name" = app ]; then
		"$@"
	else
		nsenter -t "${hosts_holder[$name]}" -n -- "$@"
	fi
}

# hosts_cleanup: any process still in a host's namespace but its holder
# (the test's own programs must all be stopped by now) is named in
# hosts_left, after 5 s of grace, and the call fails; then the holders are
# stopped (the namespaces and links go with the last process in them).
hosts_cleanup() {
	local name pid p i
	hosts_left=""
	for ((i = 0; i < 50; i++)); do
		hosts_left=""
		for name in "${hosts_names[@]}" switch; do
			[ "$name" = switch ] && pid=$hosts_switch || pid=${hosts_holder[$name]}
			[ -n "$pid" ] && [ "$pid" != $$ ] || continue
			for p in /proc/[0-9]*; do
				[ "${p#/proc/}" != "$pid" ] && [ "$p/ns/net" -ef "/proc/$pid/ns/net" ] &&
					hosts_left+=" ${p#/proc/} ($(cat "$p/comm" 2>/dev/null)) on $name"
			done
		done
		[ -z "$hosts_left" ] && break
		sleep 0.1
	done
	for name in "${hosts_names[@]}" switch; do
		[ "$name" = switch ] && pid=$hosts_switch || pid=${hosts_holder[$name]}
		[ -n "$pid" ] && [ "$pid" != $$ ] || continue
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	hosts_names=()
	hosts_holder=()
	hosts_switch=
	[ -z "$hosts_left" ]
}
