# tests/live/lib.sh: test hosts for tests/live/run. A host is a Debian 12
# container booted with systemd as PID 1 (tests/live/nspawn-launch) in a
# network namespace the test makes; two hosts are joined by a veth link
# with addresses from 198.18.0.0/15, the range reserved for benchmark
# networks, which no interface of the machine itself carries.
#
# live_rootfs            make (once) and cache the Debian root all hosts share
# live_host_boot NAME    boot a host; live_host_pid NAME: its PID 1
# live_in NAME CMD...    run CMD in the host (all its namespaces)
# live_link A B          the veth link: A 198.18.0.1, B 198.18.0.2
# live_cleanup           stop every host, remove its cgroups, namespaces and files
#
# Sourced by tests/live/run, which sets live_root (the source tree),
# live_work (this run's scratch folder) and live_cache (where the root is
# kept between runs).

live_hosts=()
live_ns=()
declare -A live_pid=() live_launcher=() live_netns=()

# The packages every host carries: systemd, nginx and the services'
# libraries, so that `apt install ./microshop-*.deb` needs no network (the
# hosts have none beyond their link). A change to this list makes the
# cached root again.
live_packages=systemd,dbus,nginx,openssl,curl,sqlite3,libfcgi0ldbl,libsqlite3-0,libjson-c5,libcurl4,libsodium23,libpq5,libssl3

