#!/usr/bin/env python3
"""tests/capacity/check_queueing.py: bench/queueing.py against published
worked examples (Jain's MVA and convolution tables), against closed forms
(the balanced network, the machine-repairman model, M/M/1 and M/M/c),
against a brute-force enumeration of the product-form states of small
networks, and against the laws and bounds every solution must respect."""
import math
import os
import random
import sys
import unittest

sys.path.insert(0, os.path.join(os.environ.get("MICROSHOP_SRCDIR",
                                               os.path.join(os.path.dirname(__file__), "..", "..")),
                                "bench"))
import capacity_model as cm  # noqa: E402
import queueing as q  # noqa: E402
import check_summary  # noqa: E402 (tests/capacity/, beside this file)

Q, DELAY, MULTI = q.QUEUEING, q.DELAY, q.MULTI


def jain_timesharing():
    # Jain, "The Art of Computer Systems Performance Analysis" (Wiley,
    # 1991), Example 34.2: a timesharing system, think time Z = 4 s, a CPU
    # (16 visits of 0.125 s), disk A (10 visits of 0.3 s), disk B (5 visits
    # of 0.2 s): demands 2, 3 and 1 s.
    return [q.Station("cpu", 2.0), q.Station("disk A", 3.0), q.Station("disk B", 1.0)], 4.0


def beta(s, n):
    """prod_{j<=n} alpha(j) of a station (1 for a queueing one)."""
    out = 1.0
    for j in range(1, n + 1):
        out *= s.alpha(j)
    return out


def enumerate_states(stations, n, think):
    """Every state of the closed single-class product-form network with n
    clients (the clients thinking first), with its probability:
    P(n_0, n_1 ..) ~ Z^n_0 / n_0! * prod_k f_k(n_k), f_k(m) = D^m / m! at a
    delay, D^m / beta_k(m) otherwise. Independent of the MVA recursion."""
    weights = {}

    def walk(prefix, left, k):
        if k == len(stations):
            w = think ** prefix[0] / math.factorial(prefix[0]) if think > 0 else float(prefix[0] == 0)
            for s, m in zip(stations, prefix[1:]):
                if s.kind == DELAY:
                    w *= s.d() ** m / math.factorial(m)
                else:
                    w *= s.d() ** m / beta(s, m)
            weights[tuple(prefix)] = w
            return
        for m in range(left + 1):
            if k == len(stations) - 1 and m != left:
                continue
            walk(prefix + [m], left - m, k + 1)

    for thinking in range(n + 1):
        walk([thinking], n - thinking, 0)
    g = sum(weights.values())
    return {state: w / g for state, w in weights.items()}


def enumerated_means(stations, n, think):
    """Queue lengths and utilisations (busy fraction per server) from the
    enumeration."""
    states = enumerate_states(stations, n, think)
    queue = [sum(p * st[k + 1] for st, p in states.items()) for k in range(len(stations))]
    util = [sum(p * min(st[k + 1], s.servers) / s.servers for st, p in states.items())
            if s.kind != DELAY else None for k, s in enumerate(stations)]
    return queue, util, states


class Close(unittest.TestCase):
    def assertClose(self, got, want, rel, what, absolute=0.0):
        self.assertTrue(abs(got - want) <= rel * abs(want) + absolute,
                        "%s: %r, want %r within %g" % (what, got, want, rel))


