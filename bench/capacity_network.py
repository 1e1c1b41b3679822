"""bench/capacity_network.py: microshop as a queueing network, for
bench/capacity_report. It turns what the calibration runs measured into the
stations of bench/queueing.py and answers with them: throughput and latency
under a closed load of N clients, mean and p99 under an open (Poisson) load,
the peak, the station that saturates first, and a deployment's size.

The stations of one workload (docs/capacity.md writes out the equations):

- cores: the machine's c cores, shared by the client, nginx and both
  services, a "multi" station of c servers (processor sharing). Its demand
  is the machine's busy CPU time per request (every process, the kernel's
  interrupts too) less the writer's part. The demand falls as the load
  grows (each wake-up of a process finds more work: fewer wake-ups and
  context switches per request), so it is measured: for a closed loop
  with 1, 4 and 16 clients, read off that curve (linear in log N,
  constant beyond its ends); for an open loop at two low arrival rates
  and past saturation, the busy time per second they imply (lambda D)
  read linearly in the rate between them, the saturated point placed at
  the rate where its demand fills the cores.
- writer: SQLite's one writer, where the writes of the order service queue
  (the group commit's lock is held from a write's BEGIN to its end): one
  server, demand = writes per request x the order service's CPU time per
  write, stretched by the cores' residence factor (the lock's holder waits
  for a core like everyone else: a layered queue, solved by the method of
  surrogate delays).
- fsync: the disk's durable write. With group commit a write waits for one
  fsync, its batch's, which the others in the batch share: a delay of
  writes per request x one fsync's time (bench/fsync-rate), not a queue.
- path: the rest of a request's time alone, the wake-ups and the hops
  between processes that no CPU counter holds: a delay, the measured mean
  less every other station's residence, at N = 1 for closed loops and at
  the lowest open calibration rate for open ones (a request arriving at an
  idle machine wakes every process on its way; one of N = 1's finds them
  warm).

A mix of reads and writes (the 90/10 mix) is two classes in the open
loop's latency: only its writes visit the writer and the fsync, with a
path of their own (POST /order's: the order service's wake-ups around a
batch), so its tail is the writes' while its mean is the stations' sum
as above (routes()).

Standard library only; unit-tested by tests/capacity/check_capacity_network.py."""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import queueing as q  # noqa: E402
from capacity_model import erlang_c  # noqa: E402


def demand_at(curve, n):
    """The CPU demand per request with n clients: linear in log n between
    the calibration points (n, d), constant beyond the first and the last."""
    return linear([(math.log(max(k, 1.0)), d) for k, d in curve], math.log(max(n, 1.0)))


def linear(points, x):
    """y at x, linear between the points (x, y), constant beyond the first
    and the last."""
    pts = sorted(points)
    if x <= pts[0][0]:
        return pts[0][1]
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0) if x1 > x0 else y1
    return pts[-1][1]


def fixed_stretch(solve):
    """The solution of a layered queue at its fixed point f = solve(f)[1]:
    solve(f) solves the closed network with a software station's time (the
    writer's, the threads') stretched by f and gives back the solution and
    the cores' residence over their demand. A larger f slows that station,
    which leaves fewer requests at the cores, so the factor falls as f
    grows: the root lies between 1 and the factor at 1, found by
    bisection."""
    sol, hi = solve(1.0)
    lo = 1.0
    for _ in range(30):
        if hi - lo < 1e-4 * lo:
            break
        mid = (lo + hi) / 2
        sol, f = solve(mid)
        if f > mid:
            lo = mid
        else:
            hi = mid
    return sol


