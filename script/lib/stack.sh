# script/lib/stack.sh: start and stop a whole microshop stack (nginx and
# every service) unprivileged, with all state under one folder. Sourced by
# script/server, the integration tests and the benchmarks, so that all of
# them run the stack the same way.
#
# Inputs (environment):
#   MICROSHOP_SRCDIR     source tree (nginx templates); default: this repo
#   MICROSHOP_BUILDDIR   build tree (service binaries); default: the source tree
#   MICROSHOP_WRAP       command prefix for each service (e.g. valgrind ...)
#   MICROSHOP_LOG_TTY    1: also copy service logs to this terminal
#   NGINX                the nginx binary; default: nginx on PATH or /usr/sbin
#   THREADS              worker threads per service; default: the service's
#   STACK_NO_SERVICES    1: start nginx only (a test started the services)
#   STACK_SERVICES       order: start the order service alone (the user
#                        service is on another host: STACK_USER_UPSTREAM)
#   STACK_USER_UPSTREAM  nginx's upstream for the user service; default
#                        unix:STATE_DIR/run/user.sock (likewise ORDER)
#   INSTANCES            instances of each service (default 1), all in nginx's
#                        upstreams (stack_addresses)
#   STACK_HOSTS          addresses standing for hosts ("127.0.0.2 127.0.0.3"):
#                        the instances listen on TCP there, in turn
#   STACK_ORDER_ARGS     extra flags for the order service
#   STACK_USER_ARGS      extra flags for the user service
#   RATE_LIMIT           off: render the site without limit_req/limit_conn
#                        (benchmarks, load tests not about rates); default on
#   WRITE_RATE, WRITE_BURST, CONN_LIMIT, MAX_BODY, LOGIN_RATE, LOGIN_BURST,
#   PASSWORD_RATE, PASSWORD_BURST
#                        the site's limits (nginx_site_render)
#   TRUSTED_PROXY        addresses or CIDR prefixes of the proxies in front of
#                        nginx (nginx_site_render); default: none
#   STACK_SITE_INCLUDE   a file of nginx directives included in the site's
#                        server block (bench/run's ceiling and peers)
#   STACK_PG_URL         a PostgreSQL server (postgresql://USER@HOST:PORT): the
#                        services keep their data there, in the databases
#                        STACK_PG_PREFIX_user and _order (created when
#                        missing; prefix default microshop), the password in
#                        PGPASSFILE; default: an SQLite file per service
#   STACK_PG_PARAMS      connection parameters the services' database URLs
#                        carry (a URL's query, e.g. connect_timeout=60)
#
# What a stack keeps (databases, logs, the token key, sockets) is its
# owner's alone: stack_start and stack_instance make and start everything
# with umask 077 (files 0600, folders 0700), and stack_start takes group and
# others' access away from a state folder made before. nginx reaches the
# sockets all the same: as the caller, or as root (stack_render).
#
#   STACK_SUPERVISE      1: supervise the services as systemd's .socket
#                        units and Restart= do: each service's socket (unix
#                        or TCP) is bound once by its supervisor,
#                        tests/socket_holder, and held while the service
#                        runs and restarts (the service gets it by
#                        LISTEN_FDS); a service that exits while the stack
#                        is not stopping (a crash, SIGKILL, or a SIGTERM from
#                        outside) is started again 0.5 s later on that same
#                        socket, and requests that come meanwhile wait in its
#                        backlog instead of failing (supervise.test). Only
#                        the requests a killed process had already taken are
#                        lost, as under systemd. stack_pids and
#                        stack_NAME_pid then name the supervisors (SIGTERM
#                        or SIGINT to one stops its service for good, and it
#                        exits with the service's status); the service's
#                        current pid is in STATE_DIR/run/NAME.pid; the
#                        supervisor's notice of each restart is in the
#                        service's log (and on the terminal with
#                        MICROSHOP_LOG_TTY=1). A supervisor stops its service
#                        as systemd does: SIGTERM, and SIGKILL 10 s later
#                        (TimeoutStopSec=10). Default: unsupervised, and stack_pids
#                        name the services themselves, each bound to its
#                        socket by --listen.
#   STACK_START_LIMIT_BURST
#                        supervised, a service that exits this many times
#                        within 10 s is not started again: its supervisor
#                        gives up, says so in the service's log and exits
#                        (systemd's StartLimitBurst=); 0: no limit, for
#                        tests that kill services faster; default 5

