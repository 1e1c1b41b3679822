# bench/lib.sh: what bench/run, bench/capacity and bench/scale share:
# reading their command line, seeding a stack's databases and reading a
# load generator's RESULT line. Sourced at the top level, before the
# command line is read; seeding needs script/lib/stack.sh too.

# The admin's token every request carries is made once per run, and a full
# run outlasts the default 15-minute life of a token: the services the
# benchmarks start take tokens of an hour (--token-ttl).
export MICROSHOP_TOKEN_TTL=${MICROSHOP_TOKEN_TTL:-3600}

# bench_args PROG SPEC ARG...: a bench script's command line ARG...,
# read as SPEC says. SPEC lists the options, each --NAME on the command
# line and setting the script's variable NAME (the script sets its default
# first): NAME is a flag (NAME=1), NAME= takes a value, NAME=A|B takes one
# of those values. -h and --help print the comment at the top of the script
# and exit 0; an unknown argument, a missing value or one not listed exits
# 2 naming it, as PROG.
bench_args() {
	local prog=$1 spec=$2 name word kind choices
	shift 2
	while [ $# -gt 0 ]; do
		case $1 in
		-h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
		--?*) name=${1#--} ;;
		*) name="" ;;
		esac
		kind=""
		for word in $spec; do
			case $word in
			"$name") kind=flag ;;
			"$name="*) kind=value choices=${word#*=} ;;
			esac
		done
		if [ -z "$kind" ]; then
			echo "$prog: unknown argument '$1' (see --help)" >&2
			exit 2
		elif [ "$kind" = flag ]; then
			printf -v "$name" 1
		elif [ $# -lt 2 ] || [[ $2 == --* ]]; then
			echo "$prog: $1 needs a value (see --help)" >&2
			exit 2
		elif [ -n "$choices" ] && [[ "|$choices|" != *"|$2|"* ]]; then
			echo "$prog: $1 is ${choices//|/ or }, not '$2'" >&2
			exit 2
		else
			printf -v "$name" '%s' "$2"
			shift
		fi
		shift
	done
}

# bench_results_dir ROOT QUICK: where a run's results go unless --out says:
# ROOT/bench/results/, or ROOT/bench/results/quick/ for a quick run (QUICK 1).
bench_results_dir() {
	if [ "$2" = 1 ]; then echo "$1/bench/results/quick"; else echo "$1/bench/results"; fi
}

# bench_kv_read ARRAY LINE: the key=value pairs of LINE into the
# associative array named ARRAY, emptied first.
bench_kv_read() {
	local -n into=$1
	local kv
	into=()
	for kv in $2; do
		into[${kv%%=*}]=${kv#*=}
	done
}

# bench_result_read LINE: the key=value pairs of a RESULT line (bench/wrk.lua
# or bench/openloop) into res, and res_failed: its failed requests (non-2xx,
# socket errors, timeouts; openloop's errors).
declare -A res
bench_result_read() {
	bench_kv_read res "$1"
	res_failed=$((res[non2xx] + res[socket_errors] + res[timeouts] + res[errors]))
}

# bench_cpu_read LINE: the key=value pairs of bench/cpu_account's CPU line
# into cpu (wall_s, busy_s, client_s, each group's NAME_s, other_s).
declare -A cpu
bench_cpu_read() { bench_kv_read cpu "$1"; }

# bench_wait_ok URL: up to 15 s for a 200.
bench_wait_ok() {
	local i
	for ((i = 0; i < 150; i++)); do
		curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "bench: $1 did not answer 200" >&2
	return 1
}

# bench_restart SERVICE STATE_DIR BASE ARGS...: a service of the stack
# (script/lib/stack.sh, started from STATE_DIR, nginx at BASE) stopped and
# started again with the flags ARGS, answering its health check.
bench_restart() {
	local name=$1 state=$2 base=$3 pid_var="stack_$1_pid"
	shift 3
	kill -TERM "${!pid_var}"
	wait "${!pid_var}" || true
	if [ "$name" = order ]; then
		stack_service order "$state" --user-api "$base" "$@"
	else
		stack_service "$name" "$state" "$@"
	fi
	stack_wait_socket "$state/run/$name.sock"
	bench_wait_ok "$base/$name/health"
}

# bench_seed STATE_DIR USERS ORDERS: users 1..USERS, the products
# BOOK-1..BOOK-100 at 1250 EUR (bench/wrk.lua's BENCH_PRODUCTS) and orders
# 1..ORDERS of them, through SQL, not the API: 20 000 rows in well under a
# second, so that a quick run has its time for the measurements. On the
# engine the stack runs on (STACK_PG_URL: PostgreSQL), into the tables the
# services' migrations made there. Users written by SQL make no events: the
# order service learns them as after a restore of the user database, its
# cursor dropped and its projection rebuilt from the snapshot
# (docs/events.md), which this waits for (up to 60 s), so that every order
# a workload places is for a user the order service knows.
bench_seed() {
	local dir=$1 users=$2 orders=$3 i known
	bench_seed_sql "$(stack_db_of user "$dir")" "$(bench_seed_users "$users")" &&
		bench_seed_sql "$(stack_db_of order "$dir")" \
			"$(bench_seed_orders "$users" "$orders")"$'\nDELETE FROM event_cursor;' ||
		return 1
	for ((i = 0; i < 600; i++)); do
		known=$(stack_sql order "$dir" "SELECT count(*) FROM known_users WHERE id <= $users")
		[ "${known:-0}" -ge "$users" ] && return 0
		sleep 0.1
	done
	echo "bench_seed: the order service knows $known of the $users users after 60 s" >&2
	return 1
}

# bench_seed_sql DB SQL: SQL run on DB, a service's --db (sqlite:FILE, or
# a postgresql:// URL), stopping at the first error. PostgreSQL then
# analyses the tables: its planner knows nothing of rows it just took until
# autovacuum comes round.
bench_seed_sql() {
	case $1 in
	sqlite:*) sqlite3 -bail -cmd '.timeout 5000' "${1#sqlite:}" <<<"$2" ;;
	*) psql "$1" -Xq -v ON_ERROR_STOP=1 <<<"$2"$'\nANALYZE;' ;;
	esac
}

