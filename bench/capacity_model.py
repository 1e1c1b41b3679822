"""bench/capacity_model.py: the mathematics of bench/capacity, pure and
unit-tested (tests/capacity/check_capacity_model.py), standard library only.

Gunther's Universal Scalability Law gives throughput at concurrency N:

    X(N) = lambda * N / (1 + sigma * (N - 1) + kappa * N * (N - 1))

lambda is the throughput of one client alone, sigma the share of the work
that is serialised (contention), kappa the cost of keeping N clients
coherent with each other (crosstalk). Throughput peaks at
N* = sqrt((1 - sigma) / kappa).

The fit. Dividing N by X(N) gives a quadratic in N that is linear in its
coefficients:

    N / X(N) = a + b * (N - 1) + c * N * (N - 1),
    a = 1 / lambda,  b = sigma / lambda,  c = kappa / lambda,

so ordinary least squares on y = N / X over the basis (1, N - 1, N(N - 1))
gives a, b, c by solving the normal equations, and from them lambda, sigma
and kappa. That is the linearised fit Gunther describes; it weighs
the points by 1 / X^2 rather than equally, so it is then refined by
Gauss-Newton steps on the residuals of X itself (least squares in the
measured unit), from the linear fit's start, keeping a step only when it
lowers the squared error. sigma and kappa are kept at 0 or above: a
negative value has no physical meaning and means the points do not
determine it (it is then 0 and reported so). fit_best then keeps kappa only
when Akaike's criterion (AICc, corrected for few points) says the third
parameter explains more than it costs; otherwise the curve is Amdahl's law
(kappa = 0).

Little's law checks a closed-loop measurement: the clients N equal the
throughput X times the mean time in the system R (N = X * R), whatever
the distributions. bench/capacity reports the largest relative deviation.

The queueing view: an M/M/c queue of c workers, each serving at rate mu
(1 / the single-request service time), under Poisson arrivals at rate
lambda_a < c * mu, has a mean response time R = 1 / mu + Wq with Wq from
Erlang's C formula.
"""

import math


def usl_throughput(n, lam, sigma, kappa):
    """X(N) of the Universal Scalability Law."""
    return lam * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))


def solve(m, v):
    """Solve the k x k system m x = v by Gaussian elimination with partial
    pivoting. Returns None when m is singular."""
    k = len(v)
    a = [list(row) + [v[i]] for i, row in enumerate(m)]
    for col in range(k):
        pivot = max(range(col, k), key=lambda r: abs(a[r][col]))
        if abs(a[pivot][col]) < 1e-300:
            return None
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(col + 1, k):
            f = a[r][col] / a[col][col]
            for j in range(col, k + 1):
                a[r][j] -= f * a[col][j]
    x = [0.0] * k
    for r in reversed(range(k)):
        x[r] = (a[r][k] - sum(a[r][j] * x[j] for j in range(r + 1, k))) / a[r][r]
    return x


def least_squares(rows, ys):
    """Coefficients of the least-squares fit ys ~ rows . coef (the normal
    equations; rows have as many columns as coefficients)."""
    k = len(rows[0])
    ata = [[sum(r[i] * r[j] for r in rows) for j in range(k)] for i in range(k)]
    aty = [sum(r[i] * y for r, y in zip(rows, ys)) for i in range(k)]
    return solve(ata, aty)


def _sse(points, lam, sigma, kappa):
    return sum((x - usl_throughput(n, lam, sigma, kappa)) ** 2 for n, x in points)


def _linear_start(points, with_kappa):
    rows = [(1.0, n - 1.0, n * (n - 1.0))[:3 if with_kappa else 2] for n, _ in points]
    ys = [n / x for n, x in points]
    coef = least_squares(rows, ys)
    if coef is None or coef[0] <= 0:
        # Too few distinct N for the coefficients: one client's rate.
        n1, x1 = min(points)
        return x1 / n1, 0.0, 0.0
    a, b = coef[0], coef[1]
    c = coef[2] if with_kappa else 0.0
    return 1.0 / a, max(b / a, 0.0), max(c / a, 0.0)