class JainTables(Close):
    def test_mva_table_34_1(self):
        # Jain 1991, Table 34.1 ("MVA Results for Example 34.2"): per N the
        # response time per visit at CPU, disk A, disk B, the system's
        # response time R, throughput X, and the queue lengths, to 3 decimals.
        table = {
            1: (0.125, 0.300, 0.200, 6.000, 0.100, 0.200, 0.300, 0.100),
            2: (0.150, 0.390, 0.220, 7.400, 0.175, 0.421, 0.684, 0.193),
            3: (0.178, 0.505, 0.239, 9.088, 0.229, 0.651, 1.158, 0.273),
            4: (0.206, 0.647, 0.255, 11.051, 0.266, 0.878, 1.721, 0.338),
            5: (0.235, 0.816, 0.268, 13.256, 0.290, 1.088, 2.365, 0.388),
            17: (0.370, 3.962, 0.300, 47.045, 0.333, 1.974, 13.195, 0.499),
            18: (0.372, 4.259, 0.300, 50.032, 0.333, 1.981, 14.187, 0.499),
            19: (0.373, 4.556, 0.300, 53.022, 0.333, 1.987, 15.181, 0.500),
            20: (0.373, 4.854, 0.300, 56.016, 0.333, 1.991, 16.177, 0.500),
        }
        visits = (16, 10, 5)
        stations, z = jain_timesharing()
        sol = q.mva(stations, 20, z)
        for n, row in table.items():
            got = sol[n - 1]
            per_visit = [r / v for r, v in zip(got["residence"], visits)]
            for i in range(3):
                self.assertAlmostEqual(per_visit[i], row[i], delta=0.0006,
                                       msg="N=%d, station %d per visit" % (n, i))
                self.assertAlmostEqual(got["queue"][i], row[5 + i], delta=0.0006,
                                       msg="N=%d, queue %d" % (n, i))
            self.assertAlmostEqual(got["r"], row[3], delta=0.0006, msg="R(%d)" % n)
            self.assertAlmostEqual(got["x"], row[4], delta=0.0006, msg="X(%d)" % n)

    def test_convolution_example_35_5(self):
        # Jain 1991, Example 35.5 (the convolution algorithm): the same
        # kind of system with demands 0.78, 2.34, 1.56 s, Z = 4.68 s, N = 3:
        # X = 0.264, R = 6.694, U = 0.206, 0.618, 0.412, mean jobs at disk A
        # 0.97; Table 35.5 lists the probability of every state.
        stations = [q.Station("cpu", 0.78), q.Station("A", 2.34), q.Station("B", 1.56)]
        sol = q.mva(stations, 3, 4.68)[-1]
        self.assertAlmostEqual(sol["x"], 0.264, delta=0.0005)
        self.assertAlmostEqual(sol["r"], 6.694, delta=0.0005)
        # (Jain multiplies the rounded X: 0.264 x 2.34 = 0.618; 0.2638 x 2.34
        # = 0.617.)
        for got, want in zip(sol["utilisation"], (0.206, 0.618, 0.412)):
            self.assertAlmostEqual(got, want, delta=0.001)
        self.assertAlmostEqual(sol["queue"][1], 0.97, delta=0.005)
        # Table 35.5: (terminals, CPU, disk A, disk B) -> probability. It
        # checks the enumeration the other tests rely on.
        table = {(0, 0, 0, 3): .021, (0, 0, 1, 2): .031, (0, 0, 2, 1): .047,
                 (0, 0, 3, 0): .070, (0, 1, 0, 2): .010, (0, 1, 1, 1): .016,
                 (0, 1, 2, 0): .023, (0, 2, 0, 1): .005, (0, 2, 1, 0): .008,
                 (0, 3, 0, 0): .003, (1, 0, 0, 2): .063, (1, 0, 1, 1): .094,
                 (1, 0, 2, 0): .141, (1, 1, 0, 1): .031, (1, 1, 1, 0): .047,
                 (1, 2, 0, 0): .016, (2, 0, 0, 1): .094, (2, 0, 1, 0): .141,
                 (2, 1, 0, 0): .047, (3, 0, 0, 0): .094}
        states = enumerate_states(stations, 3, 4.68)
        self.assertEqual(set(states), set(table))
        for state, want in table.items():
            self.assertAlmostEqual(states[state], want, delta=0.0006, msg=str(state))
        # "probabilities of 0, 2, and 3 jobs at disk A ... 0.383, 0.211, 0.070"
        at_a = [sum(p for st, p in states.items() if st[2] == j) for j in range(4)]
        for j, want in ((0, 0.383), (2, 0.211), (3, 0.070)):
            self.assertAlmostEqual(at_a[j], want, delta=0.0006)