stack_srcdir=${MICROSHOP_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
stack_builddir=${MICROSHOP_BUILDDIR:-$stack_srcdir}
stack_pids=()
stack_restart_delay=0.5

# nginx_render TEMPLATE OUT NAME=VALUE...: substitute @NAME@ in TEMPLATE.
nginx_render() {
	local template=$1 out=$2 expr=() kv
	shift 2
	for kv in "$@"; do
		expr+=(-e "s|@${kv%%=*}@|${kv#*=}|g")
	done
	sed "${expr[@]}" "$template" >"$out.tmp"
	if grep -q '@[A-Z_]*@' "$out.tmp"; then
		echo "nginx_render: unsubstituted names left in $out" >&2
		return 1
	fi
	mv "$out.tmp" "$out"
}

# nginx_servers "ADDR...": the server lines of an upstream, one per
# instance address (unix:/path or HOST:PORT), as sed replacement text.
nginx_servers() {
	local a out=""
	for a in $1; do
		out+="server $a max_fails=1 fail_timeout=5s;\\n    "
	done
	printf '%s' "${out%\\n    }"
}

# nginx_real_ip "ADDR...": the realip lines for the trusted proxies ADDR
# (IPv4 or IPv6 addresses or CIDR prefixes, separated by spaces or commas),
# as sed replacement text; "" for none. Fails on anything else: the value
# lands in nginx's configuration.
nginx_real_ip() {
	local a out=""
	for a in ${1//,/ }; do
		if ! [[ $a =~ ^[0-9A-Fa-f.:]+(/[0-9]{1,3})?$ ]]; then
			echo "TRUSTED_PROXY: '$a' is not an address or a CIDR prefix" >&2
			return 1
		fi
		out+="    set_real_ip_from $a;\\n"
	done
	[ -n "$out" ] || return 0
	printf '%s' "${out}    real_ip_header X-Forwarded-For;\\n    real_ip_recursive on;"
}

# nginx_site_render OUT LISTEN USER_UPSTREAM ORDER_UPSTREAM CONF_DIR
# [STOREFRONT_DIR]: the site from nginx/microshop.conf.in with its
# settings: the folder of the storefront's files (default: the source
# tree's storefront/), the instances of
# each service (USER_UPSTREAM, ORDER_UPSTREAM: addresses separated by
# spaces), writes per client
# address (WRITE_RATE, WRITE_BURST answered at once), requests in progress
# per address (CONN_LIMIT), the body limit (MAX_BODY, the services' default
# --max-body), logins per address (LOGIN_RATE, LOGIN_BURST answered at once),
# signups and PATCH /user/{id} per address (PASSWORD_RATE, PASSWORD_BURST);
# RATE_LIMIT=off comments the limit_req/limit_conn lines out. ACCESS_LOG is
# the site's access log (default /var/log/nginx/access.log, in the site's
# format: combined, then req_id= and trace_id=). TRUSTED_PROXY
# (addresses or prefixes) renders set_real_ip_from for each, with
# real_ip_header X-Forwarded-For and real_ip_recursive on: the client's
# address, for the limits and the metrics' allow, is then the one the
# proxy passes on.
nginx_site_render() {
	local rate_limit="" real_ip access_log=${ACCESS_LOG:-/var/log/nginx/access.log}
	local access_log_re='^(/|syslog:)[-A-Za-z0-9_./:=,@+]*$'
	case ${RATE_LIMIT:-on} in
	on) ;;
	off) rate_limit="# RATE_LIMIT=off: " ;;
	*) echo "RATE_LIMIT must be on or off, not '$RATE_LIMIT'" >&2; return 1 ;;
	esac
	real_ip=$(nginx_real_ip "${TRUSTED_PROXY:-}") || return 1
	# The value lands in nginx's configuration (and in a sed expression).
	if ! [[ $access_log =~ $access_log_re ]]; then
		echo "ACCESS_LOG: '$access_log' is not a file path or a syslog: target" >&2
		return 1
	fi
	nginx_render "$stack_srcdir/nginx/microshop.conf.in" "$1" \
		"LISTEN=$2" "USER_SERVERS=$(nginx_servers "$3")" \
		"ORDER_SERVERS=$(nginx_servers "$4")" "CONF_DIR=$5" \
		"STOREFRONT_DIR=${6:-$stack_srcdir/storefront}" \
		"RATE_LIMIT=$rate_limit" "REAL_IP=$real_ip" \
		"WRITE_RATE=${WRITE_RATE:-20r/s}" "WRITE_BURST=${WRITE_BURST:-40}" \
		"CONN_LIMIT=${CONN_LIMIT:-64}" "MAX_BODY=${MAX_BODY:-64k}" \
		"LOGIN_RATE=${LOGIN_RATE:-30r/m}" "LOGIN_BURST=${LOGIN_BURST:-10}" \
		"PASSWORD_RATE=${PASSWORD_RATE:-30r/m}" "PASSWORD_BURST=${PASSWORD_BURST:-10}" \
		"ACCESS_LOG=$access_log"
}

