"""bench/queueing.py: the queueing-network solver of bench/capacity, pure and
unit-tested (tests/capacity/check_queueing.py), standard library only.

It owns the mathematics of a network of stations: exact and approximate
Mean Value Analysis for closed loads (N clients, each thinking Z seconds
between its answer and its next request), the open network under a Poisson
arrival rate, the latency distribution and its percentiles under an open
load, and the bounds the solutions must respect. It knows nothing of
microshop: which stations there are and what they demand is the caller's.

Stations
--------
A station has a name, a kind and a service demand D: the seconds of service
one request needs there in all (visits x service time per visit).

- "queueing": one server, processor sharing or FCFS with exponential
  service (a disk, SQLite's one writer, one core).
- "delay": infinite servers, no waiting (the client's think time, a network
  hop): its residence time is D whatever the load.
- "multi": c servers (processor sharing over 2 cores: c = 2), a load-
  dependent station whose service rate with j requests present is
  alpha(j) / D-per-request, alpha(j) = min(j, c).

For several classes (the 90/10 mix of reads and writes), D is a sequence
with one demand per class.

Closed network, exact MVA (Reiser and Lavenberg, 1980; Lazowska et al.,
"Quantitative System Performance", 1984, ch. 6 and, for load-dependent
stations, ch. 8). By the arrival theorem a request arriving at station k
with n clients in the network sees it as the network with n - 1 clients
does in equilibrium. For n = 1 .. N:

    queueing:  R_k(n) = D_k * (1 + Q_k(n - 1))
    delay:     R_k(n) = D_k
    multi:     R_k(n) = sum_{j=1..n} j * D_k / alpha_k(j) * p_k(j - 1 | n - 1)

    X(n)   = n / (Z + sum_k R_k(n))        (Little's law on the whole loop)
    Q_k(n) = X(n) * R_k(n)                 (Little's law at station k)
    U_k(n) = X(n) * D_k / c_k              (utilisation of each server)

with the marginal probabilities of the load-dependent station

    p_k(j | n) = X(n) * D_k / alpha_k(j) * p_k(j - 1 | n - 1),  j = 1 .. n
    p_k(0 | n) = p_k(0 | n - 1) * X(n) / X_-k(n),   p_k(0 | 0) = 1,

X_-k the throughput of the same network without station k. The textbook
p_k(0 | n) = 1 - sum_{j>=1} p_k(j | n) is a difference of numbers close to
1 and loses its digits once a load-dependent station is not the bottleneck
(a pool of 6 workers beside a busier disk came out above the bound 1 /
D_max at N = 100); the product form gives p_k(0 | n) = G_-k(n) / G(n) and
X(n) = G(n - 1) / G(n), hence the product above, which has no subtraction.
It costs one more MVA per load-dependent station (recursively: fine for
the few of a real network). R(n) = sum_k R_k(n) is the response time,
without Z.

Multi-class exact MVA (Lazowska et al., ch. 7 and 8): the populations are a
vector n = (n_1 .. n_C); for each vector in increasing order and each class c
with n_c > 0, with n - e_c the vector with one class-c client fewer:

    queueing:  R_ck(n) = D_ck * (1 + sum_d Q_dk(n - e_c))
    delay:     R_ck(n) = D_ck
    multi:     R_ck(n) = sum_j j * D_ck / alpha_k(j) * p_k(j - 1 | n - e_c)
    X_c(n)     = n_c / (Z_c + sum_k R_ck(n)),   Q_ck(n) = X_c(n) R_ck(n)
    p_k(j | n) = sum_c X_c(n) D_ck / alpha_k(j) * p_k(j - 1 | n - e_c)
    p_k(0 | n) = p_k(0 | n - e_c) * X_c(n) / X_c,-k(n)   (any c with n_c > 0)

Approximate MVA (Schweitzer, 1979; Bard, 1979): instead of the recursion
over n, the queue a request finds is estimated from the solution at N
itself, Q_k(N - 1) ~ (N - 1) / N * Q_k(N) (with classes: Q_k(N - e_c) ~
Q_k(N) - Q_ck(N) / N_c), and the equations above are iterated to a fixed
point. Its cost does not grow with N; its error is a
few per cent, largest at moderate N. A multi-server station is replaced
there by Seidmann's approximation (Seidmann et al., 1987): a queueing
station of demand D / c in series with a delay of D * (c - 1) / c.

Open network (Jackson; BCMP for processor sharing), arrival rate lambda,
U_k = lambda * D_k, stable while U_k < c_k at every station:

    delay:     R_k = D_k
    queueing:  R_k = D_k / (1 - U_k)                           (M/M/1)
    multi:     R_k = D_k + C(c_k, U_k) * D_k / (c_k - U_k)     (M/M/c, Erlang C)
    R = sum_k R_k;   lambda_max = min_k c_k / D_k, reached first at the
    station with the largest D_k / c_k (the saturating station).

With several classes each class has its arrival rate; a station's load is
the sum over classes and each class's residence there is its own demand
times the station's factor R_k / D_k at that load (exact for processor
sharing, whose queue is symmetric; for FCFS only when demands are equal).

Latency distribution (open load, FCFS, exponential service, one visit per
request to each station: the visits of a station are lumped into one of
mean D):

    M/M/1:   P(T > t) = exp(-t / R), so the p-quantile is -R ln(1 - p).
    M/M/c:   the wait W is 0 with probability 1 - C and otherwise
             exponential with rate theta = c mu - lambda (mu = 1 / D); the
             response T = W + S with S exponential of rate mu:
             P(T > t) = (1 - C) e^(-mu t)
                        + C (theta e^(-mu t) - mu e^(-theta t)) / (theta - mu)
             (theta != mu; when theta = mu the last term is
             C e^(-mu t) (1 + mu t)). Its p-quantile by bisection.
    delay:   exponential with mean D (an assumption: a think time or a hop).

Network percentile: the sum of the stations' response times, taken as
independent. That is exact for a tandem of single-server FCFS stations
visited once each (Reich; Burke's output theorem) and an approximation
otherwise (a station visited several times, overtaking through a multi-
server station). The distribution of the sum is obtained by inverting the
product of the stations' Laplace transforms,

    M/M/1: theta / (theta + s)     delay: 1 / (1 + D s)
    M/M/c: (1 - C) mu / (mu + s) + C theta / (theta + s) * mu / (mu + s),

with the Euler algorithm of Abate and Whitt (2006; about 8 significant
digits in double precision), and its p-quantile by bisection. A mix of
classes that take different routes (reads that never reach the writer,
writes that do) has each class's own sum, each station's transform at
that station's own arrival rate (lambda times the share of the requests
that visit it), and P(T > t) = sum over classes of share_c P(T_c > t).

Bounds (Lazowska et al., ch. 5; Jain, "The Art of Computer Systems
Performance Analysis", 1991, section 33.6 and 34.4), with D = sum of the
demands and D_max = the largest D_k / c_k:

    asymptotic:  N / (N * D + Z) <= X(N) <= min(N / (D + Z), 1 / D_max)
                 max(D, N * D_max - Z) <= R(N)
    balanced job bounds (queueing stations and a think time only; M of
    them, D_avg = D / M):
      N / (D + Z + (N - 1) D_max / (1 + Z / (N D)))
          <= X(N) <= min(1 / D_max, N / (D + Z + (N - 1) D_avg / (1 + Z / D)))

What is exact and what is not: exact MVA, single and multi-class, is exact
for product-form (separable) networks: exponential FCFS stations with one
service rate for all classes, processor-sharing and delay stations of any
service distribution, load-dependent rates. The open network's means are
exact for the same networks under Poisson arrivals (with classes, for a
processor-sharing station: a load-dependent PS station of BCMP, whose
class-c mean queue is the a_c / a share of the total). The M/M/1 and M/M/c
FCFS latency distributions are exact. Approximate: Schweitzer MVA, single
and multi-class (a few per cent on X; worst near the knee and for a class
of few clients, where R can be 10 % off), Seidmann's multi-server stations
within it, the open multi-class FCFS residence with unequal demands, the
exponential delay, the single-visit lumping of a station's visits and the
independence of stations in the network percentile (of each class's route).
Real stations (nginx, a worker pool, fsync batches) are none of these
exactly; the model's report judges how close they come.
"""

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from capacity_model import erlang_c  # noqa: E402