class ExactMva(Close):
    def test_balanced_network_closed_form(self):
        # K equal queueing stations of demand d, no think time: by symmetry
        # and the arrival theorem X(N) = N / (d (N + K - 1)).
        for k, d in ((1, 0.5), (3, 1.0), (5, 0.002)):
            sol = q.mva([q.Station("s%d" % i, d) for i in range(k)], 40)
            for n in (1, 2, 7, 40):
                self.assertClose(sol[n - 1]["x"], n / (d * (n + k - 1)), 1e-12, "X(%d)" % n)

    def test_delay_only(self):
        sol = q.mva([q.Station("hop", 0.5, DELAY)], 5, think=1.5)
        for e in sol:
            self.assertClose(e["x"], e["n"] / 2.0, 1e-12, "X")
            self.assertClose(e["r"], 0.5, 1e-12, "R")

    def test_load_dependent_by_hand(self):
        # One 2-server station (D = 1 s) and Z = 1 s. The recursion:
        # N=1: R = 1*D/a(1)*p(0|0) = 1; X = 1/(1+1) = 0.5;
        #      p(1|1) = X D/a(1) p(0|0) = 0.5, p(0|1) = 0.5.
        # N=2: R = 1*D/1*p(0|1) + 2*D/2*p(1|1) = 0.5 + 0.5 = 1; X = 2/2 = 1;
        #      p(1|2) = 1*1/1*0.5 = 0.5, p(2|2) = 1*1/2*0.5 = 0.25, p(0|2) = 0.25.
        # N=3: R = 1*0.25 + 1*0.5 + 1.5*0.25 = 1.125; X = 3/2.125 = 24/17;
        #      p(1|3) = 24/17*0.25, p(2|3) = 24/17/2*0.5, p(3|3) = 24/17/2*0.25.
        sol = q.mva([q.Station("cores", 1.0, MULTI, 2)], 3, think=1.0)
        for e, (x, r) in zip(sol, ((0.5, 1.0), (1.0, 1.0), (24 / 17, 1.125))):
            self.assertClose(e["x"], x, 1e-12, "X(%d)" % e["n"])
            self.assertClose(e["r"], r, 1e-12, "R(%d)" % e["n"])
        # p(0|3) = 1 - 24/17 * 0.625 = 2/17: the machine-repairman weights
        # 1, 3, 3, 1.5 (below) over their sum 8.5 give the same.
        want = [2 / 17, 24 / 17 * 0.25, 24 / 17 * 0.25, 24 / 17 * 0.125]
        for got, w in zip(sol[2]["marginals"][0], want):
            self.assertClose(got, w, 1e-12, "p(j|3)")

    def test_machine_repairman_closed_form(self):
        # A delay Z and one c-server station D: the finite-source M/M/c//N
        # queue (Kleinrock, "Queueing Systems" vol. 1, ch. 3), P(n) ~
        # N!/(N-n)! (D/Z)^n / beta(n), X = sum_n P(n) min(n, c) / D. Up to
        # N = 60, well past saturation.
        for c, d, z in ((2, 1.0, 1.0), (2, 0.01, 0.05), (4, 0.02, 0.03)):
            st = q.Station("m", d, MULTI, c)
            sol = q.mva([st], 60, z)
            for n in (1, 2, 3, 10, 30, 60):
                w = [math.factorial(n) / math.factorial(n - m) * (d / z) ** m / beta(st, m)
                     for m in range(n + 1)]
                x = sum(wm * min(m, c) / d for m, wm in enumerate(w)) / sum(w)
                self.assertClose(sol[n - 1]["x"], x, 1e-9, "c=%d X(%d)" % (c, n))

    def test_against_enumeration(self):
        # Random small networks of every kind of station: queue lengths and
        # utilisations equal those of the enumerated product form.
        rnd = random.Random(24)
        for trial in range(12):
            stations = [q.Station("q", rnd.uniform(0.1, 2)),
                        q.Station("m", rnd.uniform(0.1, 3), MULTI, rnd.choice((2, 3))),
                        q.Station("d", rnd.uniform(0.1, 1), DELAY),
                        q.Station("q2", rnd.uniform(0.1, 2))]
            rnd.shuffle(stations)
            z = rnd.choice((0.0, rnd.uniform(0.5, 5)))
            sol = q.mva(stations, 6, z)
            for n in (1, 3, 6):
                queue, util, _ = enumerated_means(stations, n, z)
                for k, s in enumerate(stations):
                    self.assertClose(sol[n - 1]["queue"][k], queue[k], 1e-9,
                                     "trial %d N=%d Q(%s)" % (trial, n, s.name))
                    if util[k] is not None:
                        self.assertClose(sol[n - 1]["utilisation"][k], util[k], 1e-9,
                                         "trial %d N=%d U(%s)" % (trial, n, s.name))

    def test_one_server_is_a_queueing_station(self):
        stations, z = jain_timesharing()
        as_multi = [q.Station(s.name, s.d(), MULTI, 1) for s in stations]
        for a, b in zip(q.mva(stations, 30, z), q.mva(as_multi, 30, z)):
            self.assertClose(b["x"], a["x"], 1e-10, "X(%d)" % a["n"])
            for ra, rb in zip(a["residence"], b["residence"]):
                self.assertClose(rb, ra, 1e-9, "R_k(%d)" % a["n"])

    def test_two_servers_with_one_client_are_a_delay(self):
        # At N = 1 nobody waits: a 2-server station is a delay of D; and up
        # to N = c a c-server station alone never queues.
        for c in (2, 3):
            sol = q.mva([q.Station("cores", 0.4, MULTI, c)], c, think=0.0)
            for e in sol:
                self.assertClose(e["residence"][0], 0.4, 1e-12, "R_k(%d), c=%d" % (e["n"], c))
        mixed = q.mva([q.Station("cpu", 1.0), q.Station("cores", 0.4, MULTI, 2)], 1, 2.0)[0]
        self.assertClose(mixed["residence"][1], 0.4, 1e-12, "R at N=1")
        self.assertClose(mixed["x"], 1 / 3.4, 1e-12, "X(1)")

    def test_little_and_the_marginals(self):
        # N = X (R + Z) on every solution, and at a multi-server station the
        # marginal distribution sums to 1 and its mean is the queue length.
        stations = [q.Station("cpu", 0.3, MULTI, 2), q.Station("disk", 0.2),
                    q.Station("net", 0.05, DELAY)]
        for e in q.mva(stations, 80, 1.0):
            self.assertClose(e["x"] * (e["r"] + 1.0), e["n"], 1e-12, "Little")
            self.assertClose(sum(e["queue"]) + e["x"] * 1.0, e["n"], 1e-12, "sum Q + X Z")
            p = e["marginals"][0]
            self.assertClose(sum(p), 1.0, 1e-9, "sum p")
            self.assertClose(sum(j * pj for j, pj in enumerate(p)), e["queue"][0], 1e-6,
                             "mean of p(j|%d)" % e["n"])

    def test_a_pool_beside_a_busier_station_stays_stable(self):
        # 2 cores, a pool of 6 workers and a disk that saturates first
        # (1 / D_max = 100/s). With p(0 | n) = 1 - sum p(j | n) the pool's
        # marginals lost their digits and X(100) came out at 100.16/s, above
        # the bound; the product form for p(0 | n) keeps X under it, the
        # marginals a distribution and their mean the queue length.
        st = [q.Station("cores", 0.019, MULTI, 2), q.Station("pool", 0.05, MULTI, 6),
              q.Station("disk", 0.01)]
        sol = q.mva(st, 150)
        for n in (50, 100, 150):
            e = sol[n - 1]
            self.assertLessEqual(e["x"], 100 * (1 + 1e-12), "X(%d)" % n)
            for i in (0, 1):
                p = e["marginals"][i]
                self.assertClose(sum(p), 1.0, 1e-9, "sum p, N=%d" % n)
                self.assertGreaterEqual(min(p), 0.0)
                self.assertClose(sum(j * pj for j, pj in enumerate(p)), e["queue"][i], 1e-6,
                                 "mean, N=%d" % n)
        self.assertClose(sol[-1]["x"], 100, 1e-4, "X(150) at the disk's bound")
        # At the disk's saturation the others see an open load of 100/s:
        # the cores an M/M/2 at 1.9 Erlangs, the pool an M/M/6 at 5 (within
        # 1 % at N = 150: the cores, 19.39 against 19.49, still fill).
        for i, (c, a) in enumerate(((2, 1.9), (6, 5.0))):
            self.assertClose(sol[-1]["queue"][i], a + cm.erlang_c(c, a) * a / (c - a), 0.01,
                             "Q(%s) at saturation" % st[i].name)

    def test_bad_stations(self):
        with self.assertRaises(ValueError):
            q.Station("x", 1.0, "lifo")
        with self.assertRaises(ValueError):
            q.Station("x", 1.0, MULTI, 0)
        with self.assertRaises(ValueError):
            q.Station("x", -1.0)


