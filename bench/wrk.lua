-- bench/wrk.lua: the workloads of bench/run, as one wrk script. The
-- environment chooses what each connection sends:
--   BENCH_WORKLOAD  ceiling | get-user | list-user | get-order | post-user |
--                   post-order | login | mix (90 % reads, 10 % writes)
--   BENCH_PREFIX    path prefix of the user API (a peer's, e.g. /peer/php);
--                   default: microshop's own /user
--   BENCH_USERS, BENCH_ORDERS  ids 1..N exist (seeded); default 10000
--   BENCH_USER_FIRST, BENCH_ORDER_FIRST  or ids FIRST..FIRST+N-1 (default 1)
--   BENCH_PRODUCTS  products BOOK-1..BOOK-N are on the order service's price
--                   list (seeded); default 100
--   BENCH_RUN       a word unique to this run, so that POST /user emails never
--                   collide with an earlier run's or another thread's
--   BENCH_TOKEN     an access token sent with every request (Authorization:
--                   Bearer); bench/run makes an admin's
--   BENCH_EMAIL, BENCH_PASSWORD  the account the login workload logs in as
-- done() prints one line, RESULT key=value ..., that bench/run parses.
local workload = os.getenv("BENCH_WORKLOAD") or "get-user"
local prefix = os.getenv("BENCH_PREFIX") or ""
local users = tonumber(os.getenv("BENCH_USERS") or "10000")
local orders = tonumber(os.getenv("BENCH_ORDERS") or "10000")
local products = tonumber(os.getenv("BENCH_PRODUCTS") or "100")
local user_first = tonumber(os.getenv("BENCH_USER_FIRST") or "1")
local order_first = tonumber(os.getenv("BENCH_ORDER_FIRST") or "1")
local run = os.getenv("BENCH_RUN") or tostring(os.time())
local token = os.getenv("BENCH_TOKEN")
local login_email = os.getenv("BENCH_EMAIL") or "bench@example.com"
local login_password = os.getenv("BENCH_PASSWORD") or "bench password 1"
local json = { ["Content-Type"] = "application/json" }
if token ~= nil and token ~= "" then
	-- wrk.headers go with every request; json with the writes.
	wrk.headers["Authorization"] = "Bearer " .. token
	json["Authorization"] = "Bearer " .. token
end

thread_id = 0 -- a global: setup() sets it in each thread's own Lua state
local threads_started = 0
local counter = 0

function setup(thread)
	threads_started = threads_started + 1
	thread:set("thread_id", threads_started)
end

function init(args)
	math.randomseed(os.time() * 1000 + thread_id)
end

local sends = {}

sends["ceiling"] = function()
	return wrk.format("GET", "/bench/ceiling")
end

sends["get-user"] = function()
	return wrk.format("GET", string.format("%s/user/%d", prefix, math.random(user_first, user_first + users - 1)))
end

sends["list-user"] = function()
	return wrk.format("GET", string.format("%s/user?limit=50&after=%d", prefix,
		math.random(0, math.max(users - 50, 0))))
end

sends["get-order"] = function()
	return wrk.format("GET", string.format("/order/%d", math.random(order_first, order_first + orders - 1)))
end

sends["post-user"] = function()
	counter = counter + 1
	return wrk.format("POST", prefix .. "/user", json, string.format(
		'{"name":"Bench %d-%d","email":"b%s-%d-%d@example.com","password":"bench password 1"}',
		thread_id, counter, run, thread_id, counter))
end

-- An order names skus and quantities; the service prices it from its list.
sends["post-order"] = function()
	return wrk.format("POST", "/order", json, string.format(
		'{"user_id":%d,"items":[{"sku":"BOOK-%d","quantity":%d}]}',
		math.random(user_first, user_first + users - 1), math.random(products), math.random(5)))
end

sends["login"] = function()
	return wrk.format("POST", "/user/login", json, string.format(
		'{"email":"%s","password":"%s"}', login_email, login_password))
end

-- Reads 90 %: a user, an order, a page of users; writes 10 %, orders (a
-- signup is an Argon2id hash: it has a workload of its own).
sends["mix"] = function()
	local r = math.random(100)
	if r <= 40 then
		return sends["get-user"]()
	elseif r <= 80 then
		return sends["get-order"]()
	elseif r <= 90 then
		return sends["list-user"]()
	end
	return sends["post-order"]()
end

request = sends[workload]
if request == nil then
	error("BENCH_WORKLOAD: unknown workload " .. workload)
end

function done(summary, latency, requests)
	local e = summary.errors
	-- wrk counts an answer with a status over 399 in errors.status; the
	-- services and nginx answer no 1xx or 3xx, so these are the non-2xx.
	io.write(string.format("RESULT requests=%d duration_s=%.3f rps=%.1f " ..
		"p50_ms=%.3f p99_ms=%.3f max_ms=%.3f mean_ms=%.4f non2xx=%d socket_errors=%d " ..
		"timeouts=%d\n",
		summary.requests, summary.duration / 1e6,
		summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(99) / 1000,
		latency.max / 1000, latency.mean / 1000, e.status, e.connect + e.read + e.write,
		e.timeout))
end