QUEUEING = "queueing"
DELAY = "delay"
MULTI = "multi"
KINDS = (QUEUEING, DELAY, MULTI)


class Station:
    """A station of the network. demand: seconds per request (a number, or
    one per class); servers: c for a "multi" station (1 otherwise)."""

    def __init__(self, name, demand, kind=QUEUEING, servers=1):
        if kind not in KINDS:
            raise ValueError("station %s: unknown kind %r" % (name, kind))
        if int(servers) != servers or servers < 1:
            raise ValueError("station %s: servers must be a whole number >= 1" % name)
        demands = demand if isinstance(demand, (list, tuple)) else (demand,)
        if any(d < 0 for d in demands):
            raise ValueError("station %s: a demand below 0" % name)
        self.name = name
        self.demand = demand
        self.kind = kind
        self.servers = int(servers) if kind == MULTI else 1

    def d(self, cls=0):
        """The demand of class cls (a single-class station: its demand)."""
        if isinstance(self.demand, (list, tuple)):
            return self.demand[cls]
        return self.demand

    def alpha(self, j):
        """The service rate multiplier with j requests present."""
        return min(j, self.servers) if self.kind == MULTI else 1

    def __repr__(self):
        return "Station(%r, %r, %r, %r)" % (self.name, self.demand, self.kind, self.servers)