stack_nginx_bin() {
	if [ -n "${NGINX:-}" ]; then
		echo "$NGINX"
	elif command -v nginx >/dev/null; then
		command -v nginx
	else
		echo /usr/sbin/nginx
	fi
}

# stack_render STATE_DIR PORT: the local nginx configuration.
stack_render() {
	local dir=$1 port=$2 user_directive=""
	mkdir -p "$dir/nginx/tmp" "$dir/log" "$dir/run" "$dir/db"
	# As root, nginx's workers would drop to nobody and lose access to the
	# sockets under STATE_DIR; a local stack keeps them as the caller.
	[ "$(id -u)" -eq 0 ] && user_directive="user root;"
	cp "$stack_srcdir/nginx/microshop-fastcgi.conf" "$dir/nginx/"
	ACCESS_LOG="$dir/log/nginx-access.log" \
		nginx_site_render "$dir/nginx/microshop.conf" "127.0.0.1:$port" \
		"${STACK_USER_UPSTREAM:-${stack_user_addresses:-unix:$dir/run/user.sock}}" \
		"${STACK_ORDER_UPSTREAM:-${stack_order_addresses:-unix:$dir/run/order.sock}}" \
		"$dir/nginx" || return 1
	if [ -n "${STACK_SITE_INCLUDE:-}" ]; then
		sed -i "s|^    server_name _;\$|&\n    include $STACK_SITE_INCLUDE;|" \
			"$dir/nginx/microshop.conf"
		grep -q "include $STACK_SITE_INCLUDE;" "$dir/nginx/microshop.conf" || return 1
	fi
	nginx_render "$stack_srcdir/nginx/local.conf.in" "$dir/nginx/nginx.conf" \
		"STATE_DIR=$dir" "USER_DIRECTIVE=$user_directive" || return 1
}

# stack_spawn LOG CMD...: run CMD in the background, its stderr appended to
# LOG (and copied to this terminal with MICROSHOP_LOG_TTY=1); $! is its pid.
stack_spawn() {
	local log=$1
	shift
	if [ "${MICROSHOP_LOG_TTY:-0}" = 1 ]; then
		"$@" 2> >(tee -i -a "$log" >&2) &
	else
		"$@" 2>>"$log" &
	fi
}

# stack_supervise NAME STATE_DIR LISTEN CMD...: run the service CMD in the
# background under tests/socket_holder, which binds LISTEN (unix:PATH or
# HOST:PORT) once and holds it, passes it to CMD as systemd does
# (LISTEN_FDS), writes CMD's pid to run/NAME.pid, and starts CMD again on
# the same socket $stack_restart_delay s after it exits, until SIGTERM or
# SIGINT (stop the service, wait for it, exit with its status), until the
# shell that started the stack is gone, or until the service has exited
# STACK_START_LIMIT_BURST times (default 5) within 10 s. Requests that come
# meanwhile wait in the socket's backlog. $! is the holder's pid.
stack_supervise() {
	local name=$1 dir=$2 listen=$3 holder="$stack_builddir/tests/socket_holder"
	shift 3
	if [ ! -x "$holder" ]; then
		echo "stack: $holder is not built" >&2
		return 1
	fi
	stack_spawn "$dir/log/$name.log" "$holder" --restart "$stack_restart_delay" \
		--start-limit-burst "${STACK_START_LIMIT_BURST:-5}" \
		--name "$name" "$listen" "$dir/run/$name.pid" -- "$@"
}

