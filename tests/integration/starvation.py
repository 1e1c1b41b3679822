#!/usr/bin/env python3
"""tests/integration/starvation.py: the clients of starvation.test.

  starvation.py attack PORT SECONDS OUT.json READY-FILE
      The attackers, from loopback addresses other than 127.0.0.1, all at
      once for SECONDS, then every connection is closed:
        header  300 connections (100 from each of 127.0.0.2-4) trickling a
                request header one byte a second, never ending it; one that
                nginx cuts is opened again (slowloris);
        body    100 connections (25 from each of 127.0.0.5-8) that send a
                whole POST /order header with Content-Length 1000, then one
                body byte a second (the body would take 1000 s; not POST
                /user, whose lower rate per address nginx would meet first);
        stall   20 connections from 127.0.0.9 that send the POST header and
                3 body bytes, one a second, then nothing; opened again when
                cut;
        huge    4 threads (127.0.0.10-13) POSTing 1 MiB bodies with their
                Content-Length, one after the other as fast as they can;
        big     4 threads (127.0.0.14-17) POSTing 60 KiB of JSON, just under
                the 64 KiB limit, that the user service refuses (a name far
                too long), as fast as they can.
      READY-FILE is written once every trickle connection is open.

  starvation.py good PORT SECONDS USER_ID ORDER_ID OUT.json
      The good client, from 127.0.0.1, for SECONDS: one thread reads about
      40 times a second (GET /user/ID and GET /order/ID, two of three on a
      fresh connection, the others on one kept connection), another writes
      2.5 times a second (a POST /user, then three POST /order, each on a
      fresh connection); each request is timed from connect to the last
      byte of the answer.

Both write a JSON summary to OUT.json. Standard library only; every socket
operation has a timeout and every thread stops by itself.
"""

import errno
import http.client
import json
import math
import os
import resource
import selectors
import socket
import sys
import threading
import time

HOST = "127.0.0.1"
IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)
OP_TIMEOUT = 5.0


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    if soft == resource.RLIM_INFINITY or soft >= want:
        return
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    except (ValueError, OSError):
        pass