def fit_usl(points, iterations=50, with_kappa=True):
    """Fit (lambda, sigma, kappa) to [(N, X), ...] (see the module's text);
    with_kappa=False fits kappa = 0 (Amdahl's law). Returns a dict: lam,
    sigma, kappa, r2, sse, n (points), k (parameters), n_star (None when
    kappa is 0), x_peak."""
    points = sorted((float(n), float(x)) for n, x in points if x > 0)
    if not points:
        raise ValueError("no point with a throughput above 0")
    k = 3 if with_kappa else 2
    lam, sigma, kappa = _linear_start(points, with_kappa)
    err = _sse(points, lam, sigma, kappa)
    for _ in range(iterations):
        # Jacobian of X(N) in (lam, sigma[, kappa]), and the residuals.
        rows, res = [], []
        for n, x in points:
            d = 1 + sigma * (n - 1) + kappa * n * (n - 1)
            f = lam * n / d
            rows.append((n / d, -f * (n - 1) / d, -f * n * (n - 1) / d)[:k])
            res.append(x - f)
        step = least_squares(rows, res)
        if step is None:
            break
        step = list(step) + [0.0] * (3 - k)
        improved = False
        for scale in (1.0, 0.5, 0.25, 0.125, 0.0625):
            cand = (lam + scale * step[0], max(sigma + scale * step[1], 0.0),
                    max(kappa + scale * step[2], 0.0))
            if cand[0] <= 0:
                continue
            cand_err = _sse(points, *cand)
            if cand_err < err:
                lam, sigma, kappa, err = cand[0], cand[1], cand[2], cand_err
                improved = True
                break
        if not improved or err == 0:
            break
    # Rounding leaves ~1e-19 where a coefficient is really 0.
    sigma = sigma if sigma > 1e-12 else 0.0
    kappa = kappa if kappa > 1e-15 else 0.0
    err = _sse(points, lam, sigma, kappa)
    mean = sum(x for _, x in points) / len(points)
    total = sum((x - mean) ** 2 for _, x in points)
    r2 = 1.0 - err / total if total > 0 else 1.0
    n_star = math.sqrt((1 - sigma) / kappa) if kappa > 0 and sigma < 1 else None
    if n_star is not None:
        x_peak = usl_throughput(n_star, lam, sigma, kappa)
    else:
        x_peak = lam / sigma if sigma > 0 else math.inf
    return {"lam": lam, "sigma": sigma, "kappa": kappa, "r2": r2, "sse": err,
            "n": len(points), "k": k, "n_star": n_star, "x_peak": x_peak}


def aicc(fit):
    """Akaike's information criterion, corrected for few points, of a least-
    squares fit: lower is better; inf when there are too few points."""
    n, k = fit["n"], fit["k"]
    if n - k - 1 <= 0:
        return math.inf
    sse = max(fit["sse"], 1e-300)
    return n * math.log(sse / n) + 2 * k + 2 * k * (k + 1) / (n - k - 1)


def fit_best(points):
    """The USL fit, or Amdahl's (kappa = 0) when kappa does not earn its
    place: the lower AICc. kappa shows only in the points near and past the
    peak; fitted on points well before it, a third parameter mostly fits
    their noise, and its curve turns down where the system does not."""
    full = fit_usl(points)
    amdahl = fit_usl(points, with_kappa=False)
    best = full if aicc(full) < aicc(amdahl) else amdahl
    best["model"] = "USL" if best is full else "Amdahl (kappa = 0)"
    return best


def little_deviation(n, x, r):
    """The relative deviation of X * R from N (Little's law, N = X R)."""
    return abs(x * r - n) / n


def erlang_c(c, a):
    """Erlang's C: the probability that an arrival waits, for c servers
    and offered load a = lambda / mu Erlangs (a < c)."""
    if a >= c:
        return 1.0
    # The sum of a^k / k! for k < c, in a numerically stable form.
    term, total = 1.0, 1.0
    for k in range(1, c):
        term *= a / k
        total += term
    top = term * a / c / (1 - a / c)
    return top / (total + top)


def mmc_response_time(c, mu, arrival_rate):
    """The mean response time of an M/M/c queue (service + waiting), in the
    unit of 1 / mu; infinity at or beyond saturation."""
    if arrival_rate >= c * mu:
        return math.inf
    a = arrival_rate / mu
    return 1.0 / mu + erlang_c(c, a) / (c * mu - arrival_rate)


def mmc_p99(c, mu, arrival_rate):
    """An upper estimate of the 99th percentile of an M/M/c response time:
    the 99th percentile of the wait (P(W > t) = C * exp(-(c mu - lambda) t))
    plus that of one exponential service (ln(100) / mu)."""
    if arrival_rate >= c * mu:
        return math.inf
    wait = erlang_c(c, arrival_rate / mu)
    t_wait = math.log(wait / 0.01) / (c * mu - arrival_rate) if wait > 0.01 else 0.0
    return t_wait + math.log(100) / mu


def size(target_rps, target_p99, peak_rps, service_time, max_threads=64, utilisation=0.7):
    """The operator's question: instances behind nginx and worker threads per
    instance for target_rps at a p99 of target_p99 seconds. Instances run at
    most `utilisation` of the measured peak (past it the USL curve flattens
    and latency climbs); within one, the fewest threads whose M/M/c p99 at
    its share of the load meets the target. Returns (instances, threads), or
    (instances, None) when no thread count meets the p99."""
    instances = max(1, math.ceil(target_rps / (utilisation * peak_rps)))
    share = target_rps / instances
    for c in range(1, max_threads + 1):
        if mmc_p99(c, 1.0 / service_time, share) <= target_p99:
            return instances, c
    return instances, None
