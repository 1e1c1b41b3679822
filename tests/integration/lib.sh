# tests/integration/lib.sh: the integration test harness. A test sources
# this file, calls t_start to bring up the real stack (nginx and the
# services, over unix sockets, with real SQLite files) on a free loopback
# port in a temporary folder, drives it with curl, and ends with t_finish,
# which prints "N passed, N failed" and exits non-zero on any failure.
#
# MICROSHOP_VALGRIND=1 runs every service under valgrind; t_finish then
# fails the test on any error or leak valgrind reports.
#
# STACK_PG_URL (and PGPASSFILE) set: the services keep their data on that
# PostgreSQL server instead, in databases of this test's own (dropped at
# the end when it passed); t_engine says which engine a test runs on.

set -u
t_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export MICROSHOP_SRCDIR=${MICROSHOP_SRCDIR:-$(cd "$t_here/../.." && pwd)}
# shellcheck source=../../script/lib/stack.sh
. "$MICROSHOP_SRCDIR/script/lib/stack.sh"

t_pass=0
t_fail=0
t_name=$(basename "$0" .test)
t_dir=$(mktemp -d "${TMPDIR:-/tmp}/microshop-$t_name.XXXXXX")
STATUS=
BODY=
t_engine=sqlite
if [ -n "${STACK_PG_URL:-}" ]; then
	t_engine=postgresql
	STACK_PG_PREFIX="t_$(basename "$t_dir" | tr 'A-Z.-' 'a-z__')_$$"
	export STACK_PG_PREFIX
fi

# Passwords are hashed with Argon2id; the tests use a cheap setting (1 MiB,
# one pass) so that valgrind can run them. auth.test checks the production
# default.
export MICROSHOP_PWHASH_MEM=${MICROSHOP_PWHASH_MEM:-1m}
export MICROSHOP_PWHASH_OPS=${MICROSHOP_PWHASH_OPS:-1}
# The token keys (stack_keys; stack_start keeps them): a user service a test
# starts itself finds its keys here too (the stack's own services are given
# theirs by flags, which win).
stack_keys "$t_dir/state" || { echo "Bail out! cannot make the token keys"; exit 99; }
export MICROSHOP_TOKEN_KEY="$t_dir/state/secrets/user.key"
export MICROSHOP_USER_TOKEN_KEYS="$t_dir/state/secrets/user-token-keys.pem"
export MICROSHOP_SERVICE_TOKEN_KEYS="$t_dir/state/secrets/service-token-keys.pem"

for tool in curl jq python3; do
	command -v "$tool" >/dev/null || { echo "missing tool: $tool (run script/bootstrap)"; exit 99; }
done

if [ "${MICROSHOP_VALGRIND:-0}" = 1 ]; then
	export MICROSHOP_WRAP="${VALGRIND:-valgrind} -q --error-exitcode=97 --leak-check=full \
--show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
--log-file=$t_dir/valgrind.%p.log"
	# A worker opens its PostgreSQL connection at start, and one that
	# cannot within connect_timeout stops the service (event=workers_failed).
	# Under valgrind, beside another test on two busy cores, 5 s was seen
	# running out (the services' default is 2 s a host); the wait, not the
	# service, is slow.
	export STACK_PG_PARAMS=connect_timeout=60
fi

t_cleanup() {
	local name
	stack_stop
	if [ "$t_fail" -eq 0 ] && [ "${KEEP_STATE:-0}" != 1 ]; then
		rm -rf "$t_dir"
		if [ "$t_engine" = postgresql ]; then
			for name in user order; do
				psql "${STACK_PG_URL%/}/postgres" -Xqc \
					"DROP DATABASE IF EXISTS \"${STACK_PG_PREFIX}_$name\" WITH (FORCE)" \
					>/dev/null 2>&1 || true
			done
		fi
	else
		echo "# state kept in $t_dir"
	fi
}
trap t_cleanup EXIT