def client_socket(src, blocking=True):
    """A TCP socket bound to the source address src (port chosen at connect)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
    except OSError:
        pass
    s.bind((src, 0))
    if blocking:
        s.settimeout(OP_TIMEOUT)
    else:
        s.setblocking(False)
    return s


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    """The nearest-rank percentile p of a sorted list."""
    k = math.ceil(p / 100.0 * len(sorted_values)) - 1
    return sorted_values[min(len(sorted_values) - 1, max(0, k))]


# --- the attackers ------------------------------------------------------------

HEADER_TRICKLE = (b"GET /user/1 HTTP/1.1\r\nHost: localhost\r\nUser-Agent: slow\r\nX-Slow: "
                  + b"a" * 4096)
BODY_HEADER = (b"POST /order HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
               b"Content-Length: 1000\r\n\r\n")
BODY_TRICKLE = b'{"name":"' + b"b" * 2000


class Trickle:
    __slots__ = ("kind", "src", "sock", "gen", "opened", "connected", "ended", "how",
                 "pos", "ticks")

    def __init__(self, kind, src, gen, now):
        self.kind = kind
        self.src = src
        self.gen = gen
        self.opened = now
        self.connected = None
        self.ended = None
        self.how = None
        self.pos = 0
        self.ticks = 0
        self.sock = client_socket(src, blocking=False)


class TrickleAttack:
    """Every trickle connection, driven by one thread with a selector."""

    PLAN = [("header", ["127.0.0.2", "127.0.0.3", "127.0.0.4"], 100),
            ("body", ["127.0.0.5", "127.0.0.6", "127.0.0.7", "127.0.0.8"], 25),
            ("stall", ["127.0.0.9"], 20)]
    STALL_BYTES = 3

    def __init__(self, port, start, deadline):
        self.port = port
        self.start = start
        self.deadline = deadline
        self.sel = selectors.DefaultSelector()
        self.all = []
        self.live = set()
        self.samples = []
        self.reopen = []

    def open(self, kind, src, gen):
        now = time.monotonic()
        t = Trickle(kind, src, gen, now)
        err = t.sock.connect_ex((HOST, self.port))
        if err not in (0, errno.EINPROGRESS):
            t.sock.close()
            t.ended, t.how = now, "connect-" + errno.errorcode.get(err, str(err))
            self.all.append(t)
            return
        self.all.append(t)
        self.live.add(t)
        self.sel.register(t.sock, selectors.EVENT_WRITE, t)

    def end(self, t, how):
        if t.ended is not None:
            return
        t.ended = time.monotonic()
        t.how = how
        self.live.discard(t)
        try:
            self.sel.unregister(t.sock)
        except (KeyError, ValueError):
            pass
        t.sock.close()
        # A trickle nginx cut comes back, as a slowloris does, while there
        # is time left: at once, or a second later if it lived less than a
        # second (no storm of connections against a nginx that drops them).
        if t.kind in ("header", "stall") and self.deadline - t.ended > 1.0:
            lived = t.ended - (t.connected or t.opened)
            self.reopen.append((t.ended if lived >= 1.0 else t.ended + 1.0, t))

    def send(self, t, data):
        try:
            n = t.sock.send(data)
            return n
        except BlockingIOError:
            return 0
        except ConnectionResetError:
            self.end(t, "reset")
        except BrokenPipeError:
            self.end(t, "closed")
        except OSError as e:
            self.end(t, "error-" + errno.errorcode.get(e.errno, str(e.errno)))
        return None

    def on_connected(self, t):
        err = t.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            self.end(t, "connect-" + errno.errorcode.get(err, str(err)))
            return
        t.connected = time.monotonic()
        self.sel.modify(t.sock, selectors.EVENT_READ, t)
        if t.kind in ("body", "stall"):
            n = self.send(t, BODY_HEADER)
            if n is not None and n != len(BODY_HEADER):
                self.end(t, "short-send")
                return
        self.tick(t)

    def tick(self, t):
        """One byte more, as a trickle sends once a second."""
        if t.ended is not None or t.connected is None:
            return
        if t.kind == "stall" and t.ticks >= self.STALL_BYTES:
            return
        data = HEADER_TRICKLE if t.kind == "header" else BODY_TRICKLE
        n = self.send(t, data[t.pos:t.pos + 1])
        if n:
            t.pos += n
            t.ticks += 1

    def on_readable(self, t):
        try:
            data = t.sock.recv(4096)
        except BlockingIOError:
            return
        except ConnectionResetError:
            self.end(t, "reset")
            return
        except OSError as e:
            self.end(t, "error-" + errno.errorcode.get(e.errno, str(e.errno)))
            return
        if not data:
            self.end(t, "closed")
            return
        parts = data.split(b" ", 2)
        status = parts[1].decode("ascii", "replace") if len(parts) > 1 else "?"
        self.end(t, "answered-" + status)

    def run(self, ready_file):
        for kind, srcs, per_src in self.PLAN:
            for src in srcs:
                for _ in range(per_src):
                    self.open(kind, src, 0)
        ready_written = False
        next_tick = time.monotonic() + 1.0
        next_sample = time.monotonic()
        while True:
            now = time.monotonic()
            if now >= self.deadline:
                break
            if not ready_written and all(t.connected is not None or t.ended is not None
                                         for t in self.all):
                with open(ready_file + ".tmp", "w") as f:
                    f.write("ready\n")
                os.rename(ready_file + ".tmp", ready_file)
                ready_written = True
            if now >= next_sample:
                counts = {kind: 0 for kind, _, _ in self.PLAN}
                for t in self.live:
                    if t.connected is not None:
                        counts[t.kind] += 1
                self.samples.append({"t": round(now - self.start, 2), **counts})
                next_sample += 1.0
            wake = min([next_tick, next_sample, self.deadline] + [at for at, _ in self.reopen])
            timeout = max(0.0, wake - now)
            for key, mask in self.sel.select(timeout):
                t = key.data
                if t.ended is not None:
                    continue
                if t.connected is None:
                    if mask & selectors.EVENT_WRITE:
                        self.on_connected(t)
                elif mask & selectors.EVENT_READ:
                    self.on_readable(t)
            now = time.monotonic()
            if now >= next_tick:
                next_tick += 1.0
                for t in list(self.live):
                    self.tick(t)
            if self.reopen:
                due = [(at, t) for at, t in self.reopen if at <= now]
                self.reopen = [(at, t) for at, t in self.reopen if at > now]
                for _, t in due:
                    self.open(t.kind, t.src, t.gen + 1)
        if not ready_written:
            with open(ready_file, "w") as f:
                f.write("late\n")
        end = time.monotonic()
        self.deadline = end
        for t in list(self.live):
            self.end(t, "open-at-end")
        self.sel.close()

    def summary(self, window_end):
        out = {"samples": self.samples}
        for kind, _, _ in self.PLAN:
            ts = [t for t in self.all if t.kind == kind]
            first = [t for t in ts if t.gen == 0]
            hows = {}
            for t in ts:
                hows[t.how] = hows.get(t.how, 0) + 1
            # Connections that had 14 s to be cut: how long each lived.
            judged = [t for t in ts if t.connected is not None and window_end - t.connected >= 14.0]
            lifetimes = sorted(round(t.ended - t.connected, 2) for t in judged
                               if t.how in ("reset", "closed"))
            out[kind] = {
                "opened": len(ts),
                "first_generation": len(first),
                "connected": sum(1 for t in ts if t.connected is not None),
                "ends": hows,
                "open_at_end": hows.get("open-at-end", 0),
                "judged": len(judged),
                "cut": len(lifetimes),
                "cut_lifetime_min": lifetimes[0] if lifetimes else None,
                "cut_lifetime_p50": percentile(lifetimes, 50),
                "cut_lifetime_max": lifetimes[-1] if lifetimes else None,
                "peak_open": max((s[kind] for s in self.samples), default=0),
            }
        return out


def read_status(sock):
    """The status of the answer on sock ("reset", "closed", "timeout" if none)."""
    buf = b""
    try:
        while b"\r\n" not in buf:
            data = sock.recv(4096)
            if not data:
                return "closed" if not buf else "short"
            buf += data
    except socket.timeout:
        return "timeout"
    except ConnectionResetError:
        return "reset"
    except OSError as e:
        return "error-" + errno.errorcode.get(e.errno, str(e.errno))
    parts = buf.split(b"\r\n", 1)[0].split(b" ", 2)
    return parts[1].decode("ascii", "replace") if len(parts) > 1 else "?"


def flood(port, src, kind, deadline, counts, lock):
    if kind == "huge":
        size = 1024 * 1024
        body = b"x" * size
    else:
        name = "n" * (60 * 1024)
        body = json.dumps({"name": name, "email": "big@example.com"}).encode()
        size = len(body)
    head = ("POST /user HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            "Content-Length: %d\r\nConnection: close\r\n\r\n" % size).encode()
    local = {}
    while time.monotonic() < deadline:
        status = "?"
        s = None
        try:
            s = client_socket(src)
            s.connect((HOST, port))
            s.sendall(head)
            view = memoryview(body)
            sent_err = None
            try:
                for off in range(0, size, 65536):
                    s.sendall(view[off:off + 65536])
            except (BrokenPipeError, ConnectionResetError) as e:
                sent_err = e
            status = read_status(s)
            if sent_err is not None and status in ("reset", "closed"):
                status = "send-" + status
        except socket.timeout:
            status = "timeout"
        except OSError as e:
            status = "error-" + errno.errorcode.get(e.errno, str(e.errno))
        finally:
            if s is not None:
                s.close()
        local[status] = local.get(status, 0) + 1
        if status.startswith("error-E") and "ADDR" in status:
            time.sleep(0.01)
    with lock:
        for k, v in local.items():
            counts[k] = counts.get(k, 0) + v


def attack(port, seconds, out_file, ready_file):
    raise_nofile()
    start = time.monotonic()
    deadline = start + seconds
    trickles = TrickleAttack(port, start, deadline)
    floods = {"huge": {}, "big": {}}
    lock = threading.Lock()
    threads = []
    for i in range(4):
        threads.append(threading.Thread(target=flood, daemon=True, args=(
            port, "127.0.0.%d" % (10 + i), "huge", deadline, floods["huge"], lock)))
        threads.append(threading.Thread(target=flood, daemon=True, args=(
            port, "127.0.0.%d" % (14 + i), "big", deadline, floods["big"], lock)))
    trickle_thread = threading.Thread(target=trickles.run, args=(ready_file,), daemon=True)
    trickle_thread.start()
    for th in threads:
        th.start()
    for th in [trickle_thread] + threads:
        th.join(timeout=max(0.1, deadline + OP_TIMEOUT + 1 - time.monotonic()))
    stuck = sum(1 for th in [trickle_thread] + threads if th.is_alive())
    result = trickles.summary(deadline)
    result["huge"] = floods["huge"]
    result["big"] = floods["big"]
    result["seconds"] = round(time.monotonic() - start, 2)
    result["stuck_threads"] = stuck
    with open(out_file, "w") as f:
        json.dump(result, f, indent=1)
    return 0 if stuck == 0 else 1


# --- the good client ------------------------------------------------------------

class GoodClient:
    """Reads and writes from 127.0.0.1, in two threads: slow writes must not
    hide the reads, nor the reads the writes."""

    def __init__(self, port, user_id, order_id, start, deadline):
        self.port = port
        self.user_id = user_id
        self.order_id = order_id
        self.start = start
        self.deadline = deadline
        self.samples = []
        self.created = {"user": 0, "order": 0}
        self.lock = threading.Lock()

    def connection(self):
        return http.client.HTTPConnection(HOST, self.port, timeout=OP_TIMEOUT,
                                          source_address=(HOST, 0))

    def exchange(self, conn, kind, method, path, body):
        """One request, timed from connect (if any) to the answer's last byte."""
        t0 = time.monotonic()
        status, err = 0, None
        try:
            headers = {"Host": "localhost",
                       "Authorization": "Bearer " + os.environ.get("MICROSHOP_TOKEN", "")}
            if body is not None:
                headers["Content-Type"] = "application/json"
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            status = resp.status
        except (OSError, http.client.HTTPException) as e:
            err = "%s: %s" % (type(e).__name__, e)
            conn.close()
        t1 = time.monotonic()
        with self.lock:
            self.samples.append({"t": round(t0 - self.start, 3), "kind": kind,
                                 "status": status, "ms": round((t1 - t0) * 1000, 3),
                                 "error": err})
        return status

    def reads(self):
        """GET /user/ID and GET /order/ID in turn, every 20 ms; two of three
        on a fresh connection, the third on one kept connection."""
        kept = self.connection()
        i = 0
        while time.monotonic() < self.deadline:
            i += 1
            if i % 2:
                kind, path = "GET /user/{id}", "/user/%d" % self.user_id
            else:
                kind, path = "GET /order/{id}", "/order/%d" % self.order_id
            if i % 3:
                conn = self.connection()
                self.exchange(conn, kind, "GET", path, None)
                conn.close()
            else:
                # http.client opens the kept connection again when it was
                # closed (after an error, or when nginx said so).
                self.exchange(kept, kind + " kept", "GET", path, None)
            time.sleep(0.02)
        kept.close()

    def writes(self):
        """A POST /user, then three POST /order, 2.5 a second at most (the
        write limit is 20 r/s per address; signups, 0.6 a second, stay
        within the password rate of 30 a minute with bursts of 10), each
        on a fresh connection."""
        n = 0
        next_write = time.monotonic()
        while True:
            now = time.monotonic()
            if now >= self.deadline:
                break
            if now < next_write:
                time.sleep(min(next_write, self.deadline) - now)
                continue
            next_write = max(next_write + 0.4, now)
            n += 1
            if n % 4 == 1:
                kind, path = "POST /user", "/user"
                body = json.dumps({"name": "Good %d" % n,
                                   "email": "good-%d-%d@example.com" % (os.getpid(), n),
                                   "password": "correct horse battery"})
            else:
                kind, path = "POST /order", "/order"
                body = json.dumps({"user_id": self.user_id,
                                   "items": [{"sku": "BOOK-1", "quantity": 1}]})
            conn = self.connection()
            if self.exchange(conn, kind, "POST", path, body) == 201:
                self.created[path[1:]] += 1
            conn.close()


