#!/usr/bin/env python3
"""bench/events_lag.py: how long a change to a user takes to reach the
order service, as a client sees it (docs/events.md).

For SECONDS, RATE times a second: PATCH a random user's name through nginx
(an event), read the feed's last sequence (GET /user/events, a service
token: its answer, 200 or 410, carries last_seq), then ask GET
/order/health every 2 ms until the consumer's cursor has reached it. The
lag is from the PATCH's answer to that health answer: an upper bound (it
includes the feed read, about a millisecond). The events the consumer had
not applied are sampled from the same health answers.

Usage: bench/events_lag.py BASE ADMIN_TOKEN SERVICE_TOKEN USERS SECONDS [RATE]
Prints: RESULT samples=N p50_ms=X p99_ms=X max_ms=X lag_events_p50=N
lag_events_p99=N timeouts=N
"""
import json
import random
import sys
import time
import urllib.error
import urllib.request


def call(method, url, token, body=None):
    """(status, JSON answer or {}) of one request; status 0 without an answer."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
        req.add_header("If-Match", "*")
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        try:
            return e.code, json.loads(e.read() or b"{}")
        except ValueError:
            return e.code, {}
    except (urllib.error.URLError, OSError, ValueError):
        return 0, {}


def quantile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else 0


def main():
    base, admin, service, users, seconds = sys.argv[1:6]
    rate = float(sys.argv[6]) if len(sys.argv) > 6 else 20.0
    users, end = int(users), time.time() + float(seconds)
    lags, behind, timeouts, n = [], [], 0, 0
    while time.time() < end:
        began = time.time()
        n += 1
        status, _ = call("PATCH", "%s/user/%d" % (base, random.randint(1, users)), admin,
                         {"name": "Lag %d" % n})
        if status != 200:
            print("events_lag: PATCH answered %d" % status, file=sys.stderr)
            return 1
        acked = time.time()
        status, feed = call("GET", base + "/user/events?after=0&limit=1", service)
        last = feed.get("last_seq")
        if status not in (200, 410) or not isinstance(last, int):
            print("events_lag: the feed answered %d" % status, file=sys.stderr)
            return 1
        while True:
            status, health = call("GET", base + "/order/health", admin)
            events = health.get("events", {})
            if status == 200:
                behind.append(events.get("lag_events", 0))
                if events.get("cursor", -1) >= last:
                    lags.append((time.time() - acked) * 1000)
                    break
            if time.time() - acked > 10:
                timeouts += 1
                break
            time.sleep(0.002)
        time.sleep(max(0.0, 1 / rate - (time.time() - began)))
    print("RESULT samples=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f lag_events_p50=%d "
          "lag_events_p99=%d timeouts=%d" % (len(lags), quantile(lags, 0.5), quantile(lags, 0.99),
                                            max(lags, default=0), quantile(behind, 0.5),
                                            quantile(behind, 0.99), timeouts))
    return 0 if lags and timeouts == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