# t_wait_started LOG N [SECONDS]: wait up to SECONDS (default 5) for the
# Nth event=start in LOG. A service's socket is there, and its workers
# answer, a moment before it logs event=start (once every worker is up).
t_wait_started() {
	local i
	for ((i = 0; i < ${3:-5} * 10; i++)); do
		[ "$(grep -c 'event=start ' "$1" 2>/dev/null)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# t_free_port: a loopback port nothing listens on (stack_free_port).
t_free_port() {
	stack_free_port
}

# t_start: the stack on a free port; BASE is its URL.
t_start() {
	local try
	for try in 1 2 3; do
		PORT=$(t_free_port)
		if stack_start "$t_dir/state" "$PORT"; then
			BASE="http://127.0.0.1:$PORT"
			t_auth
			echo "# stack up at $BASE (state in $t_dir)"
			return 0
		fi
		stack_stop
	done
	echo "Bail out! the stack did not start"
	tail -n 20 "$t_dir"/state/log/*.log
	t_fail=$((t_fail + 1))	# keeps the state for a look
	exit 99
}

# t_token ROLE USER-ID CRED-VERSION [TTL-SECONDS]: a user token signed with
# the stack's user key, as the user service's login would make it (good
# while that user exists with that credential version and role). The
# tests act as the stack's admin by default (t_start sets TOKEN and AUTH);
# auth.test logs in for real.
t_token() {
	stack_token "$1" "$2" "$3" "${4:-900}" "$t_dir/state"
}

# t_service_token [TTL-SECONDS]: the order service's service token for the
# user service, signed with the order service's key.
t_service_token() {
	stack_mint "$t_dir/state/secrets/order.key" service microshop-order microshop-user \
		"${1:-60}"
}

# t_auth: act as the stack's admin (stack_admin) from now on: TOKEN, AUTH
# (req's header), ADMIN_ID, and MICROSHOP_TOKEN and BENCH_TOKEN for the
# python clients and wrk.
t_auth() {
	stack_admin "$t_dir/state" || { echo "Bail out! cannot make the admin"; exit 99; }
	ADMIN_ID=$stack_admin_id
	TOKEN=$(t_token admin "$stack_admin_id" "$stack_admin_cv" 900)
	AUTH="Authorization: Bearer $TOKEN"
	t_admin_auth=$AUTH
	export MICROSHOP_TOKEN=$TOKEN BENCH_TOKEN=$TOKEN
}

# t_product SKU PRICE [CURRENCY] [ACTIVE]: put SKU on the order service's
# price list as the admin of t_start (PUT /order/products/SKU, whatever AUTH
# is now): named "Product SKU", PRICE cents in CURRENCY (default EUR),
# for sale unless ACTIVE is false. Sets STATUS and BODY; returns 1 unless
# it was created (201) or replaced (200).
t_product() {
	local body
	body=$(jq -cn --arg n "Product $1" --argjson p "$2" --arg c "${3:-EUR}" \
		--argjson a "${4:-true}" '{name: $n, unit_price_cents: $p, currency: $c, active: $a}') ||
		return 1
	AUTH=$t_admin_auth req_json PUT "/order/products/$1" "$body"
	[ "$STATUS" = 201 ] || [ "$STATUS" = 200 ]
}

# t_customer NAME EMAIL PASSWORD: sign up a customer through nginx and log
# in as them, from a loopback address of the login's own (nginx limits
# logins per address). Sets CUSTOMER_ID, CUSTOMER_TOKEN and CUSTOMER_AUTH
# (a header for req: AUTH=$CUSTOMER_AUTH req ...). Returns 1 when either
# step fails.
t_customer_src=0
t_customer() {
	local body
	CUSTOMER_ID= CUSTOMER_TOKEN= CUSTOMER_AUTH=
	body=$(jq -cn --arg n "$1" --arg e "$2" --arg p "$3" '{name: $n, email: $e, password: $p}')
	AUTH= req_json POST /user "$body"
	[ "$STATUS" = 201 ] || return 1
	CUSTOMER_ID=$(json .id)
	t_customer_src=$((t_customer_src + 1))
	body=$(jq -cn --arg e "$2" --arg p "$3" '{email: $e, password: $p}')
	AUTH= req_json POST /user/login "$body" \
		--interface "127.0.4.$((t_customer_src % 250 + 1))"
	[ "$STATUS" = 200 ] || return 1
	CUSTOMER_TOKEN=$(json '.access_token // empty' | tr -d '"')
	CUSTOMER_AUTH="Authorization: Bearer $CUSTOMER_TOKEN"
	[ -n "$CUSTOMER_TOKEN" ]
}

# t_restart NAME: stop instance 1 of service NAME with SIGTERM, as systemd
# does, start it again on its socket with the stack's flags (it reads its
# key files anew), and wait until it answers its health check through
# nginx. Its old pid leaves stack_pids.
t_restart() {
	local name=$1 pid p left=() i
	eval "pid=\$stack_${name}_pid"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	for p in "${stack_pids[@]}"; do
		[ "$p" = "$pid" ] || left+=("$p")
	done
	stack_pids=("${left[@]}")
	if [ "$name" = order ]; then
		# shellcheck disable=SC2086
		stack_service order "$t_dir/state" --user-api "$BASE" ${STACK_ORDER_ARGS:-}
	else
		# shellcheck disable=SC2086
		stack_service user "$t_dir/state" ${STACK_USER_ARGS:-}
	fi
	for ((i = 0; i < 100; i++)); do
		curl -fsS -o /dev/null "$BASE/$name/health" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "# $name did not come back"
	return 1
}

# ok CONDITION-RESULT DESCRIPTION [DETAIL]: record one check.
t_ok() {
	local result=$1 desc=$2 detail=${3:-}
	if [ "$result" = 0 ]; then
		t_pass=$((t_pass + 1))
		echo "ok $((t_pass + t_fail)) - $desc"
	else
		t_fail=$((t_fail + 1))
		echo "not ok $((t_pass + t_fail)) - $desc"
		[ -n "$detail" ] && echo "#   $detail"
		echo "#   last response: $STATUS $(printf '%s' "$BODY" | head -c 400)"
	fi
}

# req METHOD PATH [CURL-ARGS...]: send a request through nginx, with the
# Authorization header AUTH (an admin's token after t_start; AUTH= sends
# none); sets STATUS, BODY and HEADERS (a file).
req() {
	local method=$1 path=$2
	shift 2
	HEADERS="$t_dir/headers"
	STATUS=$(curl -sS -o "$t_dir/body" -D "$HEADERS" -w '%{http_code}' \
		--max-time 10 -X "$method" ${AUTH:+-H "$AUTH"} "$@" "$BASE$path") || STATUS=000
	BODY=$(cat "$t_dir/body")
}

# req_json METHOD PATH JSON [CURL-ARGS...]: a request with a JSON body.
req_json() {
	local method=$1 path=$2 json=$3
	shift 3
	req "$method" "$path" -H 'Content-Type: application/json' --data-binary "$json" "$@"
}

# header NAME: the value of a response header (last one wins), or "".
header() {
	tr -d '\r' <"$HEADERS" | awk -v n="$(echo "$1" | tr 'A-Z' 'a-z')" -F': ' \
		'tolower($1) == n { v = substr($0, length($1) + 3) } END { print v }'
}

# json FILTER: jq -c FILTER over the last body ("" when it is not JSON).
json() {
	printf '%s' "$BODY" | jq -c "$1" 2>/dev/null
}

expect_status() {
	[ "$STATUS" = "$1" ]
	t_ok $? "$2 -> $1" "status was $STATUS"
}

# expect_json FILTER EXPECTED DESCRIPTION: compact jq output equals EXPECTED.
expect_json() {
	local got
	got=$(json "$1")
	[ "$got" = "$2" ]
	t_ok $? "$3" "$1 was '$got', expected '$2'"
}

expect_header() {
	local got
	got=$(header "$1")
	[ "$got" = "$2" ]
	t_ok $? "$3" "$1 was '$got', expected '$2'"
}

# expect_problem STATUS DESCRIPTION [FIELD]: an RFC 9457 problem with this
# status (in the body too) and, when FIELD is given, naming that field.
expect_problem() {
	local status=$1 desc=$2 field=${3:-} ok=0
	[ "$STATUS" = "$status" ] || ok=1
	case "$(header Content-Type)" in application/problem+json*) ;; *) ok=1 ;; esac
	[ "$(json .status)" = "$status" ] || ok=1
	[ -n "$(json '.title // empty')" ] && [ -n "$(json '.type // empty')" ] || ok=1
	if [ -n "$field" ]; then
		[ "$(json "[.errors[]?.field] | index(\"$field\") != null")" = true ] || ok=1
	fi
	t_ok $ok "$desc -> $status problem${field:+ naming $field}"
}

# sql SERVICE QUERY: read the service's own database directly (checks
# only), on either engine: one row per line, columns joined by '|'.
sql() {
	stack_sql "$1" "$t_dir/state" "$2"
}

# t_order_metric SERIES: the order service's value of one series of its
# /order/metrics ("" when absent).
t_order_metric() {
	curl -s "$BASE/order/metrics" | awk -v s="$1" '$1 == s { print $2 }'
}

# t_events_caught_up [SECONDS]: wait (default 15 s) until the order
# service's cursor on the user service's event feed is at the feed's end.
t_events_caught_up() {
	local i last
	for ((i = 0; i < ${1:-15} * 10; i++)); do
		last=$(sql user "SELECT last_seq FROM user_event_seq")
		[ "$(sql order "SELECT seq FROM event_cursor WHERE feed = 'user'")" = "$last" ] &&
			return 0
		sleep 0.1
	done
	return 1
}

# t_db_dump SERVICE: every byte the service's database keeps (SQLite: its
# files; PostgreSQL: pg_dump of its database), to search for what must
# not be there.
t_db_dump() {
	if [ "$t_engine" = postgresql ]; then
		pg_dump "$(stack_db_of "$1" "$t_dir/state")"
	else
		cat "$t_dir/state/db/$1.db"*
	fi
}

# t_db_lose SERVICE: take the service's database away under it. SQLite:
# its file is deleted (the service must notice, not write into the void);
# PostgreSQL: the database stops taking connections and the service's
# sessions are cut, as when its server goes down.
t_db_lose() {
	if [ "$t_engine" = postgresql ]; then
		psql "${STACK_PG_URL%/}/postgres" -XAtq \
			-c "ALTER DATABASE \"${STACK_PG_PREFIX}_$1\" ALLOW_CONNECTIONS false" \
			-c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			    WHERE datname = '${STACK_PG_PREFIX}_$1'" >/dev/null
	else
		rm "$t_dir/state/db/$1.db"
	fi
}

# t_db_restore SERVICE: PostgreSQL only: the database takes connections again.
t_db_restore() {
	psql "${STACK_PG_URL%/}/postgres" -XAtq \
		-c "ALTER DATABASE \"${STACK_PG_PREFIX}_$1\" ALLOW_CONNECTIONS true" >/dev/null
}

# t_valgrind_check: fail on any valgrind report of the services.
t_valgrind_check() {
	local f bad=0
	[ "${MICROSHOP_VALGRIND:-0}" = 1 ] || return 0
	for f in "$t_dir"/valgrind.*.log; do
		[ -e "$f" ] || continue
		if [ -s "$f" ]; then
			bad=1
			sed 's/^/#   /' "$f" | head -n 60
		fi
	done
	ls "$t_dir"/valgrind.*.log >/dev/null 2>&1
	t_ok $? "the services ran under valgrind"
	t_ok $bad "valgrind reports no errors and no leaks"
}

# t_sanitizer_check: in a sanitizer build (MICROSHOP_SANITIZERS=yes, from
# configure --enable-sanitizers), fail on any ASan, LSan or UBSan report in
# the services' logs. Every report is fatal there, so a service that hit one
# has also died; this names the reason.
t_sanitizer_check() {
	local reports
	[ "${MICROSHOP_SANITIZERS:-no}" = yes ] || return 0
	reports=$(grep -hE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: [A-Za-z]+Sanitizer' \
		"$t_dir"/state/log/*.log 2>/dev/null)
	[ -z "$reports" ]
	t_ok $? "no sanitizer report in the services' logs" "$(printf '%s' "$reports" | head -n 5)"
}

# t_finish: stop the stack (SIGTERM, so that valgrind's leak check runs),
# report, and exit.
t_finish() {
	local pid rc
	for pid in "${stack_pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${stack_pids[@]}"; do
		wait "$pid"
		rc=$?
		[ "$pid" = "${stack_nginx_pid:-}" ] && continue
		[ "$rc" = 0 ]
		t_ok $? "service (pid $pid) exits 0 on SIGTERM" "exit status $rc"
	done
	stack_pids=()
	t_valgrind_check
	t_sanitizer_check
	echo "$t_pass passed, $t_fail failed"
	[ "$t_fail" -eq 0 ]
	exit
}