class Bounds(Close):
    def networks(self):
        yield jain_timesharing()
        rnd = random.Random(7)
        for _ in range(20):
            k = rnd.randint(1, 5)
            yield [q.Station("s%d" % i, rnd.uniform(0.01, 1)) for i in range(k)], \
                rnd.choice((0.0, rnd.uniform(0.1, 10)))

    def test_asymptotic_and_balanced_job_bounds_hold(self):
        for stations, z in self.networks():
            for e in q.mva(stations, 60, z):
                n = e["n"]
                x_low, x_high, r_low = q.asymptotic_bounds(stations, n, z)
                self.assertLessEqual(x_low * (1 - 1e-12), e["x"])
                self.assertLessEqual(e["x"], x_high * (1 + 1e-12))
                self.assertLessEqual(r_low * (1 - 1e-12), e["r"])
                b_low, b_high = q.balanced_job_bounds(stations, n, z)
                self.assertLessEqual(b_low * (1 - 1e-12), e["x"], "BJB low, N=%d" % n)
                self.assertLessEqual(e["x"], b_high * (1 + 1e-12), "BJB high, N=%d" % n)
                # The balanced job bounds are the tighter pair.
                self.assertGreaterEqual(b_low, x_low * (1 - 1e-12))
                self.assertLessEqual(b_high, x_high * (1 + 1e-12))

    def test_bounds_are_tight_where_they_should_be(self):
        stations, z = jain_timesharing()
        # N = 1: X = 1 / (D + Z) for all three.
        x1 = q.mva(stations, 1, z)[0]["x"]
        for bound in q.asymptotic_bounds(stations, 1, z)[:2] + q.balanced_job_bounds(stations, 1, z):
            self.assertClose(bound, x1, 1e-12, "bound at N=1")
        # Large N: X reaches 1 / D_max = 1/3 (Table 34.1: 0.333 from N = 17).
        self.assertClose(q.asymptotic_bounds(stations, 100, z)[1], 1 / 3, 1e-12, "1/Dmax")
        # A balanced network meets its balanced job bounds (Z = 0).
        bal = [q.Station("s%d" % i, 0.5) for i in range(4)]
        x = q.mva(bal, 9)[-1]["x"]
        for bound in q.balanced_job_bounds(bal, 9):
            self.assertClose(bound, x, 1e-12, "balanced")

    def test_multi_server_bound_uses_c_over_d(self):
        st = [q.Station("cores", 1.0, MULTI, 2), q.Station("disk", 0.2)]
        self.assertClose(q.asymptotic_bounds(st, 50)[1], 2.0, 1e-12, "c / D")
        self.assertLessEqual(q.mva(st, 50)[-1]["x"], 2.0 * (1 + 1e-12))
        with self.assertRaises(ValueError):
            q.balanced_job_bounds(st, 5)