# Closed networks, exact MVA ----------------------------------------------

def mva(stations, n_max, think=0.0):
    """Exact single-class MVA for N = 1 .. n_max clients, each thinking
    `think` seconds between requests. Returns a list, index N - 1, of dicts:
    n, x (requests/s), r (response time, s, without the think time), and
    per station (lists in the order of `stations`) residence, queue,
    utilisation, and marginals (p(j | n), j = 0 .. n, at a multi-server
    station; None at the others)."""
    k = len(stations)
    # X(n) of the network without each multi-server station: p(0 | n).
    without = [_throughputs(stations[:i] + stations[i + 1:], n_max, think)
               if s.kind == MULTI else None for i, s in enumerate(stations)]
    queue = [0.0] * k
    probs = [[1.0] if s.kind == MULTI else None for s in stations]
    out = []
    for n in range(1, n_max + 1):
        res = []
        for i, s in enumerate(stations):
            if s.kind == DELAY:
                res.append(s.d())
            elif s.kind == QUEUEING:
                res.append(s.d() * (1.0 + queue[i]))
            else:
                p = probs[i]
                res.append(sum(j * s.d() / s.alpha(j) * p[j - 1] for j in range(1, n + 1)))
        r = sum(res)
        x = n / (think + r) if think + r > 0 else math.inf
        queue = [x * ri for ri in res]
        for i, s in enumerate(stations):
            if s.kind == MULTI:
                prev = probs[i]
                p = [prev[0] * _ratio(x, without[i][n - 1])]
                p += [x * s.d() / s.alpha(j) * prev[j - 1] for j in range(1, n + 1)]
                probs[i] = p
        out.append({"n": n, "x": x, "r": r, "residence": res, "queue": queue,
                    "utilisation": [x * s.d() / s.servers for s in stations],
                    "marginals": [list(p) if p is not None else None for p in probs]})
    return out


def _throughputs(stations, n_max, think):
    """X(1) .. X(n_max) of a network (inf when it has neither a station
    with a demand nor a think time: nothing holds a client back)."""
    if not stations and think <= 0:
        return [math.inf] * n_max
    return [e["x"] for e in mva(stations, n_max, think)]


def _ratio(x, x_without):
    # p(0 | n) = p(0 | n - 1) * X(n) / X_without(n); 0 when the network
    # without the station cannot hold a client (X_without infinite).
    return 0.0 if math.isinf(x_without) else x / x_without