# stack_service NAME STATE_DIR [ARGS...]: start instance 1 of a service on
# STATE_DIR/run/NAME.sock (stack_instance).
stack_service() {
	local name=$1 dir=$2
	shift 2
	stack_instance "$name" 1 "$dir" "unix:$dir/run/$name.sock" "$@"
}

# stack_instance NAME I STATE_DIR LISTEN [ARGS...]: start instance I of
# service NAME in the background, listening on LISTEN (unix:PATH or
# HOST:PORT), under a supervisor with STACK_SUPERVISE=1. Instance 1 logs to
# log/NAME.log (pid file run/NAME.pid, shell variable stack_NAME_pid),
# instance I > 1 to log/NAME-I.log (run/NAME-I.pid, stack_NAME_I_pid).
stack_instance() {
	local name=$1 i=$2 dir=$3 listen=$4 bin label=$1
	shift 4
	[ "$i" = 1 ] || label="$name-$i"
	bin="$stack_builddir/fcgi-$name/microshop-$name"
	if [ ! -x "$bin" ]; then
		echo "stack: $bin is not built" >&2
		return 1
	fi
	stack_key_args "$name" "$dir"
	local args=(--db "$(stack_db_of "$name" "$dir")" "${stack_key_argv[@]}")
	[ -n "${THREADS:-}" ] && args+=(--threads "$THREADS")
	# The services' body limit is nginx's (nginx_site_render), the same number.
	[ -n "${MAX_BODY:-}" ] && args+=(--max-body "$MAX_BODY")
	# Supervised, the holder binds LISTEN and the service gets it from
	# LISTEN_FDS; else the service binds it itself (--listen).
	[ "${STACK_SUPERVISE:-0}" = 1 ] || args=(--listen "$listen" "${args[@]}")
	# shellcheck disable=SC2086
	set -- ${MICROSHOP_WRAP:-} "$bin" "${args[@]}" "$@"
	# The service makes its database and its log private (umask 077),
	# whoever started it, and the socket is made the same way; the
	# caller's umask is back right after.
	local umask_was rc=0
	umask_was=$(umask)
	umask 077
	if [ "${STACK_SUPERVISE:-0}" = 1 ]; then
		stack_supervise "$label" "$dir" "$listen" "$@" || rc=$?
	else
		stack_spawn "$dir/log/$label.log" "$@"
	fi
	umask "$umask_was"
	[ "$rc" = 0 ] || return "$rc"
	stack_pids+=($!)
	if [ "$i" = 1 ]; then
		eval "stack_${name}_pid=$!"
	else
		eval "stack_${name}_${i}_pid=$!"
	fi
}

