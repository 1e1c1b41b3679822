# script/lib/ha.sh: a replicated PostgreSQL for the services (docs/scaling.md):
# two PostgreSQL nodes managed by Patroni in synchronous mode, so that a
# COMMIT is acknowledged only once it is on both, with one etcd member as
# Patroni's store (its leader key says which node is the primary). Used by
# script/server (DATABASE=postgresql-ha, every part on 127.0.0.1) and by
# tests/ha/ (each part on a host of its own: a network namespace).
#
# ha_start DIR ETCD NODE NODE   start etcd and the nodes, wait for a leader
#                               and a synchronous standby, make the
#                               services' role and databases; export the
#                               services' STACK_PG_URL (both nodes, libpq
#                               picks the read-write one) and PGPASSFILE
#     ETCD is IP:CLIENT_PORT:PEER_PORT, each NODE NAME=IP:PG_PORT:API_PORT.
# ha_stop                       stop the nodes (Patroni, then any PostgreSQL
#                               left) and etcd
# ha_ctl ARGS...                patronictl on the cluster (list, switchover)
# ha_members                    one line per node: NAME ROLE STATE LAG
# ha_leader                     the leader's name
# ha_wait_pair SECONDS          until a leader and a streaming sync standby
# ha_on HOST CMD...             how CMD runs on host etcd, or on a node: here
#                               on this machine; tests/ha/ enters the host's
#                               network namespace instead
#
# Requires script/lib/stack.sh (stack_pg_bin, stack_pg_home).
# The cluster's folder holds etcd's data, each node's settings (NAME.yml),
# data and log, and the passwords (secrets, readable by the owner alone).

ha_dir=
ha_etcd_pid=
declare -A ha_node_pid=() ha_node_addr=()
ha_nodes=()
ha_as=()	# how a command runs as the cluster's owner: postgres, as root

ha_on() {
	shift
	"$@"
}