class Approximate(Close):
    def test_schweitzer_on_a_balanced_network(self):
        # Four equal stations of 10 ms, N = 50. Without think time Schweitzer
        # is exact on a balanced network: Q_k = N / K by symmetry, so
        # R = K d (1 + (N - 1) / N * N / K) = d (N + K - 1), the closed form.
        bal = [q.Station("s%d" % i, 0.01) for i in range(4)]
        self.assertClose(q.schweitzer(bal, 50)["x"], 50 / (0.01 * 53), 1e-9, "Z = 0")
        # With Z = 0.5 s the knee, (D + Z) / D_max = 54, is at N = 50, where
        # the approximation is worst: X within 1.5 % (-1.07 % here), R
        # within 5 % (+4.67 %); with Z = 2 s (knee at N = 204) both within
        # 0.5 %.
        for z, x_tol, r_tol in ((0.5, 0.015, 0.05), (2.0, 0.005, 0.005)):
            exact = q.mva(bal, 50, z)[-1]
            approx = q.schweitzer(bal, 50, z)
            self.assertClose(approx["x"], exact["x"], x_tol, "X(50), Z=%g" % z)
            self.assertClose(approx["r"], exact["r"], r_tol, "R(50), Z=%g" % z)
            self.assertClose(approx["x"] * (approx["r"] + z), 50, 1e-9, "Little")
        self.assertNotAlmostEqual(q.schweitzer(bal, 50, 0.5)["x"], q.mva(bal, 50, 0.5)[-1]["x"],
                                  places=3)

    def test_schweitzer_is_exact_at_one_client(self):
        stations, z = jain_timesharing()
        self.assertClose(q.schweitzer(stations, 1, z)["x"], 0.1, 1e-9, "X(1)")

    def test_schweitzer_on_jains_example(self):
        # Jain 1991, section 34.3 applies Schweitzer to Example 34.2 (his
        # Figures 34.1-34.3: close to exact, largest error near the knee;
        # here at most -3.9 %, at N = 5).
        stations, z = jain_timesharing()
        exact = q.mva(stations, 20, z)
        for n in (2, 5, 8, 10, 20):
            self.assertClose(q.schweitzer(stations, n, z)["x"], exact[n - 1]["x"], 0.05,
                             "X(%d)" % n)

    def test_seidmann_for_a_multi_server_station(self):
        st = [q.Station("cores", 0.02, MULTI, 2), q.Station("disk", 0.005)]
        exact = q.mva(st, 50, 0.1)
        # Within 6 % (here -5.2 % at N = 20, near the knee).
        for n in (1, 5, 10, 20, 50):
            approx = q.schweitzer(st, n, 0.1)
            self.assertClose(approx["x"], exact[n - 1]["x"], 0.06, "X(%d)" % n)
        self.assertEqual([s.kind for s in q.seidmann(st)], [Q, DELAY, Q])
        # c = 4: a queueing D / 4 and a delay 3 D / 4, which at N = 1 add up
        # to D, as the exact solution does.
        four = q.seidmann([q.Station("cores", 1.0, MULTI, 4)])
        self.assertEqual([(s.kind, s.d()) for s in four], [(Q, 0.25), (DELAY, 0.75)])
        self.assertClose(q.schweitzer([q.Station("cores", 1.0, MULTI, 4)], 1, 1.0)["r"], 1.0,
                         1e-12, "R(1)")


