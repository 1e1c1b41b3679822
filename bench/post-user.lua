-- bench/post-user.lua: wrk script that creates users, each with an email
-- no other request of the run uses (thread number, request number, run id),
-- so every request is a real insert and none is refused as a duplicate.
local counter = 0
thread_id = 0 -- a global: setup() sets it in each thread
local threads_started = 0
local run = os.getenv("BENCH_RUN") or tostring(os.time())

function setup(thread)
	threads_started = threads_started + 1
	thread:set("thread_id", threads_started)
end

function request()
	counter = counter + 1
	local body = string.format('{"name":"Bench %d-%d","email":"b%s-%d-%d@example.com"}',
		thread_id, counter, run, thread_id, counter)
	return wrk.format("POST", "/user", { ["Content-Type"] = "application/json" }, body)
end

function done(summary, latency, requests)
	local non2xx = summary.errors.status
	io.write(string.format("RESULT requests=%d non2xx=%d socket_errors=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f\n",
		summary.requests, non2xx,
		summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
		summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