def mva_multiclass(stations, populations, think=None):
    """Exact multi-class MVA at the population vector `populations` (one
    count per class; each station's demand one per class), with think
    times `think` (one per class, 0 when None). Returns a dict: x (per
    class), r (per class), residence[c][k], queue[k] (all classes),
    utilisation[k] (per server), marginals[k] (p(j | N) at a multi-server
    station, None at the others)."""
    think = list(think) if think is not None else [0.0] * len(populations)
    return _multiclass(stations, tuple(populations), think)[tuple(populations)]


def _multiclass(stations, populations, think):
    """The multi-class solution at every vector 0 < n <= populations, as a
    dict. Vectors are visited in lexicographic order, so every n - e_c is
    solved before n."""
    nc = len(populations)
    k = len(stations)
    without = [_multiclass(stations[:i] + stations[i + 1:], populations, think)
               if s.kind == MULTI and (len(stations) > 1 or any(z > 0 for z in think)) else None
               for i, s in enumerate(stations)]
    zero = tuple([0] * nc)
    sol = {zero: {"x": [0.0] * nc, "queue": [0.0] * k,
                  "marginals": [[1.0] if s.kind == MULTI else None for s in stations]}}
    for vec in _vectors(populations):
        if vec == zero:
            continue
        x = [0.0] * nc
        res = [[0.0] * k for _ in range(nc)]
        for c in range(nc):
            if vec[c] == 0:
                continue
            less = sol[_minus(vec, c)]
            for i, s in enumerate(stations):
                dc = s.d(c)
                if s.kind == DELAY:
                    res[c][i] = dc
                elif s.kind == QUEUEING:
                    res[c][i] = dc * (1.0 + less["queue"][i])
                else:
                    p = less["marginals"][i]
                    res[c][i] = sum(j * dc / s.alpha(j) * p[j - 1]
                                    for j in range(1, len(p) + 1))
            total = think[c] + sum(res[c])
            x[c] = vec[c] / total if total > 0 else math.inf
        marginals = []
        for i, s in enumerate(stations):
            if s.kind != MULTI:
                marginals.append(None)
                continue
            # Any class present gives p(0 | n); the first will do.
            c = next(c for c in range(nc) if vec[c] > 0)
            x_without = without[i][vec]["x"][c] if without[i] is not None else math.inf
            p = [sol[_minus(vec, c)]["marginals"][i][0] * _ratio(x[c], x_without)]
            for j in range(1, sum(vec) + 1):
                p.append(sum(x[d] * s.d(d) / s.alpha(j) * _at(sol[_minus(vec, d)]["marginals"][i], j - 1)
                             for d in range(nc) if vec[d] > 0))
            marginals.append(p)
        sol[vec] = {"x": x, "r": [sum(res[c]) for c in range(nc)], "residence": res,
                    "queue": [sum(x[c] * res[c][i] for c in range(nc)) for i in range(k)],
                    "utilisation": [sum(x[c] * s.d(c) for c in range(nc)) / s.servers
                                    for s in stations],
                    "marginals": marginals}
    return sol


def _minus(vec, c):
    return vec[:c] + (vec[c] - 1,) + vec[c + 1:]


def _at(p, j):
    return p[j] if j < len(p) else 0.0


def _vectors(populations):
    """Every vector 0 <= n <= populations, in lexicographic order."""
    vecs = [()]
    for top in populations:
        vecs = [v + (m,) for v in vecs for m in range(top + 1)]
    return vecs


# Closed networks, approximate MVA -----------------------------------------

def seidmann(stations):
    """The stations with each multi-server one replaced by Seidmann's pair:
    a queueing station of demand D / c and a delay of D (c - 1) / c."""
    out = []
    for s in stations:
        if s.kind != MULTI:
            out.append(s)
            continue
        c = s.servers
        out.append(Station(s.name, _scaled(s.demand, 1.0 / c), QUEUEING))
        out.append(Station(s.name + " (Seidmann delay)", _scaled(s.demand, (c - 1.0) / c), DELAY))
    return out


def _scaled(demand, f):
    if isinstance(demand, (list, tuple)):
        return tuple(d * f for d in demand)
    return demand * f