# live_mirror: the Debian archive this machine's own apt uses, read from its
# sources (deb822 .sources files, then one-line sources.list entries).
live_mirror() {
	local f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		uri=$(awk 'BEGIN { RS = ""; FS = "\n" }
			/(^|\n)Suites:[^\n]*bookworm( |\n|$)/ && /(^|\n)Types:[^\n]*deb( |\n|$)/ {
				for (i = 1; i <= NF; i++) if ($i ~ /^URIs:/) { split($i, u, " "); print u[2]; exit }
			}' "$f")
		[ -n "$uri" ] && { echo "$uri"; return 0; }
	done
	uri=$(awk '$1 == "deb" && $0 ~ / bookworm / { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
		/etc/apt/sources.list 2>/dev/null)
	[ -n "$uri" ] && { echo "$uri"; return 0; }
	echo "live: no Debian bookworm archive in this machine's apt sources" >&2
	return 1
}

# live_rootfs: $live_cache/rootfs, a minimal Debian 12 with live_packages,
# made by debootstrap when missing or made with another package list.
live_rootfs() {
	local base="$live_cache/rootfs" mirror started
	if [ -f "$base.packages" ] && [ "$(cat "$base.packages")" = "$live_packages" ] &&
		[ -x "$base/lib/systemd/systemd" ]; then
		return 0
	fi
	mirror=$(live_mirror) || return 1
	echo "live: making the hosts' Debian root (debootstrap, minbase + $live_packages)"
	started=$(date +%s)
	rm -rf "$base" "$base.new" "$base.packages"
	mkdir -p "$live_cache"
	debootstrap --variant=minbase --include="$live_packages" bookworm "$base.new" "$mirror" \
		>"$live_cache/debootstrap.log" 2>&1 || {
		tail -n 20 "$live_cache/debootstrap.log" >&2
		echo "live: debootstrap failed (log: $live_cache/debootstrap.log)" >&2
		return 1
	}
	# Each host gets a machine id of its own at boot; the first-boot wizard,
	# which would ask a console for a locale, stays off.
	rm -f "$base.new/etc/machine-id" "$base.new"/var/cache/apt/archives/*.deb
	systemctl --root="$base.new" mask systemd-firstboot.service >/dev/null 2>&1
	mv "$base.new" "$base"
	echo "$live_packages" >"$base.packages"
	echo "live: the root is ready in $(($(date +%s) - started)) s ($(du -sm "$base" | cut -f1) MB)"
}

# live_host_boot NAME [NSPAWN_OPTION]...: boot host NAME in a network
# namespace of its own (loopback up) and wait until its systemd says the
# system runs.
live_host_boot() {
	local name=$1 netns launcher pid state deadline i
	shift
	unshare --net sleep infinity &
	netns=$!
	live_netns[$name]=$netns
	live_hosts+=("$name")
	until [ "$(readlink "/proc/$netns/ns/net")" != "$(readlink /proc/self/ns/net)" ]; do sleep 0.01; done
	nsenter -t "$netns" -n ip link set lo up
	mkdir -p "$live_work/$name/root/etc"
	echo "$name" >"$live_work/$name/root/etc/hostname"
	unshare --mount --propagation private "$live_root/tests/live/nspawn-launch" \
		"microshop-live-$name" "$live_cache/rootfs" "$live_work/$name" "$netns" "$@" \
		>"$live_work/$name.console" 2>&1 &
	launcher=$!
	live_launcher[$name]=$launcher
	# The namespaces this host lives in, to find any process left in them.
	live_ns+=("net:$(stat -Lc %i "/proc/$netns/ns/net")")
	for i in $(seq 300); do
		pid=$(pgrep -P "$launcher" -x systemd) && break
		kill -0 "$launcher" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "${pid:-}" ] || { tail -n 20 "$live_work/$name.console" >&2; echo "live: host $name did not boot" >&2; return 1; }
	live_pid[$name]=$pid
	live_ns+=("mnt:$(stat -Lc %i "/proc/$launcher/ns/mnt")" "pid:$(stat -Lc %i "/proc/$pid/ns/pid")")
	# Until systemd has made /run/systemd/system, systemctl says "offline"
	# (sd_booted() is false); until its bus is up, it cannot ask. Both are
	# moments of the boot, whose length depends on how busy the machine is
	# (a CI machine asked before the first): asked again for up to 90 s.
	deadline=$((SECONDS + 90))
	while :; do
		state=$(timeout 60 nsenter -t "$pid" -a systemctl is-system-running --wait 2>&1) && break
		kill -0 "$pid" 2>/dev/null || break
		[ "$SECONDS" -lt "$deadline" ] || break
		case $state in offline | *bus*) sleep 0.1 ;; *) break ;; esac
	done
	case $state in
	running) ;;
	*)
		echo "live: host $name: systemd says '$state'" >&2
		nsenter -t "$pid" -a systemctl --failed --no-legend >&2 || true
		tail -n 30 "$live_work/$name.console" >&2
		return 1
		;;
	esac
}

live_host_pid() { echo "${live_pid[$1]}"; }

# live_in NAME CMD...: CMD as root in host NAME, with its namespaces and
# root; the host's own PATH.
live_in() {
	local name=$1
	shift
	nsenter -t "${live_pid[$name]}" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
}

# live_net NAME CMD...: CMD from this machine's files in host NAME's network
# namespace alone (curl, wrk), e.g. to reach its nginx on 127.0.0.1:80.
live_net() {
	local name=$1
	shift
	nsenter -t "${live_netns[$name]}" -n "$@"
}

# live_link A B: a veth link between hosts A (198.18.0.1/24) and B
# (198.18.0.2/24).
live_link() {
	local a=$1 b=$2
	ip link add "ml-$a" type veth peer name "ml-$b"
	ip link set "ml-$a" netns "${live_netns[$a]}"
	ip link set "ml-$b" netns "${live_netns[$b]}"
	nsenter -t "${live_netns[$a]}" -n ip addr add 198.18.0.1/24 dev "ml-$a"
	nsenter -t "${live_netns[$b]}" -n ip addr add 198.18.0.2/24 dev "ml-$b"
	nsenter -t "${live_netns[$a]}" -n ip link set "ml-$a" up
	nsenter -t "${live_netns[$b]}" -n ip link set "ml-$b" up
}

# live_host_stop NAME: power the host off (SIGKILL to its PID 1 after 20 s),
# then remove its cgroups and its network namespace (its veth with it).
live_host_stop() {
	local name=$1 launcher=${live_launcher[$1]:-} pid=${live_pid[$1]:-} h i
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		nsenter -t "$pid" -a systemctl poweroff --no-block >/dev/null 2>&1 || true
	fi
	if [ -n "$launcher" ]; then
		for i in $(seq 200); do kill -0 "$launcher" 2>/dev/null || break; sleep 0.1; done
		if kill -0 "$launcher" 2>/dev/null; then
			echo "live: host $name did not power off in 20 s: killed" >&2
			[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
			kill -KILL "$launcher" 2>/dev/null
		fi
		wait "$launcher" 2>/dev/null || true
	fi
	# A killed container's processes take a moment to leave its cgroups.
	for i in $(seq 50); do
		for h in unified systemd; do
			[ -d "/sys/fs/cgroup/$h/microshop-live-$name" ] &&
				find "/sys/fs/cgroup/$h/microshop-live-$name" -depth -type d -exec rmdir {} + 2>/dev/null
		done
		[ -d "/sys/fs/cgroup/unified/microshop-live-$name" ] ||
			[ -d "/sys/fs/cgroup/systemd/microshop-live-$name" ] || break
		sleep 0.1
	done
	if [ -n "${live_netns[$name]:-}" ]; then
		kill "${live_netns[$name]}" 2>/dev/null
		wait "${live_netns[$name]}" 2>/dev/null || true
	fi
	unset "live_pid[$name]" "live_launcher[$name]" "live_netns[$name]"
	return 0
}

# live_cleanup: every host stopped, then what is left of them said: their
# cgroups, and any process still in one of their namespaces (network, mount,
# PID: the container's, the launcher's and the namespace holder's, which
# also hold the veth link and the overlay mount); $live_left lists it
# (empty when all is gone).
live_cleanup() {
	local name h deadline
	live_left=""
	for name in "${live_hosts[@]}"; do
		[ -n "${live_launcher[$name]:-}${live_netns[$name]:-}" ] && live_host_stop "$name"
		for h in unified systemd; do
			[ -d "/sys/fs/cgroup/$h/microshop-live-$name" ] &&
				live_left+=" cgroup /sys/fs/cgroup/$h/microshop-live-$name"
		done
	done
	# The kernel kills what is left in a PID namespace when its PID 1 dies,
	# but not at once: give those processes 5 s to go.
	deadline=$((SECONDS + 5))
	while [ "$SECONDS" -lt "$deadline" ] && live_ns_processes | grep -q .; do
		sleep 0.1
	done
	live_left+=$(live_ns_processes)
	[ -z "$live_left" ] || echo "live: left behind:$live_left" >&2
	[ "${LIVE_KEEP:-0}" = 1 ] || rm -rf "$live_work"
	live_hosts=()
	live_ns=()
	[ -z "$live_left" ]
}

# live_ns_processes: " process PID in KIND namespace INODE" for each process
# in one of the hosts' namespaces.
live_ns_processes() {
	local ns p
	for ns in "${live_ns[@]}"; do
		for p in /proc/[0-9]*; do
			[ "$(stat -Lc %i "$p/ns/${ns%%:*}" 2>/dev/null)" = "${ns#*:}" ] &&
				printf ' process %s in %s namespace %s' "${p#/proc/}" "${ns%%:*}" "${ns#*:}"
		done
	done
}

# live_preflight: this machine can run the hosts: the layout of cgroups
# tests/live/nspawn-launch knows (cgroup v1 with the hybrid unified
# hierarchy, and no systemd as PID 1, whose cgroups it would take over);
# otherwise it says why, and the run fails.
live_preflight() {
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] || [ ! -d /sys/fs/cgroup/unified ] ||
		[ ! -d /sys/fs/cgroup/systemd ]; then
		echo "live: this machine's cgroups are not the hybrid layout (v1 with /sys/fs/cgroup/unified and /sys/fs/cgroup/systemd) that tests/live/nspawn-launch knows" >&2
		return 1
	fi
	if [ "$(cat /proc/1/comm)" = systemd ]; then
		echo "live: PID 1 is systemd here: tests/live/nspawn-launch would make cgroups under its feet" >&2
		return 1
	fi
}

# live_next_release DIR VERSION: DIR, a clone of this repository whose
# HEAD is the next release VERSION: configure.ac and debian/changelog say
# VERSION, and the user service's schema has one migration more (an index),
# which the upgrade must run through the service's own start. DIR's
# script/package builds it.
live_next_release() {
	local dir=$1 version=$2 store
	rm -rf "$dir"
	git clone -q "$live_root" "$dir" || return 1
	sed -i "s/^AC_INIT(\[microshop\], \[[^]]*\]/AC_INIT([microshop], [$version]/" "$dir/configure.ac"
	grep -q "AC_INIT(\[microshop\], \[$version\]" "$dir/configure.ac" || {
		echo "live: configure.ac's AC_INIT was not found" >&2
		return 1
	}
	{
		echo "microshop ($version) unstable; urgency=medium"
		echo
		echo "  * The next release, made by tests/live/run: one more migration."
		echo
		echo " -- $(sed -n 's/^Maintainer: //p' "$dir/debian/control")  $(date -R)"
		echo
		cat "$dir/debian/changelog"
	} >"$dir/debian/changelog.new" && mv "$dir/debian/changelog.new" "$dir/debian/changelog"
	# The migration closes both engines' lists (the first `};` after each).
	store="$dir/fcgi-user/user_store.c"
	awk '/^static const char \*const migrations_(sqlite|postgresql)\[\] = \{$/ { open = 1 }
		open && /^\};$/ { print "\t\"CREATE INDEX users_live_upgrade ON users (created_at);\","; open = 0 }
		{ print }' "$store" >"$store.new" && mv "$store.new" "$store"
	[ "$(grep -c users_live_upgrade "$store")" = 2 ] || {
		echo "live: the migration lists of $store were not found" >&2
		return 1
	}
	git -C "$dir" -c user.name=live -c user.email=live@localhost commit -q -a -m "$version" || return 1
}
