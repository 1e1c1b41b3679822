#!/usr/bin/env python3
"""tests/events/events_client.py: the load of the events test (events-run).

Through nginx, as the stack's admin: signs users up, places orders for
them, deletes about a third of them and changes the password of another
third, retrying every request that got no answer (the services are being
killed) under the same Idempotency-Key, or as it is when it may be sent
again (PATCH of a password, DELETE). Runs until the stop file appears or
the deadline passes, then prints one JSON object: what was acknowledged.

Usage: events_client.py BASE TOKEN STOP_FILE DEADLINE_EPOCH RUN_ID
"""
import json
import os
import random
import sys
import time
import urllib.error
import urllib.request

RETRY = {0, 502, 503, 504}


def call(base, token, method, path, body=None, key=None, deadline=0.0):
    """Send until answered (a status not in RETRY) or the deadline: (status, json)."""
    data = json.dumps(body).encode() if body is not None else None
    while True:
        req = urllib.request.Request(base + path, data=data, method=method)
        req.add_header("Authorization", "Bearer " + token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if key:
            req.add_header("Idempotency-Key", key)
        if method in ("PATCH", "DELETE"):
            req.add_header("If-Match", "*")
        status, answer = 0, {}
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        except (urllib.error.URLError, OSError):
            raw = b""
        try:
            answer = json.loads(raw) if raw else {}
        except ValueError:
            answer = {}
        if status == 409 and "Idempotency-Key" in str(answer.get("detail", "")):
            status = 0      # the first try is still in flight: try again
        if status not in RETRY or time.time() >= deadline:
            return status, answer
        time.sleep(0.1)


def main():
    base, token, stop_file, deadline, run_id = sys.argv[1:6]
    deadline = float(deadline)
    rnd = random.Random(run_id)
    out = {"users": [], "deleted": [], "passwords": 0, "orders": [], "refused": 0,
           "unanswered": 0}
    live = []
    n = 0
    status, _ = call(base, token, "PUT", "/order/products/EVENTS-1",
                     {"name": "Events", "unit_price_cents": 100, "currency": "EUR",
                      "active": True}, deadline=deadline)
    if status not in (200, 201):
        print(json.dumps({"error": "PUT /order/products/EVENTS-1 answered %d" % status}))
        return 1
    while not os.path.exists(stop_file) and time.time() < deadline:
        n += 1
        status, u = call(base, token, "POST", "/user",
                         {"name": "Events %d" % n, "email": "ev-%s-%d@example.com" % (run_id, n),
                          "password": "correct horse battery"},
                         key="ev-%s-user-%d" % (run_id, n), deadline=deadline)
        if status == 201:
            live.append(u["id"])
            out["users"].append(u["id"])
        elif status != 0:
            out["unanswered"] += status in RETRY
        for k in range(2):
            if not live:
                break
            uid = rnd.choice(live)
            status, o = call(base, token, "POST", "/order",
                             {"user_id": uid, "items": [{"sku": "EVENTS-1", "quantity": 1}]},
                             key="ev-%s-order-%d-%d" % (run_id, n, k), deadline=deadline)
            if status == 201:
                out["orders"].append([o["id"], uid])
            elif status == 422:
                out["refused"] += 1
            elif status in RETRY:
                out["unanswered"] += 1
        if len(live) > 3 and n % 3 == 0:
            uid = live.pop(rnd.randrange(len(live)))
            status, _ = call(base, token, "DELETE", "/user/%d" % uid, deadline=deadline)
            if status in (204, 404, 410):
                out["deleted"].append(uid)
        elif live and n % 3 == 1:
            uid = rnd.choice(live)
            status, _ = call(base, token, "PATCH", "/user/%d" % uid,
                             {"password": "another horse %d" % n}, deadline=deadline)
            out["passwords"] += status == 200
        time.sleep(0.02)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