def schweitzer(stations, n, think=0.0, tolerance=1e-10, iterations=100000):
    """Approximate MVA (Schweitzer / Bard) at n clients: a dict like one
    entry of mva()'s list, with the stations after seidmann() (a multi-
    server station becomes two entries) and `iterations` used."""
    st = seidmann(stations)
    k = len(st)
    queueable = [s for s in st if s.kind == QUEUEING]
    queue = [n / len(queueable) if s.kind == QUEUEING else 0.0 for s in st]
    x = r = 0.0
    res = [0.0] * k
    for step in range(1, iterations + 1):
        res = [s.d() * (1.0 + (n - 1.0) / n * q) if s.kind == QUEUEING else s.d()
               for s, q in zip(st, queue)]
        r = sum(res)
        x = n / (think + r) if think + r > 0 else math.inf
        new = [x * ri for ri in res]
        change = max((abs(a - b) for a, b in zip(new, queue)), default=0.0)
        queue = new
        if change < tolerance * max(n, 1):
            break
    return {"n": n, "x": x, "r": r, "residence": res, "queue": queue,
            "utilisation": [x * s.d() for s in st], "stations": st, "iterations": step}


def schweitzer_multiclass(stations, populations, think=None, tolerance=1e-10,
                          iterations=100000):
    """Approximate multi-class MVA (Bard / Schweitzer): the queue a class-c
    request finds at k is estimated as Q_k(N) - Q_ck(N) / N_c, i.e.
    R_ck = D_ck (1 + Q_k - Q_ck / N_c) at a queueing station, iterated to a
    fixed point; multi-server stations by seidmann(). Returns a dict like
    mva_multiclass()'s (without marginals), stations and iterations."""
    nc = len(populations)
    think = list(think) if think is not None else [0.0] * nc
    st = seidmann(stations)
    k = len(st)
    nq = max(1, sum(1 for s in st if s.kind == QUEUEING))
    qc = [[populations[c] / nq if s.kind == QUEUEING else 0.0 for s in st] for c in range(nc)]
    x = [0.0] * nc
    res = [[0.0] * k for _ in range(nc)]
    for step in range(1, iterations + 1):
        total = [sum(qc[c][i] for c in range(nc)) for i in range(k)]
        for c in range(nc):
            if populations[c] == 0:
                continue
            for i, s in enumerate(st):
                seen = total[i] - qc[c][i] / populations[c]
                res[c][i] = s.d(c) * (1.0 + seen) if s.kind == QUEUEING else s.d(c)
            cycle = think[c] + sum(res[c])
            x[c] = populations[c] / cycle if cycle > 0 else math.inf
        new = [[x[c] * res[c][i] for i in range(k)] for c in range(nc)]
        change = max((abs(new[c][i] - qc[c][i]) for c in range(nc) for i in range(k)),
                     default=0.0)
        qc = new
        if change < tolerance * max(sum(populations), 1):
            break
    return {"x": x, "r": [sum(res[c]) for c in range(nc)], "residence": res,
            "queue": [sum(qc[c][i] for c in range(nc)) for i in range(k)],
            "utilisation": [sum(x[c] * s.d(c) for c in range(nc)) for s in st],
            "stations": st, "iterations": step}


# Open networks ----------------------------------------------------------

def _class_rates(rates):
    return list(rates) if isinstance(rates, (list, tuple)) else [rates]


def station_load(s, rates):
    """The offered load at s in Erlangs: sum over classes of lambda_c D_c."""
    return sum(lam * s.d(c) for c, lam in enumerate(_class_rates(rates)))


def station_factor(s, load):
    """R / D at a station under an offered load (Erlangs): 1 at a delay,
    1 / (1 - U) for M/M/1, 1 + C / (c - U) for M/M/c; inf at saturation."""
    if s.kind == DELAY:
        return 1.0
    if load >= s.servers:
        return math.inf
    if s.kind == QUEUEING:
        return 1.0 / (1.0 - load)
    return 1.0 + erlang_c(s.servers, load) / (s.servers - load)


