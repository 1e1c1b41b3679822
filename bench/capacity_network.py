"""bench/capacity_network.py: microshop as a queueing network, for
bench/capacity_report. It turns what the calibration runs measured into the
stations of bench/queueing.py and answers with them: throughput and latency
under a closed load of N clients, mean and p99 under an open (Poisson) load,
the peak, the station that saturates first, and a deployment's size.

The stations of one workload (docs/capacity.md writes out the equations):

- cores: the machine's c cores, shared by the client, nginx and both
  services, a "multi" station of c servers (processor sharing). Its demand
  is the machine's busy CPU time per request (every process, the kernel's
  interrupts too) less the writer's part. The demand falls as more
  requests are in the system at once (each wake-up of a process finds more
  work: fewer wake-ups and context switches per request), so it is
  measured with 1, 4 and 16 requests in the system and read off that curve
  (linear in log N, constant beyond its ends) at the number in the system
  the solution itself reaches: N for a closed loop, L = lambda R for an
  open one (a fixed point).
- writer: SQLite's one writer, where the writes of the order service queue
  (the group commit's lock is held from a write's BEGIN to its end): one
  server, demand = writes per request x the order service's CPU time per
  write.
- fsync: the disk's durable write. With group commit a write waits for one
  fsync, its batch's, which the others in the batch share: a delay of
  writes per request x one fsync's time (bench/fsync-rate), not a queue.
- path: the rest of a request's time alone, the wake-ups and the hops
  between processes that no CPU counter holds: a delay, the measured mean
  at N = 1 less every other station's demand there.

Standard library only; unit-tested by tests/capacity/check_capacity_network.py."""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import queueing as q  # noqa: E402
from capacity_model import erlang_c  # noqa: E402


def demand_at(curve, n):
    """The CPU demand per request with n requests in the system: linear in
    log n between the calibration points (n, d), constant beyond the first
    and the last."""
    pts = sorted((math.log(max(k, 1.0)), d) for k, d in curve)
    x = math.log(max(n, 1.0))
    if x <= pts[0][0]:
        return pts[0][1]
    for (x0, d0), (x1, d1) in zip(pts, pts[1:]):
        if x <= x1:
            return d0 + (d1 - d0) * (x - x0) / (x1 - x0) if x1 > x0 else d1
    return pts[-1][1]