class Model:
    """One workload's network. closed_curve: (clients N, CPU seconds per
    request) points of the closed calibration runs; cores; writes: writes
    per request; write_cpu: the writer's seconds per write; fsync: seconds
    per fsync; path: the delay of a closed loop, seconds. open_curve:
    (arrival rate, CPU seconds per request) points of the open calibration
    runs, the last the demand at saturation, placed at the rate where it
    fills the cores; open_path: (arrival rate, delay) points (a request
    arriving at an idle machine wakes every process on its way, fewer as
    the rate grows). Without them the open loop has the closed curve's
    most loaded demand. write_share: for a mix of reads and writes, the
    share of its requests that write (None: every request is alike);
    write_path: the (arrival rate, delay) points of the writing
    workload's own open path (routes())."""

    def __init__(self, closed_curve, cores, writes=0.0, write_cpu=0.0, fsync=0.0, path=0.0,
                 open_curve=None, open_path=None, write_share=None, write_path=None):
        if not closed_curve:
            raise ValueError("a model needs at least one calibration point")
        self.curve, self.cores = sorted(closed_curve), cores
        self.writes, self.write_cpu, self.fsync, self.path = writes, write_cpu, fsync, path
        d_top = self.curve[-1][1]
        self.open_curve = sorted(open_curve) if open_curve else [(cores / d_top, d_top)]
        self.open_path = open_path if open_path else [(0.0, path)]
        self.write_share, self.write_path = write_share, write_path

    def stations(self, d, path, stretch=1.0):
        """The stations for a CPU demand d per request (all of it on the
        cores but the writer's part), the writer's time stretched by the
        cores' residence factor (it holds SQLite's lock while it waits for
        a core), and the path's delay."""
        writer = self.writes * self.write_cpu
        out = [q.Station("cores", max(d - writer, 1e-9), q.MULTI, self.cores)]
        if writer > 0:
            out.append(q.Station("writer", writer * stretch))
        if self.writes * self.fsync > 0:
            out.append(q.Station("fsync", self.writes * self.fsync, q.DELAY))
        if path > 0:
            out.append(q.Station("path", path, q.DELAY))
        return out

    def open_demand(self, lam):
        """The CPU seconds per request at arrival rate lam: the cores' busy
        time per second, U = lam D, linear in lam between the open
        calibration points (the utilisation law's line, piece by piece;
        it reaches c at the saturated point and no sooner, where a
        demand read linearly could cross c before it), over lam; below
        the first point, its demand."""
        first = self.open_curve[0]
        if lam <= first[0]:
            return first[1]
        return linear([(x, x * d) for x, d in self.open_curve], lam) / lam

    def cores_factor(self, lam, d):
        """The cores' residence over demand at rate lam with every CPU
        second on them (the writer's too): M/M/c's 1 + C / (c - a)."""
        return q.station_factor(q.Station("cores", d, q.MULTI, self.cores), lam * d)

    def open_stations(self, lam):
        d = self.open_demand(lam)
        return self.stations(d, linear(self.open_path, lam), self.cores_factor(lam, d))

    def peak(self):
        """The highest rate of an open load (requests/s) and the station
        that limits it: the cores at the demand of saturation, or the
        writer, whose stretched time saturates it first."""
        cores = self.cores / self.open_curve[-1][1]
        writer = self.writes * self.write_cpu
        if writer <= 0:
            return cores, "cores"
        lo, hi = 0.0, cores
        if hi * writer * self.cores_factor(hi * (1 - 1e-9), self.open_demand(hi)) < 1:
            return cores, "cores"
        for _ in range(60):
            mid = (lo + hi) / 2
            if mid * writer * self.cores_factor(mid, self.open_demand(mid)) < 1:
                lo = mid
            else:
                hi = mid
        return lo, "writer"

    def closed(self, n):
        """X(N) and R(N) (seconds) for N clients without think time: exact
        MVA with the CPU demand read at N, the writer stretched by the
        cores' residence factor of the solution itself (fixed_stretch())."""
        d = demand_at(self.curve, n)

        def solve(stretch):
            st = self.stations(d, self.path, stretch)
            sol = q.mva(st, n)[-1]
            return sol, sol["residence"][0] / st[0].d()

        sol = fixed_stretch(solve) if self.writes * self.write_cpu > 0 else solve(1.0)[0]
        return sol["x"], sol["r"]

    def routes(self, lam):
        """The classes of an open load at lam, each (share of the requests,
        route) as bench/queueing.py's mixture_percentile takes them. A
        workload whose requests are alike is one class through every
        station. A mix whose write_share of requests write is two: its
        writes visit the writer and the fsync, each visit the station's
        demand per request over the share, at lam times the share; its
        reads do not. Their paths differ too: a write's is the writing
        workload's own open path at that rate (at most the mix's over the
        share), a read's what is left of the mix's, so that the mix's mean
        path stays the one measured."""
        st = self.open_stations(lam)
        w = self.write_share
        if w is None or not 0 < w < 1 or not any(s.name == "writer" for s in st):
            return [(1.0, [(s, lam) for s in st])]
        path = linear(self.open_path, lam)
        own = min(linear(self.write_path, lam * w), path / w) if self.write_path else path
        reads, writes = [], []
        for s in st:
            if s.name in ("writer", "fsync"):
                writes.append((q.Station(s.name, s.d() / w, s.kind, s.servers), lam * w))
            elif s.name == "path":
                reads.append((q.Station("path", (path - w * own) / (1 - w), q.DELAY), lam))
                writes.append((q.Station("path", own, q.DELAY), lam))
            else:
                reads.append((s, lam))
                writes.append((s, lam))
        return [(1 - w, reads), (w, writes)]

    def open(self, lam, p=0.99):
        """Mean and p-quantile (seconds) of the response time under Poisson
        arrivals at lam a second; inf at saturation."""
        if lam >= self.peak()[0]:
            return math.inf, math.inf
        mean = q.open_network(self.open_stations(lam), lam)["r"]
        if math.isinf(mean):
            return math.inf, math.inf
        return mean, q.mixture_percentile(self.routes(lam), p, mean)

    def stretch(self, lam):
        """How much longer than its demand a request spends at the cores
        at lam (the factor a worker thread's time is stretched by while it
        waits for a core)."""
        return self.cores_factor(lam, self.open_demand(lam))

    def with_threads(self, threads, own, n=64):
        """X(N) when a service has `threads` worker threads (GET /user/{id}'s
        user service), by the method of surrogate delays: the threads are a
        station of `threads` servers, each holding a request for the
        service's own CPU time `own` stretched by the cores' residence
        factor f; the cores keep the whole demand (the threads' CPU time
        is spent there: counted twice in the response time, a few tens of
        microseconds against milliseconds at N = 64, but once in the cores'
        load, which is what bounds them). With few threads the requests
        queue for a thread, not for a core, so the cores are less contended
        and f smaller: f is the fixed point of the closed solution, found
        by fixed_stretch()."""
        d = demand_at(self.curve, n)
        rest = d

        def solve(f):
            st = [q.Station("cores", rest, q.MULTI, self.cores),
                  q.Station("threads", own * f, q.MULTI, threads)]
            if self.path > 0:
                st.append(q.Station("path", self.path, q.DELAY))
            sol = q.mva(st, n)[-1]
            return sol, sol["residence"][0] / rest

        return fixed_stretch(solve)["x"]

    def busiest(self, lam):
        """The station the most utilised at lam, and its utilisation: the
        cores (every CPU second) or the writer (its stretched time)."""
        d = self.open_demand(lam)
        util = {"cores": lam * d / self.cores}
        if self.writes * self.write_cpu > 0:
            util["writer"] = lam * self.writes * self.write_cpu * self.cores_factor(lam, d)
        name = max(util, key=util.get)
        return name, util[name]

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


def hosts_closed(n, hosts, front, front_share, service, share, path=0.0):
    """X(N) and R(N) of GET /user/{id} spread over `hosts` service hosts
    (bench/hosts), N clients without think time. The front host (nginx and
    the load generator) has front_share cores and a demand of `front` CPU
    seconds per request; each service host has `share` cores and gets
    1/hosts of the requests, each `service` CPU seconds. A host bounded to
    s cores is one server of speed s: its demand is the CPU time over s
    (the CPU quota caps the sum of its processes' time, not the number
    that run at once)."""
    st = [q.Station("front", front / front_share)]
    st += [q.Station("host%d" % (i + 1), service / (share * hosts)) for i in range(hosts)]
    if path > 0:
        st.append(q.Station("path", path, q.DELAY))
    sol = q.mva(st, n)[-1]
    return sol["x"], sol["r"]
