#!/usr/bin/env python3
"""tests/integration/scale.py: the load of scale.test.

  scale.py BASE TOKEN USER_ID OUT.json

For 14 s, through nginx at BASE with TOKEN: 3 readers GET /user/USER_ID
over kept connections; a writer POSTs users and two writers POST orders
for USER_ID (order writer N: product scale-order-N, its write i of
quantity i), each write with an Idempotency-Key and sent again with the
same key, up to 60 times 0.1 s apart, until it is acknowledged (a 201).
Writes to OUT.json the reads served and those that failed (when, status,
body), the keys acknowledged by kind, the writes sent again and the
answers replayed (Idempotent-Replayed).
"""
import http.client, json, sys, threading, time, urllib.parse

base, token, uid, out = sys.argv[1:5]
host = urllib.parse.urlsplit(base).netloc
DURATION = 14.0
auth = {"Authorization": "Bearer " + token}
start = time.monotonic()
lock = threading.Lock()
reads = {"ok": 0, "bad": []}
acked = {"user": [], "order": []}
retries = {"count": 0}

replays = {"count": 0}

def request(conn, method, path, body=None, headers=None):
    h = dict(auth)
    h.update(headers or {})
    if body is not None:
        h["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    if r.getheader("Idempotent-Replayed") == "true":
        with lock:
            replays["count"] += 1
    return r.status, r.read()

def reader():
    conn = http.client.HTTPConnection(host, timeout=10)
    while time.monotonic() - start < DURATION:
        try:
            status, body = request(conn, "GET", "/user/%s" % uid)
        except Exception as e:
            status, body = "error", repr(e).encode()
            conn.close()
            conn = http.client.HTTPConnection(host, timeout=10)
        with lock:
            if status == 200:
                reads["ok"] += 1
            else:
                reads["bad"].append((round(time.monotonic() - start, 2), status, body[:120].decode("utf-8", "replace")))

def writer(kind, n):
    i = 0
    while time.monotonic() - start < DURATION and i < 10000:
        i += 1
        key = "scale-%s-%d-%d" % (kind, n, i)
        if kind == "user":
            path, body = "/user", json.dumps({"name": key, "email": key + "@example.com",
                                              "password": "correct horse battery"})
        else:
            path, body = "/order", json.dumps({"user_id": int(uid), "items": [
                {"sku": "scale-order-%d" % n, "quantity": i}]})
        # Until acknowledged: a lost answer or a 5xx is sent again, same key.
        for attempt in range(60):
            conn = http.client.HTTPConnection(host, timeout=10)
            try:
                status, _ = request(conn, "POST", path, body, {"Idempotency-Key": key})
            except Exception:
                status = "error"
            finally:
                conn.close()
            if status == 201:
                with lock:
                    acked[kind].append(key)
                break
            with lock:
                retries["count"] += 1
            time.sleep(0.1)
        time.sleep(0.02)

threads = [threading.Thread(target=reader) for _ in range(3)]
threads += [threading.Thread(target=writer, args=("user", 1)),
            threading.Thread(target=writer, args=("order", 1)),
            threading.Thread(target=writer, args=("order", 2))]
for t in threads:
    t.start()
for t in threads:
    t.join()
with open(out, "w") as f:
    json.dump({"reads_ok": reads["ok"], "reads_bad": reads["bad"], "acked": acked,
               "retries": retries["count"], "replays": replays["count"]}, f)