class MultiClass(Close):
    def test_one_class_is_the_single_class_solution(self):
        stations = [q.Station("cpu", (0.3,), MULTI, 2), q.Station("disk", (0.2,)),
                    q.Station("net", (0.05,), DELAY)]
        single = [q.Station(s.name, s.d(), s.kind, s.servers) for s in stations]
        multi = q.mva_multiclass(stations, [12], [1.0])
        one = q.mva(single, 12, 1.0)[-1]
        self.assertClose(multi["x"][0], one["x"], 1e-12, "X")
        for a, b in zip(multi["queue"], one["queue"]):
            self.assertClose(a, b, 1e-10, "Q")

    def test_identical_classes_add_up(self):
        # Two classes with the same demands and think time are one class of
        # N1 + N2 clients, split in proportion.
        stations = [q.Station("cpu", (0.3, 0.3), MULTI, 2), q.Station("disk", (0.2, 0.2))]
        two = q.mva_multiclass(stations, [9, 3], [1.0, 1.0])
        one = q.mva([q.Station("cpu", 0.3, MULTI, 2), q.Station("disk", 0.2)], 12, 1.0)[-1]
        self.assertClose(sum(two["x"]), one["x"], 1e-10, "X total")
        self.assertClose(two["x"][0] / two["x"][1], 3.0, 1e-10, "9:3")

    def test_against_enumeration(self):
        # A read class and a write class (demands differ per station) on a
        # 2-core station, a single disk and a delay: per-station queue
        # lengths and utilisations of the enumerated product form,
        # P ~ prod_k m_k! / beta_k(m_k) prod_c D_ck^m_ck / m_ck! (m_k! -> 1
        # at a delay), think times as a delay station per class.
        stations = [q.Station("cores", (0.002, 0.004), MULTI, 2),
                    q.Station("disk", (0.0005, 0.006)),
                    q.Station("hop", (0.001, 0.001), DELAY)]
        pops, think = (4, 2), (0.01, 0.02)
        sol = q.mva_multiclass(stations, pops, think)
        weights = {}
        places = len(stations) + 1

        def splits(total, parts):
            if parts == 1:
                yield (total,)
                return
            for m in range(total + 1):
                for rest in splits(total - m, parts - 1):
                    yield (m,) + rest

        for a in splits(pops[0], places):
            for b in splits(pops[1], places):
                w = think[0] ** a[0] / math.factorial(a[0]) * think[1] ** b[0] / math.factorial(b[0])
                for k, s in enumerate(stations):
                    m = (a[k + 1], b[k + 1])
                    f = s.d(0) ** m[0] / math.factorial(m[0]) * s.d(1) ** m[1] / math.factorial(m[1])
                    if s.kind != DELAY:
                        f *= math.factorial(sum(m)) / beta(s, sum(m))
                    w *= f
                weights[(a, b)] = w
        g = sum(weights.values())
        for k, s in enumerate(stations):
            qk = sum(w * (a[k + 1] + b[k + 1]) for (a, b), w in weights.items()) / g
            self.assertClose(sol["queue"][k], qk, 1e-9, "Q(%s)" % s.name)
            if s.kind != DELAY:
                uk = sum(w * min(a[k + 1] + b[k + 1], s.servers) / s.servers
                         for (a, b), w in weights.items()) / g
                self.assertClose(sol["utilisation"][k], uk, 1e-9, "U(%s)" % s.name)
        # The 2 cores' marginal distribution.
        for j in range(sum(pops) + 1):
            pj = sum(w for (a, b), w in weights.items() if a[1] + b[1] == j) / g
            self.assertClose(sol["marginals"][0][j], pj, 1e-9, "p(%d) at the cores" % j)
        for c in range(2):
            self.assertClose(sol["x"][c] * (sol["r"][c] + think[c]), pops[c], 1e-12, "Little")

    def test_a_multi_server_station_alone(self):
        # Nothing else holds a client: all three are at the station, which
        # serves min(3, 2) at a time, in proportion to the classes.
        sol = q.mva_multiclass([q.Station("m", (1.0, 2.0), MULTI, 2)], [2, 1])
        self.assertEqual(sol["marginals"][0], [0.0, 0.0, 0.0, 1.0])
        self.assertClose(sol["utilisation"][0], 1.0, 1e-12, "busy")


class ApproximateMultiClass(Close):
    def test_one_class_is_schweitzer(self):
        stations = [q.Station("cpu", (0.3,), MULTI, 2), q.Station("disk", (0.2,)),
                    q.Station("net", (0.05,), DELAY)]
        single = [q.Station(s.name, s.d(), s.kind, s.servers) for s in stations]
        multi = q.schweitzer_multiclass(stations, [12], [1.0])
        one = q.schweitzer(single, 12, 1.0)
        self.assertClose(multi["x"][0], one["x"], 1e-9, "X")
        self.assertClose(multi["r"][0], one["r"], 1e-9, "R")

    def test_the_mix_is_close_to_exact(self):
        # 27 readers and 3 writers, think 50 ms; the writers' disk is the
        # busiest (U = 0.74). Bard-Schweitzer is worst for a class of few
        # clients: here X -0.8 % (readers) and -5.6 % (writers), R +11.2 %
        # and +12.8 % (the same with one core instead of Seidmann's pair:
        # the error is the approximation's, not the multi-server's). The
        # bounds: X within 6 %, R within 15 %; Little's law per class.
        stations = [q.Station("cores", (0.002, 0.004), MULTI, 2),
                    q.Station("disk", (0.0002, 0.02)),
                    q.Station("hop", (0.0005, 0.0005), DELAY)]
        pops, think = [27, 3], [0.05, 0.05]
        exact = q.mva_multiclass(stations, pops, think)
        approx = q.schweitzer_multiclass(stations, pops, think)
        for c in range(2):
            self.assertClose(approx["x"][c], exact["x"][c], 0.06, "X class %d" % c)
            self.assertClose(approx["r"][c], exact["r"][c], 0.15, "R class %d" % c)
            self.assertClose(approx["x"][c] * (approx["r"][c] + think[c]), pops[c], 1e-9,
                             "Little class %d" % c)
        # The disk's utilisation (1 server; exact 0.743): the utilisation law
        # on the approximate throughputs, and within 6 % of exact.
        self.assertClose(approx["utilisation"][2], approx["x"][0] * 0.0002 + approx["x"][1] * 0.02,
                         1e-12, "U = sum X_c D_c")
        self.assertClose(approx["utilisation"][2], exact["utilisation"][1], 0.06, "U(disk)")
        self.assertNotAlmostEqual(approx["x"][0], exact["x"][0], places=3)