def open_network(stations, rates):
    """The open network under Poisson arrivals: `rates` requests/s (or one
    rate per class, the demands then one per class). Returns a dict: r
    (mean response time per class, or the one mean), residence[k] (per class
    lists when several), utilisation[k] (per server), saturating (the station
    that saturates first), lambda_max (the total arrival rate, in the same
    mix, at which it does; inf without a queueing station)."""
    lams = _class_rates(rates)
    res = []
    util = []
    for s in stations:
        load = station_load(s, lams)
        f = station_factor(s, load)
        res.append([s.d(c) * f for c in range(len(lams))])
        util.append(load / s.servers)
    r = [sum(row[c] for row in res) for c in range(len(lams))]
    saturating, lam_max = saturation(stations, lams)
    single = not isinstance(rates, (list, tuple))
    return {"r": r[0] if single else r,
            "residence": [row[0] for row in res] if single else res,
            "utilisation": util, "saturating": saturating, "lambda_max": lam_max}


def saturation(stations, rates=1.0):
    """The station that saturates first and the total arrival rate at which
    it does, for the mix `rates` (only their proportions matter): c / D
    for a station of c servers; (None, inf) without a queueing station."""
    lams = _class_rates(rates)
    total = sum(lams)
    best, lam_max = None, math.inf
    for s in stations:
        if s.kind == DELAY:
            continue
        per_request = station_load(s, lams) / total  # mean demand of the mix
        if per_request <= 0:
            continue
        limit = s.servers / per_request
        if limit < lam_max:
            best, lam_max = s, limit
    return (best.name if best else None), lam_max


# Latency distribution --------------------------------------------------

def mmc_survival(c, mu, lam, t):
    """P(T > t) of the response time T of an M/M/c FCFS queue, servers of
    rate mu, arrivals at rate lam < c mu (the module's text)."""
    if lam >= c * mu:
        return 1.0
    if t <= 0:
        return 1.0
    wait = erlang_c(c, lam / mu)
    theta = c * mu - lam
    service = math.exp(-mu * t)
    if abs(theta - mu) < 1e-12 * mu:
        tail = math.exp(-mu * t) * (1 + mu * t)
    else:
        tail = (theta * math.exp(-mu * t) - mu * math.exp(-theta * t)) / (theta - mu)
    return (1 - wait) * service + wait * tail


def _quantile(survival, p, mean):
    """The t with survival(t) = 1 - p, by bisection (survival decreasing)."""
    target = 1.0 - p
    lo, hi = 0.0, max(mean, 1e-300)
    while survival(hi) > target:
        lo, hi = hi, hi * 2
        if hi > 1e300:
            return math.inf
    for _ in range(200):
        mid = (lo + hi) / 2
        if survival(mid) > target:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * hi:
            break
    return (lo + hi) / 2


def mm1_percentile(demand, lam, p):
    """The p-quantile of an M/M/1 FCFS response time (exponential, mean
    R = D / (1 - U)); inf at saturation."""
    u = lam * demand
    if u >= 1:
        return math.inf
    return -demand / (1 - u) * math.log(1 - p)


def mmc_percentile(c, demand, lam, p):
    """The p-quantile of an M/M/c FCFS response time (mu = 1 / demand), by
    bisection on mmc_survival; inf at saturation."""
    mu = 1.0 / demand
    if lam >= c * mu:
        return math.inf
    mean = demand + erlang_c(c, lam * demand) / (c * mu - lam)
    return _quantile(lambda t: mmc_survival(c, mu, lam, t), p, mean)


def station_transform(s, lam, z):
    """The Laplace transform at z of the response time at s (the module's
    text), for total arrival rate lam; a single-class station."""
    d = s.d()
    if d <= 0:
        return 1.0
    if s.kind == DELAY:
        return 1.0 / (1.0 + d * z)
    mu = 1.0 / d
    theta = s.servers * mu - lam
    if s.kind == QUEUEING:
        return theta / (theta + z)
    wait = erlang_c(s.servers, lam * d)
    return (1 - wait) * mu / (mu + z) + wait * theta / (theta + z) * mu / (mu + z)