def good(port, seconds, user_id, order_id, out_file):
    raise_nofile()
    start = time.monotonic()
    client = GoodClient(port, user_id, order_id, start, start + seconds)
    threads = [threading.Thread(target=client.reads, daemon=True),
               threading.Thread(target=client.writes, daemon=True)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=max(0.1, start + seconds + OP_TIMEOUT + 1 - time.monotonic()))
    stuck = sum(1 for th in threads if th.is_alive())
    with client.lock:
        samples = list(client.samples)
    ms = sorted(s["ms"] for s in samples)
    failed = [s for s in samples if not 200 <= s["status"] < 300]
    kinds = {}
    for s in samples:
        kinds[s["kind"]] = kinds.get(s["kind"], 0) + 1
    result = {
        "requests": len(samples),
        "kinds": kinds,
        "failed": len(failed),
        "failures": failed[:10],
        "created": client.created,
        "p50_ms": percentile(ms, 50),
        "p99_ms": percentile(ms, 99),
        "max_ms": ms[-1] if ms else None,
        "slowest": sorted(samples, key=lambda s: -s["ms"])[:5],
        "seconds": round(time.monotonic() - start, 2),
        "stuck_threads": stuck,
    }
    with open(out_file, "w") as f:
        json.dump(result, f, indent=1)
    return 0 if stuck == 0 else 1


def main(argv):
    if len(argv) == 6 and argv[1] == "attack":
        return attack(int(argv[2]), float(argv[3]), argv[4], argv[5])
    if len(argv) == 7 and argv[1] == "good":
        return good(int(argv[2]), float(argv[3]), int(argv[4]), int(argv[5]), argv[6])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