# ha_secret NAME: the password NAME in the cluster's secrets, made once.
ha_secret() {
	local f="$ha_dir/secrets/$1"
	[ -s "$f" ] || (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$f")
	cat "$f"
}

# ha_node_yml NAME IP PG_PORT API_PORT ETCD_CLIENT: Patroni's settings for
# node NAME. The figures are those docs/scaling.md explains: a leader key
# that lives 10 s, a loop every 2 s, calls retried for 4 s (Patroni's rule:
# loop_wait + 2 x retry_timeout <= ttl), and primary_start_timeout 0, so that
# a primary whose PostgreSQL dies is failed over at once rather than
# restarted in place. pg_rewind brings a former primary back as a standby.
ha_node_yml() {
	local name=$1 ip=$2 pg=$3 api=$4 etcd=$5
	cat <<YML
scope: microshop
name: $name
restapi:
  listen: $ip:$api
  connect_address: $ip:$api
etcd3:
  hosts: $etcd
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 2
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    primary_start_timeout: 0
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_log_hints: "on"
        max_connections: 300
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - data-checksums
postgresql:
  listen: $ip:$pg
  connect_address: $ip:$pg
  data_dir: $ha_dir/$name/data
  bin_dir: $(dirname "$(stack_pg_bin postgres)")
  pgpass: $ha_dir/$name/pgpass
  authentication:
    superuser:
      username: postgres
      password: $(ha_secret postgres)
    replication:
      username: replicator
      password: $(ha_secret replicator)
    rewind:
      username: rewinder
      password: $(ha_secret rewinder)
  parameters:
    unix_socket_directories: $ha_dir/$name
  pg_hba:
    - local all all scram-sha-256
    - host replication replicator 0.0.0.0/0 scram-sha-256
    - host all all 0.0.0.0/0 scram-sha-256
YML
}

# ha_start DIR ETCD NODE...: see above.
ha_start() {
	local dir=$1 etcd=$2 node name addr ip pg api etcd_ip etcd_client etcd_peer i url=""
	shift 2
	ha_dir=$(stack_pg_home "$dir") || return 1
	mkdir -p "$ha_dir/secrets" "$ha_dir/etcd"
	chmod 700 "$ha_dir/secrets" "$ha_dir/etcd"
	IFS=: read -r etcd_ip etcd_client etcd_peer <<<"$etcd"
	ha_nodes=()
	for node in "$@"; do
		name=${node%%=*}
		addr=${node#*=}
		IFS=: read -r ip pg api <<<"$addr"
		ha_nodes+=("$name")
		ha_node_addr[$name]=$addr
		mkdir -p "$ha_dir/$name"
		chmod 700 "$ha_dir/$name"
		(umask 077 && ha_node_yml "$name" "$ip" "$pg" "$api" "$etcd_ip:$etcd_client" \
			>"$ha_dir/$name.yml") || return 1
		url+="${url:+,}$ip:$pg"
	done
	[ "$(id -u)" != 0 ] || chown -R postgres: "$ha_dir"
	# setpriv, not runuser: it execs, so that a signal reaches Patroni or
	# etcd itself (runuser would pass a SIGTERM on, then SIGKILL them 2 s
	# later, and Patroni would never leave etcd cleanly).
	ha_as=()
	[ "$(id -u)" != 0 ] || ha_as=(setpriv --reuid=postgres --regid=postgres --init-groups --reset-env)
	ha_on etcd "${ha_as[@]}" etcd --name etcd --data-dir "$ha_dir/etcd" \
		--listen-client-urls "http://$etcd_ip:$etcd_client" \
		--advertise-client-urls "http://$etcd_ip:$etcd_client" \
		--listen-peer-urls "http://$etcd_ip:$etcd_peer" \
		--initial-advertise-peer-urls "http://$etcd_ip:$etcd_peer" \
		--initial-cluster "etcd=http://$etcd_ip:$etcd_peer" \
		--initial-cluster-state new >>"$ha_dir/etcd.log" 2>&1 &
	ha_etcd_pid=$!
	for ((i = 0; i < 100; i++)); do
		ha_on etcd curl -fsS -m 2 -o /dev/null "http://$etcd_ip:$etcd_client/health" 2>/dev/null && break
		sleep 0.1
	done
	[ "$i" -lt 100 ] || { tail -n 20 "$ha_dir/etcd.log" >&2; echo "ha: etcd did not start" >&2; return 1; }
	for name in "${ha_nodes[@]}"; do
		# Debian's patroni runs with the system's python3, not another
		# first on PATH.
		ha_on "$name" "${ha_as[@]}" env PATH=/usr/bin:/bin /usr/bin/patroni "$ha_dir/$name.yml" \
			>>"$ha_dir/$name.log" 2>&1 &
		ha_node_pid[$name]=$!
	done
	ha_wait_pair 120 || { ha_ctl list >&2; tail -n 20 "$ha_dir/${ha_nodes[0]}.log" >&2; return 1; }
	ha_service_role || return 1
	ha_databases || return 1
	(umask 077 && printf '*:*:*:microshop:%s\n' "$(ha_secret microshop)" >"$ha_dir/pgpass")
	export STACK_PG_URL="postgresql://microshop@$url"
	export STACK_PG_PARAMS="target_session_attrs=read-write"
	export PGPASSFILE="$ha_dir/pgpass"
}

# ha_service_role: the services' role, microshop (it makes their
# databases), on the leader, when missing. Replicated to the standby like
# everything else. Asked again for up to 60 s: on a start with the
# cluster's earlier state, what etcd says at first may be the last run's.
ha_service_role() {
	local leader ip pg i
	for ((i = 0; i < 120; i++)); do
		if leader=$(ha_leader); then
			IFS=: read -r ip pg _ <<<"${ha_node_addr[$leader]}"
			ha_on "$leader" env PGPASSWORD="$(ha_secret postgres)" psql -XAtq \
				"host=$ip port=$pg user=postgres dbname=postgres connect_timeout=5 target_session_attrs=read-write" \
				-v pw="$(ha_secret microshop)" >/dev/null 2>"$ha_dir/role.err" <<'SQL' && return 0
SELECT 'CREATE ROLE microshop LOGIN CREATEDB' WHERE NOT EXISTS
	(SELECT 1 FROM pg_roles WHERE rolname = 'microshop') \gexec
ALTER ROLE microshop PASSWORD :'pw';
SQL
		fi
		sleep 0.5
	done
	cat "$ha_dir/role.err" >&2
	echo "ha: the leader did not take the services' role" >&2
	return 1
}

# ha_databases: the services' databases (STACK_PG_PREFIX_user and _order,
# default microshop_), made on the leader when missing, owned by
# microshop; then waited for until every node has them. A COMMIT in
# synchronous mode is on the standby's disk, not yet replayed there: a
# service connecting a moment later would find the standby first in its
# URI and its database missing (FATAL), which libpq does not pass over to
# the next host (seen: the order service's first start failed so).
ha_databases() {
	local leader ip pg name i n dbs
	dbs="'${STACK_PG_PREFIX:-microshop}_user', '${STACK_PG_PREFIX:-microshop}_order'"
	leader=$(ha_leader) || return 1
	IFS=: read -r ip pg _ <<<"${ha_node_addr[$leader]}"
	ha_on "$leader" env PGPASSWORD="$(ha_secret postgres)" psql -XAtq \
		"host=$ip port=$pg user=postgres dbname=postgres connect_timeout=5" >/dev/null <<SQL || return 1
SELECT format('CREATE DATABASE %I OWNER microshop', d) FROM unnest(ARRAY[$dbs]) AS d
	WHERE d NOT IN (SELECT datname FROM pg_database) \gexec
SQL
	for name in "${ha_nodes[@]}"; do
		IFS=: read -r ip pg _ <<<"${ha_node_addr[$name]}"
		for ((i = 0; i < 300; i++)); do
			n=$(ha_on "$name" env PGPASSWORD="$(ha_secret postgres)" psql -XAtq \
				"host=$ip port=$pg user=postgres dbname=postgres connect_timeout=5" \
				-c "SELECT count(*) FROM pg_database WHERE datname IN ($dbs)" 2>/dev/null)
			[ "$n" = 2 ] && break
			sleep 0.1
		done
		[ "$n" = 2 ] || { echo "ha: node $name does not have the services' databases" >&2; return 1; }
	done
}

# ha_ctl ARGS...: patronictl ARGS on the cluster, from the etcd host (it
# asks etcd, then each node's REST API).
ha_ctl() {
	ha_on etcd timeout 20 env PATH=/usr/bin:/bin /usr/bin/patronictl \
		-c "$ha_dir/${ha_nodes[0]}.yml" "$@"
}

# ha_members: NAME ROLE STATE LAG, one line per node Patroni knows.
ha_members() {
	ha_ctl list -f json 2>/dev/null |
		jq -r '.[] | "\(.Member) \(.Role | gsub(" "; "-")) \(.State) \(."Lag in MB" // 0)"'
}

ha_leader() {
	ha_members | awk '$2 == "Leader" && $3 == "running" { print $1; found = 1 } END { exit !found }'
}

# ha_wait_pair SECONDS: until there is a running leader and a running sync
# standby (Patroni 3.0 says running, later versions streaming).
ha_wait_pair() {
	local deadline=$((SECONDS + $1)) m
	while [ "$SECONDS" -lt "$deadline" ]; do
		m=$(ha_members)
		if grep -Eq '^[^ ]+ Leader running ' <<<"$m" &&
			grep -Eq '^[^ ]+ Sync-Standby (running|streaming) ' <<<"$m"; then
			return 0
		fi
		sleep 0.5
	done
	echo "ha: no leader with a synchronous standby after $1 s" >&2
	return 1
}

# ha_postmaster NAME: the pid of node NAME's PostgreSQL, if it runs: the
# pid in its postmaster.pid, if that process is this node's postmaster (the
# file outlives a killed one, and its pid may be another's by now).
ha_postmaster() {
	local pid
	pid=$(head -n 1 "$ha_dir/$1/data/postmaster.pid" 2>/dev/null) || return 1
	[ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-D $ha_dir/$1/data " &&
		echo "$pid"
}

# ha_stop: SIGTERM to each Patroni (it stops its PostgreSQL), then to any
# PostgreSQL left (a postmaster outlives a killed Patroni), then to etcd.
# Safe under set -e (script/server calls it from its traps): no command
# here may fail the caller.
ha_stop() {
	local name pid i
	[ -n "$ha_dir" ] || return 0
	pkill -TERM -f "patroni $ha_dir/" 2>/dev/null || true
	for ((i = 0; i < 300; i++)); do
		pgrep -f "patroni $ha_dir/" >/dev/null || break
		sleep 0.1
	done
	pkill -KILL -f "patroni $ha_dir/" 2>/dev/null || true
	for name in "${ha_nodes[@]}"; do
		pid=$(ha_postmaster "$name") || continue
		kill -INT "$pid" 2>/dev/null || true	# fast shutdown
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	done
	pkill -TERM -f "etcd --name etcd --data-dir $ha_dir/etcd" 2>/dev/null || true
	for pid in "$ha_etcd_pid" "${ha_node_pid[@]}"; do
		[ -z "$pid" ] || wait "$pid" 2>/dev/null || true
	done
	ha_etcd_pid=
	ha_node_pid=()
	ha_dir=
	return 0
}