def _euler_coefficients(m):
    # Abate and Whitt (2006), the Euler algorithm: eta_k and beta_k.
    xi = [0.5] + [1.0] * m + [0.0] * m
    xi[2 * m] = 2.0 ** -m
    for k in range(1, m):
        xi[2 * m - k] = xi[2 * m - k + 1] + 2.0 ** -m * math.comb(m, k)
    eta = [(-1) ** k * xi[k] for k in range(2 * m + 1)]
    beta = [m * math.log(10) / 3 + 1j * math.pi * k for k in range(2 * m + 1)]
    return eta, beta


_EULER = _euler_coefficients(18)


def invert_laplace(transform, t):
    """f(t) from its Laplace transform (a function of a complex z), by the
    Euler algorithm; about 8 significant digits for smooth f."""
    eta, beta = _EULER
    m = (len(eta) - 1) // 2
    total = sum(e * transform(b / t).real for e, b in zip(eta, beta))
    return 10 ** (m / 3) / t * total


def routed_survival(route, t):
    """P(T > t) for a request whose route is `route`, pairs (station, the
    arrival rate at that station): the sum of the stations' response
    times, taken as independent (the module's text); 1 at saturation."""
    if t <= 0:
        return 1.0
    if any(s.kind != DELAY and lam * s.d() >= s.servers for s, lam in route):
        return 1.0

    def transform(z):
        prod = complex(1.0)
        for s, lam in route:
            prod *= station_transform(s, lam, z)
        return (1 - prod) / z

    return min(1.0, max(0.0, invert_laplace(transform, t)))


def network_survival(stations, lam, t):
    """P(T > t) for the network's response time, every request visiting
    every station; 1 at saturation."""
    return routed_survival([(s, lam) for s in stations], t)


def network_percentile(stations, lam, p):
    """The p-quantile of the network's response time (independent
    stations); inf at saturation."""
    net = open_network(stations, lam)
    if math.isinf(net["r"]):
        return math.inf
    return _quantile(lambda t: network_survival(stations, lam, t), p, net["r"])


def mixture_percentile(classes, p, mean):
    """The p-quantile of the response time of a mix of classes, each a
    pair (share of the requests, route as routed_survival takes it):
    P(T > t) = sum of share_c P(T_c > t); mean, the mix's mean, starts the
    search. inf at saturation."""
    return _quantile(lambda t: sum(w * routed_survival(r, t) for w, r in classes), p, mean)


# Bounds ----------------------------------------------------------------

def _bound_demands(stations):
    total = sum(s.d() for s in stations)
    d_max = max((s.d() / s.servers for s in stations if s.kind != DELAY), default=0.0)
    return total, d_max


def asymptotic_bounds(stations, n, think=0.0):
    """Asymptotic bounds at n clients: (x_low, x_high, r_low). The pessimistic
    x_low has every request queue behind all others."""
    total, d_max = _bound_demands(stations)
    x_high = n / (total + think)
    if d_max > 0:
        x_high = min(x_high, 1.0 / d_max)
    x_low = n / (n * total + think)
    r_low = max(total, n * d_max - think)
    return x_low, x_high, r_low


def balanced_job_bounds(stations, n, think=0.0):
    """Balanced job bounds at n clients (queueing stations only, and the
    think time): (x_low, x_high)."""
    if any(s.kind != QUEUEING for s in stations):
        raise ValueError("balanced job bounds: queueing stations only")
    total, d_max = _bound_demands(stations)
    d_avg = total / len(stations)
    x_low = n / (total + think + (n - 1) * d_max / (1 + think / (n * total)))
    x_high = min(1.0 / d_max, n / (total + think + (n - 1) * d_avg / (1 + think / total)))
    return x_low, x_high


__all__ = ["Station", "QUEUEING", "DELAY", "MULTI", "mva", "mva_multiclass", "seidmann",
           "schweitzer", "schweitzer_multiclass", "open_network", "saturation",
           "station_factor", "station_load", "mmc_survival", "mm1_percentile",
           "mmc_percentile", "network_survival", "routed_survival", "network_percentile",
           "mixture_percentile", "invert_laplace", "asymptotic_bounds", "balanced_job_bounds"]