# stack_addresses NAME DIR: where the INSTANCES instances (default 1) of
# service NAME listen, separated by spaces: unix sockets run/NAME.sock,
# run/NAME-2.sock ... or, with STACK_HOSTS="ADDR...", a free port on each
# of those addresses in turn (loopback addresses standing for hosts).
stack_addresses() {
	local name=$1 dir=$2 n=${INSTANCES:-1} i out="" hosts
	read -r -a hosts <<<"${STACK_HOSTS:-}"
	for ((i = 1; i <= n; i++)); do
		if [ ${#hosts[@]} -gt 0 ]; then
			out+="${hosts[(i - 1) % ${#hosts[@]}]}:$(stack_free_port) "
		elif [ "$i" = 1 ]; then
			out+="unix:$dir/run/$name.sock "
		else
			out+="unix:$dir/run/$name-$i.sock "
		fi
	done
	echo "${out% }"
}

# stack_wait_listen ADDR: wait up to 30 s for unix:PATH to appear, or for
# HOST:PORT to take connections.
stack_wait_listen() {
	local i
	case $1 in
	unix:*) stack_wait_socket "${1#unix:}"; return ;;
	esac
	for ((i = 0; i < 300; i++)); do
		(exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "stack: nothing listens on $1" >&2
	return 1
}

# stack_db_of NAME DIR: the --db of service NAME: its database on
# STACK_PG_URL, or its SQLite file under DIR.
stack_db_of() {
	if [ -n "${STACK_PG_URL:-}" ]; then
		echo "${STACK_PG_URL%/}/${STACK_PG_PREFIX:-microshop}_$1${STACK_PG_PARAMS:+?$STACK_PG_PARAMS}"
	else
		echo "sqlite:$2/db/$1.db"
	fi
}

# stack_sql NAME DIR QUERY: run QUERY on service NAME's database (checks
# and tests only): one row per line, columns joined by '|'.
stack_sql() {
	if [ -n "${STACK_PG_URL:-}" ]; then
		psql "$(stack_db_of "$1" "$2")" -XAtq -c "$3"
	else
		sqlite3 -batch -noheader -cmd '.timeout 5000' "$2/db/$1.db" "$3"
	fi
}

# stack_pg_bin TOOL: a PostgreSQL server program (initdb, pg_ctl), which
# Debian keeps off PATH, under its newest installed major version.
stack_pg_bin() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	echo "${d:-/usr/lib/postgresql/15/bin}/$1"
}

# stack_pg_as CMD...: run CMD as the cluster's owner. PostgreSQL refuses to
# run as root, so as root that is Debian's postgres user.
stack_pg_as() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# stack_pg_home DIR: the folder a PostgreSQL cluster (or a replicated one,
# script/lib/ha.sh) kept for DIR lives in: DIR itself, made when missing.
# As root, the cluster belongs to postgres, who owns that folder but may not
# reach the folder DIR is in (under root's home, a private temporary
# folder): it then lives in a folder of its own in /tmp, named after DIR,
# so that the next start finds it again.
stack_pg_home() {
	local dir=$1
	mkdir -p "$dir" || return 1
	dir=$(cd "$dir" && pwd)
	if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$(dirname "$dir")" 2>/dev/null; then
		dir="${TMPDIR:-/tmp}/microshop-pg.$(printf '%s' "$dir" | md5sum | cut -c1-12)"
		mkdir -p "$dir" || return 1
		chmod 755 "$dir"
	fi
	echo "$dir"
}

# stack_pg_start DIR: a private PostgreSQL cluster in DIR (made at the first
# call, kept after), on a free loopback port, with password authentication:
# the password is in DIR/pgpass, which PGPASSFILE names. Sets and exports
# STACK_PG_URL and PGPASSFILE.
stack_pg_start() {
	local dir port pw
	dir=$(stack_pg_home "$1") || return 1
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		pw=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
		(umask 077 && printf '%s\n' "$pw" >"$dir/password")
		[ "$(id -u)" = 0 ] && chown -R postgres: "$dir"
		stack_pg_as "$(stack_pg_bin initdb)" -D "$dir/data" -U microshop \
			--auth=scram-sha-256 --pwfile="$dir/password" -E UTF8 --locale=C.UTF-8 \
			>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
		rm -f "$dir/password"
		(umask 077 && printf '*:*:*:microshop:%s\n' "$pw" >"$dir/pgpass")
	fi
	port=$(stack_free_port)
	# Durability stays at PostgreSQL's defaults (fsync, synchronous_commit):
	# a commit is as durable here as in production.
	stack_pg_as "$(stack_pg_bin pg_ctl)" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $port -k $dir/data -c max_connections=300" \
		start >/dev/null || { tail -n 20 "$dir/server.log" >&2; return 1; }
	export STACK_PG_URL="postgresql://microshop@127.0.0.1:$port"
	export PGPASSFILE="$dir/pgpass"
	stack_pg_dir=$dir
}

# stack_pg_stop: stop the cluster stack_pg_start started (fast: sessions
# are cut, committed data is kept).
stack_pg_stop() {
	[ -n "${stack_pg_dir:-}" ] || return 0
	stack_pg_as "$(stack_pg_bin pg_ctl)" -D "$stack_pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
	stack_pg_dir=
}

# stack_pg_databases: create the services' databases on STACK_PG_URL when
# they are missing.
stack_pg_databases() {
	local name db
	[ -n "${STACK_PG_URL:-}" ] || return 0
	for name in user order; do
		db="${STACK_PG_PREFIX:-microshop}_$name"
		if [ "$(psql "${STACK_PG_URL%/}/postgres${STACK_PG_PARAMS:+?$STACK_PG_PARAMS}" -XAtqc \
			"SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
			psql "${STACK_PG_URL%/}/postgres${STACK_PG_PARAMS:+?$STACK_PG_PARAMS}" -Xqc \
				"CREATE DATABASE \"$db\"" || return 1
		fi
	done
}

# stack_wait_socket PATH: wait up to 30 s for a unix socket to appear.
stack_wait_socket() {
	local i
	for ((i = 0; i < 300; i++)); do
		[ -S "$1" ] && return 0
		sleep 0.1
	done
	echo "stack: $1 did not appear" >&2
	return 1
}

# stack_free_port: a loopback port nothing listens on, below the kernel's
# ephemeral range (ip_local_port_range), so that no client's outgoing
# connection can hold it when nginx or a service binds it a moment later.
stack_free_port() {
	local low=32768 port
	read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	[ "$low" -gt 11024 ] || low=61000
	while :; do
		port=$((10000 + RANDOM % (low - 10000)))
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
	done
}

# stack_keys STATE_DIR: the services' token keys under STATE_DIR/secrets
# (docs/security.md): each service's private key, NAME.key (EC P-256, mode
# 0600), and the public keys each accepts: user-token-keys.pem (the user
# service's, for user tokens; both services read it) and
# service-token-keys.pem (the order service's, for its calls to the user
# service). Made once and kept: a restart keeps the tokens given out valid.
stack_keys() {
	local dir=$1 name
	mkdir -p "$dir/secrets" && chmod 700 "$dir/secrets" || return 1
	for name in user order; do
		[ -s "$dir/secrets/$name.key" ] && continue
		(umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
			-out "$dir/secrets/$name.key.tmp" 2>/dev/null) &&
			openssl pkey -in "$dir/secrets/$name.key.tmp" -pubout \
				-out "$dir/secrets/$name.pub" &&
			mv "$dir/secrets/$name.key.tmp" "$dir/secrets/$name.key" || return 1
	done
	[ -s "$dir/secrets/user-token-keys.pem" ] ||
		cp "$dir/secrets/user.pub" "$dir/secrets/user-token-keys.pem" || return 1
	[ -s "$dir/secrets/service-token-keys.pem" ] ||
		cp "$dir/secrets/order.pub" "$dir/secrets/service-token-keys.pem"
}

# stack_key_args NAME STATE_DIR: set stack_key_argv to the flags that give
# service NAME its keys (stack_keys): its private key, the user tokens'
# public keys, and for the user service the order service's public keys.
stack_key_args() {
	local name=$1 dir=$2
	stack_key_argv=(--token-key "$dir/secrets/$name.key"
		--user-token-keys "$dir/secrets/user-token-keys.pem")
	[ "$name" != user ] ||
		stack_key_argv+=(--service-token-keys "$dir/secrets/service-token-keys.pem")
}

# stack_mint ARGS...: tests/mint-token (a token made with a key file).
stack_mint() {
	"$stack_builddir/tests/mint-token" "$@"
}

# stack_token ROLE USER-ID CRED-VERSION TTL-SECONDS STATE_DIR: a user token
# as the user service's login makes one, signed with its key under
# STATE_DIR, for tests and benchmarks that act as a user without logging in
# (the user service honours it while that user exists with that credential
# version and role).
stack_token() {
	stack_mint "$5/secrets/user.key" "$1" "$2" "$3" "$4"
}

# stack_admin STATE_DIR: make the stack's admin, admin@microshop.test, when
# it does not exist (microshop-user --create-admin, as an operator would),
# and set stack_admin_id and stack_admin_cv to its id and credential
# version.
stack_admin() {
	local dir=$1 row
	# (A database no service has migrated yet has no users table: the
	# admin is made, and the database migrated, below.)
	row=$(stack_sql user "$dir" \
		"SELECT id, credential_version FROM users WHERE email = 'admin@microshop.test'" \
		2>/dev/null) || row=
	if [ -z "$row" ]; then
		printf '%s\n' 'the stack admin passphrase' |
			"$stack_builddir/fcgi-user/microshop-user" --db "$(stack_db_of user "$dir")" \
				--create-admin admin@microshop.test >/dev/null || return 1
		row=$(stack_sql user "$dir" \
			"SELECT id, credential_version FROM users WHERE email = 'admin@microshop.test'")
	fi
	stack_admin_id=${row%%|*}
	stack_admin_cv=${row#*|}
	[ -n "$stack_admin_id" ]
}

# stack_start STATE_DIR PORT: render, start every service and nginx, and
# wait until each answers its health check through nginx. What it makes
# and starts has umask 077; the caller's umask is kept.
stack_start() {
	local umask_was rc=0
	umask_was=$(umask)
	umask 077
	stack_start_private "$@" || rc=$?
	umask "$umask_was"
	return "$rc"
}

# stack_private DIR: take group and others' access away from the folder a
# stack keeps its state in, and from what an older stack left there (files
# made before the umask above was set). PostgreSQL's cluster (postgresql/)
# sees to its own.
stack_private() {
	local dir=$1
	chmod go= "$dir" &&
		find "$dir" -mindepth 1 -path "$dir/postgresql" -prune -o \
			\( -perm /077 -type d -o -perm /077 -type f \) -exec chmod go= {} +
}

stack_start_private() {
	local dir=$1 port=$2 i a
	stack_dir=$dir
	stack_port=$port
	mkdir -p "$dir/run"
	stack_user_addresses=$(stack_addresses user "$dir")
	stack_order_addresses=$(stack_addresses order "$dir")
	stack_render "$dir" "$port" || return 1
	stack_keys "$dir" || return 1
	stack_private "$dir" || return 1
	stack_pg_databases || return 1
	if [ "${STACK_NO_SERVICES:-0}" != 1 ]; then
		rm -f "$dir/run/"*.sock "$dir/run/"*.pid
		# STACK_SERVICES=order: the user service runs elsewhere, on
		# another host that STACK_USER_UPSTREAM names (tests/ha/split.test).
		[ "${STACK_SERVICES:-user order}" != order ] || stack_user_addresses=
		i=0
		for a in $stack_user_addresses; do
			# shellcheck disable=SC2086
			stack_instance user $((++i)) "$dir" "$a" ${STACK_USER_ARGS:-} || return 1
		done
		# The order service asks the user service through nginx, as any
		# other client of its HTTP API would: whichever instance is up.
		i=0
		for a in $stack_order_addresses; do
			# shellcheck disable=SC2086
			stack_instance order $((++i)) "$dir" "$a" \
				--user-api "http://127.0.0.1:$port" ${STACK_ORDER_ARGS:-} || return 1
		done
		for a in $stack_user_addresses $stack_order_addresses; do
			stack_wait_listen "$a" || return 1
		done
	fi
	"$(stack_nginx_bin)" -e "$dir/log/nginx-error.log" -c "$dir/nginx/nginx.conf" \
		-g 'daemon off;' &
	stack_pids+=($!)
	stack_nginx_pid=$!
	for ((i = 0; i < 300; i++)); do
		if curl -fsS -o /dev/null "http://127.0.0.1:$port/user/health" 2>/dev/null &&
			{ [ "${STACK_NO_SERVICES:-0}" = 1 ] ||
				curl -fsS -o /dev/null "http://127.0.0.1:$port/order/health" 2>/dev/null; }; then
			return 0
		fi
		if ! kill -0 "$stack_nginx_pid" 2>/dev/null; then
			echo "stack: nginx exited; see $dir/log/nginx-error.log" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "stack: the stack did not become healthy on port $port" >&2
	return 1
}

# stack_stop: SIGTERM everything started, and wait for it to exit. A
# supervisor stops restarting first, then stops its service and waits for it.
stack_stop() {
	local pid
	for pid in "${stack_pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${stack_pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	stack_pids=()
}