class OpenNetwork(Close):
    def test_mm1_and_mmc_closed_forms(self):
        net = q.open_network([q.Station("cpu", 0.01)], 50.0)        # U = 0.5
        self.assertClose(net["r"], 0.02, 1e-12, "M/M/1 R = D / (1 - U)")
        # M/M/2 at rho = 0.5 (a = 1 Erlang): C = 1/3, R = D (1 + (1/3) / (2 - 1)).
        self.assertClose(cm.erlang_c(2, 1.0), 1 / 3, 1e-12, "C(2, 1)")
        net = q.open_network([q.Station("cores", 0.01, MULTI, 2)], 100.0)
        self.assertClose(net["r"], 0.01 * 4 / 3, 1e-12, "M/M/2 R")
        self.assertClose(net["utilisation"][0], 0.5, 1e-12, "rho")
        # The M/M/c mean of capacity_model, in its own units.
        self.assertClose(q.open_network([q.Station("c", 0.25, MULTI, 4)], 10.0)["r"],
                         cm.mmc_response_time(4, 4.0, 10.0), 1e-12, "as capacity_model")

    def test_network_sum_and_saturation(self):
        stations, _ = jain_timesharing()
        stations = stations + [q.Station("cores", 4.0, MULTI, 2), q.Station("hop", 1.0, DELAY)]
        lam = 0.2
        net = q.open_network(stations, lam)
        want = [2 / (1 - 0.4), 3 / (1 - 0.6), 1 / (1 - 0.2),
                4 + cm.erlang_c(2, 0.8) * 4 / (2 - 0.8), 1.0]
        for got, w in zip(net["residence"], want):
            self.assertClose(got, w, 1e-12, "R_k")
        self.assertClose(net["r"], sum(want), 1e-12, "R = sum")
        # Disk A (3 s) saturates at 1/3 per s; the 2 cores at 2/4 = 0.5.
        self.assertEqual(net["saturating"], "disk A")
        self.assertClose(net["lambda_max"], 1 / 3, 1e-12, "lambda max")
        self.assertEqual(q.saturation([q.Station("cores", 1.0, MULTI, 2), q.Station("d", 0.6)]),
                         ("d", 1 / 0.6))
        self.assertEqual(q.saturation([q.Station("cores", 1.0, MULTI, 2), q.Station("d", 0.4)]),
                         ("cores", 2.0))
        self.assertEqual(q.open_network(stations, 0.34)["r"], math.inf)

    def test_classes(self):
        # Two classes of equal demands are one class of the summed rate; with
        # unequal demands each class's residence is its demand times the
        # station's factor at the total load.
        st = [q.Station("cpu", (0.01, 0.01)), q.Station("cores", (0.004, 0.004), MULTI, 2)]
        two = q.open_network(st, [30.0, 20.0])
        one = q.open_network([q.Station("cpu", 0.01), q.Station("cores", 0.004, MULTI, 2)], 50.0)
        self.assertClose(two["r"][0], one["r"], 1e-12, "class 0")
        self.assertClose(two["r"][1], one["r"], 1e-12, "class 1")
        mix = q.open_network([q.Station("disk", (0.001, 0.011))], [90.0, 10.0])
        u = 0.09 + 0.11
        self.assertClose(mix["r"][0], 0.001 / (1 - u), 1e-12, "reads")
        self.assertClose(mix["r"][1], 0.011 / (1 - u), 1e-12, "writes")
        name, lam_max = q.saturation([q.Station("disk", (0.001, 0.011))], [90.0, 10.0])
        self.assertClose(lam_max, 1 / 0.002, 1e-12, "1 / mean demand of the mix")