class Model:
    """One workload's network. curve: (requests in the system, CPU seconds
    per request) points; cores; writes: writes per request; write_cpu: seconds of the
    writer per write; fsync: seconds per fsync; path: the delay, seconds."""

    def __init__(self, curve, cores, writes=0.0, write_cpu=0.0, fsync=0.0, path=0.0):
        if not curve:
            raise ValueError("a model needs at least one calibration point")
        self.curve, self.cores = list(curve), cores
        self.writes, self.write_cpu, self.fsync, self.path = writes, write_cpu, fsync, path

    def stations(self, n):
        """The stations with the CPU demand read at n requests in the
        system."""
        writer = self.writes * self.write_cpu
        cpu = max(demand_at(self.curve, n) - writer, 1e-9)
        out = [q.Station("cores", cpu, q.MULTI, self.cores)]
        if writer > 0:
            out.append(q.Station("writer", writer))
        if self.writes * self.fsync > 0:
            out.append(q.Station("fsync", self.writes * self.fsync, q.DELAY))
        if self.path > 0:
            out.append(q.Station("path", self.path, q.DELAY))
        return out

    def in_system(self, lam):
        """The mean number of requests in the system under Poisson arrivals
        at lam: the fixed point of L = lam R(lam), R computed with the
        demand at L; inf when no L holds (saturation)."""
        top = max(n for n, _ in self.curve)
        ell = 1.0
        for _ in range(200):
            r = q.open_network(self.stations(ell), lam)["r"]
            nxt = lam * r
            if math.isinf(nxt) or nxt > 64 * top:
                # Past saturation at every demand of the curve, or at
                # least at the demand of the most loaded point.
                if math.isinf(q.open_network(self.stations(top), lam)["r"]):
                    return math.inf
                nxt = top
            if abs(nxt - ell) < 1e-6 * max(ell, 1.0):
                return nxt
            ell = (ell + nxt) / 2
        return ell

    def peak(self):
        """The highest throughput (requests/s) and the station that limits
        it: the bottleneck's servers / demand, read with as many requests in
        the system as the most loaded calibration run had."""
        name, lam = q.saturation(self.stations(max(n for n, _ in self.curve)))
        return lam, name

    def closed(self, n):
        """X(N) and R(N) (seconds) for N clients without think time: exact
        MVA, the CPU demand read at N."""
        sol = q.mva(self.stations(n), n)[-1]
        return sol["x"], sol["r"]

    def open(self, lam, p=0.99):
        """Mean and p-quantile (seconds) of the response time under Poisson
        arrivals at lam a second; inf at saturation."""
        ell = self.in_system(lam)
        if math.isinf(ell):
            return math.inf, math.inf
        st = self.stations(ell)
        mean = q.open_network(st, lam)["r"]
        if math.isinf(mean):
            return math.inf, math.inf
        return mean, q.network_percentile(st, lam, p)

    def stretch(self, lam):
        """How much longer than its demand a request spends at the cores
        at lam: their residence over their demand (the factor a worker
        thread's time is stretched by while it waits for a core)."""
        ell = self.in_system(lam)
        st = self.stations(ell)
        return q.open_network(st, lam)["residence"][0] / st[0].d()

    def with_threads(self, threads, own, cap):
        """Throughput when a service has `threads` worker threads, each held
        for the service's own CPU time per request (`own`, seconds)
        stretched by the wait for a core at that throughput (a layered
        queue, by the method of surrogate delays): the x with
        x = threads / (own stretch(x)), by bisection, at most `cap` (the
        network's throughput without that limit)."""
        def bound(x):
            return threads / (own * self.stretch(x))
        if own <= 0 or bound(cap * 0.999) >= cap:
            return cap
        lo, hi = 0.0, cap * 0.999
        for _ in range(60):
            mid = (lo + hi) / 2
            if bound(mid) >= mid:
                lo = mid
            else:
                hi = mid
        return lo

    def busiest(self, lam):
        """The station with the highest utilisation at lam, and it."""
        st = self.stations(self.in_system(lam))
        util = q.open_network(st, lam)["utilisation"]
        k = max((i for i, s in enumerate(st) if s.kind != q.DELAY), key=lambda i: util[i])
        return st[k].name, util[k]

    def rate_for_p99(self, p99):
        """The highest Poisson rate whose predicted p99 stays within p99
        seconds (0 when even a light load misses it), by bisection."""
        lo, hi = 0.0, self.peak()[0]
        if self.open(hi * 1e-3)[1] > p99:
            return 0.0
        for _ in range(50):
            mid = (lo + hi) / 2
            if self.open(mid)[1] <= p99:
                lo = mid
            else:
                hi = mid
        return lo


def size(model, target_rps, target_p99, service_time, headroom=0.8):
    """A deployment for target_rps at p99 <= target_p99 (seconds): hosts
    like the calibrated one, each at the rate whose predicted p99 stays
    within the target and at most `headroom` of its predicted peak (the
    peak itself is a prediction, off by its error); worker threads per
    service: the fewest that a request finds all busy less than 1 % of the
    time (Erlang C, the threads' offered load being the rate times the
    service's own time per request stretched by the wait for a core).
    Returns a dict: hosts, per_host, threads, saturates (the station
    busiest at per_host) and its utilisation; None when no rate meets the
    target."""
    per_host = min(model.rate_for_p99(target_p99), headroom * model.peak()[0])
    if per_host <= 0:
        return None
    hosts = math.ceil(target_rps / per_host)
    offered = per_host * service_time * model.stretch(per_host)
    threads = 1
    while threads < 64 and (offered >= threads or erlang_c(threads, offered) >= 0.01):
        threads += 1
    name, util = model.busiest(per_host)
    return {"hosts": hosts, "per_host": per_host, "threads": threads,
            "saturates": name, "utilisation": util}