# The seed's rows, in SQL both engines run: rows numbered by a recursive
# query, the time a literal. A seed says which columns it fills and with
# what; the migrations say what else a row holds (the columns' defaults).
bench_seed_now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# bench_seed_users USERS: USERS users, Seed 1 to Seed USERS, with
# no password (they never log in).
bench_seed_users() {
	local now
	now=$(bench_seed_now)
	cat <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
INSERT INTO users (name, email, created_at, updated_at, version)
SELECT 'Seed ' || i, 'seed' || i || '@example.com', '$now', '$now', 1 FROM n;
SQL
}

# bench_seed_orders USERS ORDERS: the products BOOK-1..BOOK-100, and orders
# 1..ORDERS, spread over users 1..USERS, each of one line of 2 books.
bench_seed_orders() {
	local now
	now=$(bench_seed_now)
	cat <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
INSERT INTO products (sku, name, unit_price_cents, currency, active, created_at,
    updated_at, version)
SELECT 'BOOK-' || i, 'Book ' || i, 1250, 'EUR', 1, '$now', '$now', 1 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2)
INSERT INTO orders (user_id, currency, total_cents, status, created_at, updated_at, version)
SELECT 1 + (i * 7919) % $1, 'EUR', 2500, 'pending', '$now', '$now', 1 FROM n;
INSERT INTO order_items (order_id, line, sku, name, quantity, unit_price_cents, line_total_cents)
SELECT id, 1, 'BOOK-' || (1 + id % 100), 'Book ' || (1 + id % 100), 2, 1250, 2500 FROM orders;
COMMIT;
SQL
}