class Percentiles(Close):
    def test_mm1(self):
        # Exponential with mean R = D / (1 - U): p99 = R ln 100.
        self.assertClose(q.mm1_percentile(0.01, 50.0, 0.99), 0.02 * math.log(100), 1e-12, "p99")
        self.assertClose(q.mm1_percentile(1.0, 0.0, 0.5), math.log(2), 1e-12, "median")
        self.assertEqual(q.mm1_percentile(0.01, 100.0, 0.99), math.inf)

    def test_mmc_survival(self):
        # c = 1: the M/M/1 exponential, P(T > t) = exp(-t / R).
        for lam in (0.1, 0.5, 0.9):
            r = 1 / (1 - lam)
            for t in (0.1, 1.0, 5.0):
                self.assertClose(q.mmc_survival(1, 1.0, lam, t), math.exp(-t / r), 1e-12,
                                 "c=1 lam=%g t=%g" % (lam, t))
        self.assertClose(q.mmc_percentile(1, 1.0, 0.5, 0.99), 2 * math.log(100), 1e-9, "c=1 p99")
        # Its integral is the mean response time (Simpson's rule), for c = 2
        # and 4, including theta = mu (c = 2, lam = mu).
        for c, lam in ((2, 0.5), (2, 1.0), (2, 1.9), (4, 3.0)):
            h, n = 0.02, 8000  # to t = 160: the tail left out is below 1e-6
            f = [q.mmc_survival(c, 1.0, lam, i * h) for i in range(n + 1)]
            area = h / 3 * (f[0] + f[-1] + 4 * sum(f[1:-1:2]) + 2 * sum(f[2:-1:2]))
            self.assertClose(area, cm.mmc_response_time(c, 1.0, lam), 2e-4,
                             "integral c=%d lam=%g" % (c, lam))

    def test_mmc_percentile(self):
        # Idle: the service's own tail, D ln 100.
        self.assertClose(q.mmc_percentile(4, 0.001, 1e-6, 0.99), 0.001 * math.log(100), 1e-4,
                         "idle p99")
        # It is the exact quantile: the survival there is 1 %.
        t = q.mmc_percentile(2, 1.0, 1.5, 0.99)
        self.assertClose(q.mmc_survival(2, 1.0, 1.5, t), 0.01, 1e-9, "P(T > p99)")
        # capacity_model's estimate adds the two quantiles: an upper bound.
        self.assertLess(t, cm.mmc_p99(2, 1.0, 1.5))
        self.assertLess(q.mmc_percentile(2, 1.0, 1.0, 0.99), t)
        self.assertEqual(q.mmc_percentile(2, 1.0, 2.0, 0.99), math.inf)

    def test_laplace_inversion(self):
        for t in (0.01, 0.5, 2.0, 10.0):
            self.assertClose(q.invert_laplace(lambda z: 1 / (z + 1), t), math.exp(-t), 1e-7,
                             "exp(-t) at %g" % t, absolute=1e-9)
            # Two exponential phases of rates 1 and 3: the hypoexponential
            # survival (3 e^-t - e^-3t) / 2.
            self.assertClose(q.invert_laplace(lambda z: (1 - 3 / ((1 + z) * (3 + z))) / z, t),
                             (3 * math.exp(-t) - math.exp(-3 * t)) / 2, 1e-7, "hypo at %g" % t,
                             absolute=1e-9)

    def test_network_percentile(self):
        # One station: the network's distribution is the station's.
        for st, lam in ((q.Station("cpu", 0.01), 60.0), (q.Station("cores", 0.01, MULTI, 2), 150.0)):
            for t in (0.005, 0.02, 0.08):
                self.assertClose(q.network_survival([st], lam, t),
                                 q.mmc_survival(st.servers, 100.0, lam, t), 1e-6, "t=%g" % t)
        self.assertClose(q.network_percentile([q.Station("cpu", 0.01)], 60.0, 0.99),
                         q.mm1_percentile(0.01, 60.0, 0.99), 1e-6, "one M/M/1")
        # Two M/M/1 in tandem (Reich: independent): response rates
        # theta = 1/D - lam of 50 and 150 per s; the sum's survival is
        # (150 e^-50t - 50 e^-150t) / 100 and its p99 solves that = 0.01.
        tandem = [q.Station("a", 0.01), q.Station("b", 0.005)]
        p99 = q.network_percentile(tandem, 50.0, 0.99)
        self.assertClose((150 * math.exp(-50 * p99) - 50 * math.exp(-150 * p99)) / 100, 0.01,
                         1e-6, "tandem survival at p99")
        # The p99 of a sum exceeds each part's and stays under the sum of them.
        self.assertGreater(p99, q.mm1_percentile(0.01, 50.0, 0.99))
        self.assertLess(p99, q.mm1_percentile(0.01, 50.0, 0.99) + q.mm1_percentile(0.005, 50.0, 0.99))
        self.assertEqual(q.network_percentile(tandem, 100.0, 0.99), math.inf)

    def test_mixture_percentile(self):
        # Two classes, each one M/M/1 at its own arrival rate: 90 % of the
        # requests at a (20 per s of 10 ms: theta 80), 10 % at b (10 per s
        # of 50 ms: theta 10). P(T > t) = 0.9 e^-80t + 0.1 e^-10t = 0.01.
        a, b = q.Station("a", 0.01), q.Station("b", 0.05)
        classes = [(0.9, [(a, 20.0)]), (0.1, [(b, 10.0)])]
        p99 = q.mixture_percentile(classes, 0.99, 0.02)
        self.assertClose(0.9 * math.exp(-80 * p99) + 0.1 * math.exp(-10 * p99), 0.01, 1e-6,
                         "the mixture's survival at its p99")
        # b's tail alone: 0.1 e^-10t = 0.01 at ln(10) / 10, a little less.
        self.assertClose(p99, math.log(10) / 10, 0.01, "the slow tenth's p90")
        # One class of share 1 is the network percentile.
        tandem = [q.Station("a", 0.01), q.Station("b", 0.005)]
        self.assertClose(q.mixture_percentile([(1.0, [(s, 50.0) for s in tandem])], 0.99, 0.03),
                         q.network_percentile(tandem, 50.0, 0.99), 1e-9, "one class")
        self.assertEqual(q.mixture_percentile([(0.5, [(a, 20.0)]), (0.5, [(b, 20.0)])],
                                              0.99, 0.02), math.inf)


if __name__ == "__main__":
    check_summary.main()
