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

# bench_result_read LINE: the key=value pairs of a RESULT line (bench/wrk.lua
# or bench/openloop) into res, and res_failed: its failed requests (non-2xx,
# socket errors, timeouts; openloop's errors).
declare -A res
bench_result_read() {
	local kv
	res=()
	for kv in $1; do
		res[${kv%%=*}]=${kv#*=}
	done
	res_failed=$((res[non2xx] + res[socket_errors] + res[timeouts] + res[errors]))
}

# bench_seed STATE_DIR USERS ORDERS: users 1..USERS, the products
# BOOK-1..BOOK-100 at 1250 EUR (bench/wrk.lua's BENCH_PRODUCTS) and orders
# 1..ORDERS of them, through SQL, not the API: 20 000 rows in well under a
# second, so that a quick run has its time for the measurements. On the
# engine the stack runs on (STACK_PG_URL: PostgreSQL).
bench_seed() {
	local dir=$1 users=$2 orders=$3 now="strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
	if [ -n "${STACK_PG_URL:-}" ]; then
		bench_seed_postgresql "$@"
		return
	fi
	bench_seed_users_sqlite "$dir/db/user.db" "$users" || return 1
	sqlite3 -bail "$dir/db/order.db" <<SQL
.timeout 5000
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
INSERT INTO products (sku, name, unit_price_cents, currency, active, created_at,
    updated_at, version)
SELECT 'BOOK-' || i, 'Book ' || i, 1250, 'EUR', 1, $now, $now, 1 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $orders)
INSERT INTO orders (user_id, currency, total_cents, status, created_at, updated_at, version)
SELECT 1 + (i * 7919) % $users, 'EUR', 2500, 'pending', $now, $now, 1 FROM n;
INSERT INTO order_items (order_id, line, sku, name, quantity, unit_price_cents, line_total_cents)
SELECT id, 1, 'BOOK-' || (1 + id % 100), 'Book ' || (1 + id % 100), 2, 1250, 2500 FROM orders;
COMMIT;
SQL
}

# bench_seed_users_sqlite FILE USERS: the users of bench_seed in an SQLite
# file whose schema is the user service's.
bench_seed_users_sqlite() {
	local now="strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
	sqlite3 -bail "$1" <<SQL
.timeout 5000
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2)
INSERT INTO users (name, email, created_at, updated_at, version)
SELECT 'Seed ' || i, 'seed' || i || '@example.com', $now, $now, 1 FROM n;
SQL
}

# bench_seed_postgresql STATE_DIR USERS ORDERS: bench_seed on PostgreSQL.
bench_seed_postgresql() {
	local dir=$1 users=$2 orders=$3
	local now="to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
	psql "$(stack_db_of user "$dir")" -Xq -v ON_ERROR_STOP=1 <<SQL || return 1
INSERT INTO users (name, email, created_at, updated_at, version)
SELECT 'Seed ' || i, 'seed' || i || '@example.com', $now, $now, 1
FROM generate_series(1, $users) i;
ANALYZE users;
SQL
	psql "$(stack_db_of order "$dir")" -Xq -v ON_ERROR_STOP=1 <<SQL
BEGIN;
INSERT INTO products (sku, name, unit_price_cents, currency, active, created_at,
    updated_at, version)
SELECT 'BOOK-' || i, 'Book ' || i, 1250, 'EUR', 1, $now, $now, 1
FROM generate_series(1, 100) i;
INSERT INTO orders (user_id, currency, total_cents, status, created_at, updated_at, version)
SELECT 1 + (i * 7919) % $users, 'EUR', 2500, 'pending', $now, $now, 1
FROM generate_series(1, $orders) i;
INSERT INTO order_items (order_id, line, sku, name, quantity, unit_price_cents, line_total_cents)
SELECT id, 1, 'BOOK-' || (1 + id % 100), 'Book ' || (1 + id % 100), 2, 1250, 2500 FROM orders;
COMMIT;
ANALYZE products;
ANALYZE orders;
ANALYZE order_items;
SQL
}
