#!/usr/bin/env python3
"""tests/netem/probe.py: the measurements of tests/netem/netem.test, from
one network namespace to another (this machine has no ping: Debian's
iputils-ping is not among microshop's packages, and a TCP round trip is
what the services see anyway).

  probe.py serve PORT            TCP echo and UDP on PORT (all addresses):
                                 each TCP connection accepted prints
                                 "tcp-accept", each datagram "udp PAYLOAD";
                                 a datagram starting with "echo" is sent back
  probe.py rtt HOST PORT N       N round trips of one byte on one TCP
                                 connection: "median MS min MS max MS"
  probe.py udp-send HOST PORT TAG N
                                 N datagrams "TAG SEQ", 0.5 ms apart:
                                 "sent S errors E" (E: sends refused locally)
  probe.py udp-echo HOST PORT N  N datagrams "echo SEQ", 2 ms apart, and
                                 their echoes awaited until 1 s after the
                                 last: "sent S answered A"
  probe.py connect HOST PORT SECONDS
                                 one TCP connect: "connected MS", "timeout
                                 SECONDS" (exit 1) or "error WHY" (exit 2)
"""
import selectors
import socket
import statistics
import sys
import time


def serve(port):
    sel = selectors.DefaultSelector()
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(('0.0.0.0', port))
    lsock.listen(64)
    usock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    usock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    usock.bind(('0.0.0.0', port))
    sel.register(lsock, selectors.EVENT_READ, 'listen')
    sel.register(usock, selectors.EVENT_READ, 'udp')
    print('ready', flush=True)
    while True:
        for key, _ in sel.select():
            if key.data == 'listen':
                conn, _ = lsock.accept()
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sel.register(conn, selectors.EVENT_READ, 'tcp')
                print('tcp-accept', flush=True)
            elif key.data == 'udp':
                data, peer = usock.recvfrom(2048)
                print('udp', data.decode(errors='replace'), flush=True)
                if data.startswith(b'echo'):
                    usock.sendto(data, peer)
            else:
                data = key.fileobj.recv(4096)
                if data:
                    key.fileobj.sendall(data)
                else:
                    sel.unregister(key.fileobj)
                    key.fileobj.close()


def rtt(host, port, n):
    s = socket.create_connection((host, port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    times = []
    for _ in range(n):
        t0 = time.monotonic()
        s.sendall(b'x')
        if s.recv(1) != b'x':
            raise SystemExit('rtt: the echo server closed')
        times.append((time.monotonic() - t0) * 1000)
    s.close()
    print('median %.2f min %.2f max %.2f' % (statistics.median(times), min(times), max(times)))


def udp_send(host, port, tag, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sent = errors = 0
    for seq in range(n):
        try:
            s.sendto(('%s %d' % (tag, seq)).encode(), (host, port))
            sent += 1
        except OSError:
            errors += 1
        time.sleep(0.0005)
    print('sent %d errors %d' % (sent, errors))


def udp_echo(host, port, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.connect((host, port))
    s.setblocking(False)
    answered = set()
    sent = 0

    def drain():
        while True:
            try:
                answered.add(s.recv(64))
            except BlockingIOError:
                return

    for seq in range(n):
        s.send(b'echo %d' % seq)
        sent += 1
        time.sleep(0.002)
        drain()
    deadline = time.monotonic() + 1
    while time.monotonic() < deadline:
        time.sleep(0.01)
        drain()
    print('sent %d answered %d' % (sent, len(answered)))


def connect(host, port, seconds):
    t0 = time.monotonic()
    try:
        socket.create_connection((host, port), timeout=seconds).close()
    except socket.timeout:
        print('timeout %g' % seconds)
        return 1
    except OSError as e:
        print('error %s' % e)
        return 2
    print('connected %.2f' % ((time.monotonic() - t0) * 1000))
    return 0


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == 'serve':
        serve(int(args[0]))
    elif cmd == 'rtt':
        rtt(args[0], int(args[1]), int(args[2]))
    elif cmd == 'udp-send':
        udp_send(args[0], int(args[1]), args[2], int(args[3]))
    elif cmd == 'udp-echo':
        udp_echo(args[0], int(args[1]), int(args[2]))
    elif cmd == 'connect':
        return connect(args[0], int(args[1]), float(args[2]))
    else:
        raise SystemExit('probe.py: unknown command %s' % cmd)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
