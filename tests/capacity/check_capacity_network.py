#!/usr/bin/env python3
"""tests/capacity/check_capacity_network.py: bench/capacity_network.py, the
stations of microshop's model, against what a network that simple must
give: the demand curve read as documented, N = 1 answered in the sum of
the demands, the peak reached by many clients, the open network reducing
to M/M/1 and M/M/c's textbook means and percentiles, the layered worker
threads' bound solved exactly where it has a closed form, a mix of reads
and writes whose tail is its writes' (two classes, each on its own route,
its measured path kept), and a sizing answer that keeps its own
promises."""
import math
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.environ.get("MICROSHOP_SRCDIR",
                                               os.path.join(os.path.dirname(__file__), "..", "..")),
                                "bench"))
import capacity_network as cn  # noqa: E402
import queueing as q  # noqa: E402
import check_summary  # noqa: E402 (tests/capacity/, beside this file)


class Network(unittest.TestCase):
    def assertClose(self, got, want, rel, what):
        self.assertTrue(abs(got - want) <= rel * abs(want) + 1e-15,
                        "%s: %r, want %r within %g" % (what, got, want, rel))

    def test_demand_curve_is_linear_in_log_n_and_flat_beyond_its_ends(self):
        curve = [(16, 60e-6), (1, 100e-6)]
        self.assertClose(cn.demand_at(curve, 4), 80e-6, 1e-12, "D(4)")
        self.assertClose(cn.demand_at(curve, 0.2), 100e-6, 1e-12, "D below the first point")
        self.assertClose(cn.demand_at(curve, 256), 60e-6, 1e-12, "D beyond the last point")

    def test_one_client_waits_the_sum_of_the_demands(self):
        m = cn.Model([(1, 300e-6)], 2, writes=0.5, write_cpu=200e-6, fsync=80e-6, path=50e-6)
        x, r = m.closed(1)
        # cores 300 - 100 (the writer's part) = 200, writer 100, fsync 40, path 50.
        self.assertClose(r, 390e-6, 1e-9, "R(1)")
        self.assertClose(x, 1 / 390e-6, 1e-9, "X(1)")

    def test_many_clients_reach_the_bottleneck(self):
        cores = cn.Model([(1, 100e-6)], 2, path=20e-6)
        self.assertEqual(cores.peak()[1], "cores")
        self.assertClose(cores.peak()[0], 2 / 100e-6, 1e-12, "the cores' peak")
        self.assertClose(cores.closed(256)[0], 2 / 100e-6, 1e-6, "X(256)")
        writer = cn.Model([(1, 300e-6)], 2, writes=1.0, write_cpu=250e-6)
        lam, name = writer.peak()
        self.assertEqual(name, "writer")
        # Where the writer's stretched time fills it: lam 250 us f(lam) = 1.
        self.assertClose(lam * 250e-6 * writer.cores_factor(lam, 300e-6), 1.0, 1e-6,
                         "the writer's utilisation at the peak")

    def test_open_network_of_one_core_is_mm1(self):
        d, lam = 100e-6, 7000.0
        mean, p99 = cn.Model([(1, d)], 1).open(lam)
        rho = lam * d
        self.assertClose(mean, d / (1 - rho), 1e-9, "M/M/1 mean")
        self.assertClose(p99, -math.log(0.01) * d / (1 - rho), 1e-4, "M/M/1 p99")

    def test_open_network_of_two_cores_is_mm2(self):
        d, lam = 100e-6, 15000.0
        mean, p99 = cn.Model([(1, d)], 2).open(lam)
        self.assertClose(mean, d * q.station_factor(q.Station("c", d, q.MULTI, 2), lam * d),
                         1e-9, "M/M/2 mean")
        self.assertClose(p99, q.mmc_percentile(2, d, lam, 0.99), 1e-4, "M/M/2 p99")

    def test_open_network_saturates_at_the_peak(self):
        m = cn.Model([(1, 100e-6)], 2)
        self.assertTrue(math.isinf(m.open(20000.0)[0]))
        self.assertTrue(math.isinf(m.open(25000.0)[1]))

    def test_open_demand_and_path_read_at_the_rate(self):
        # Open points 200 us at 2 000/s and 150 us at 6 000/s; the
        # saturated demand, 100 us, fills 2 cores at 20 000/s; the path
        # 80 us at 2 000/s, 40 us at 6 000/s.
        m = cn.Model([(1, 120e-6), (16, 110e-6)], 2,
                     open_curve=[(6000, 150e-6), (2000, 200e-6), (20000, 100e-6)],
                     open_path=[(2000, 80e-6), (6000, 40e-6)])
        self.assertClose(m.open_demand(1000), 200e-6, 1e-12, "below the first point")
        # The busy cores, lambda D: 0.4 at 2 000/s, 0.9 at 6 000/s, 2 at
        # 20 000/s, linear between: 0.65 at 4 000/s, 1.45 at 13 000/s.
        self.assertClose(m.open_demand(4000), 0.65 / 4000, 1e-12, "between the open points")
        self.assertClose(m.open_demand(13000), 1.45 / 13000, 1e-12, "towards saturation")
        self.assertLess(19999 * m.open_demand(19999), 2.0)
        self.assertClose(m.peak()[0], 20000, 1e-12, "the peak: the saturated demand's")
        self.assertClose(m.open_stations(4000)[-1].d(), 60e-6, 1e-12, "the path between")
        self.assertClose(m.open_stations(9000)[-1].d(), 40e-6, 1e-12, "the path beyond")
        # Without open points: the closed curve's most loaded demand, which
        # saturates the cores at 20 000/s.
        c = cn.Model([(1, 120e-6), (16, 100e-6)], 2)
        self.assertClose(c.peak()[0], 20000, 1e-12, "the closed curve's peak")
        self.assertClose(c.open_demand(10000), 100e-6, 1e-12, "its last demand")

    def test_writer_stretched_by_the_cores(self):
        # The writer's 200 us per request, on cores busy at a, waits its
        # turn for a core too: its residence is M/M/1's on 200 us x the
        # cores' M/M/2 factor.
        m = cn.Model([(1, 400e-6)], 2, writes=1.0, write_cpu=200e-6)
        lam = 2000.0
        f = q.station_factor(q.Station("c", 400e-6, q.MULTI, 2), lam * 400e-6)
        st = m.open_stations(lam)
        self.assertClose(st[1].d(), 200e-6 * f, 1e-12, "the writer's stretched demand")
        self.assertEqual(m.peak()[1], "writer")
        self.assertLess(m.peak()[0], 1 / 200e-6)

    def test_a_mix_of_reads_and_writes_has_the_writes_tail(self):
        # A tenth of the requests write, 200 us each at the writer; the
        # cores' own part next to nothing. The reads then answer at once
        # and the writes wait M/M/1's exponential time of mean
        # 1 / (1 / (200 us f) - lambda / 10): P(T > t) = 0.1 exp(-t / mean),
        # so the p99 is mean ln(10), where one class would have every
        # request wait a tenth of it: 0.1 mean ln(100), five times less.
        w, lam = 0.1, 3000.0
        one = cn.Model([(1, w * 200e-6)], 2, writes=w, write_cpu=200e-6)
        mix = cn.Model([(1, w * 200e-6)], 2, writes=w, write_cpu=200e-6, write_share=w)
        slow = 1 / (1 / (200e-6 * one.cores_factor(lam, w * 200e-6)) - lam * w)
        self.assertClose(mix.open(lam)[1], slow * math.log(10), 1e-4, "the mix's p99")
        self.assertClose(one.open(lam)[1], w * slow * math.log(100), 1e-4, "one class's p99")
        self.assertClose(mix.open(lam)[0], one.open(lam)[0], 1e-12, "the mean, the same")

    def test_a_mix_keeps_its_measured_path(self):
        # The mix's path 100 us at this rate; its writes' own workload has
        # 400 us at a tenth of it: the reads keep (100 - 0.1 x 400) / 0.9.
        # A write path longer than the mix's over the share is cut to it.
        w, lam = 0.1, 2000.0
        mix = cn.Model([(1, 100e-6)], 2, writes=w, write_cpu=200e-6, open_path=[(0.0, 100e-6)],
                       write_share=w, write_path=[(0.0, 400e-6)])
        (rs, reads), (ws, writes) = mix.routes(lam)
        self.assertEqual((rs, ws), (1 - w, w))
        path = {name: [s.d() for s, _ in route if s.name == "path"][0]
                for name, route in (("reads", reads), ("writes", writes))}
        self.assertClose(path["writes"], 400e-6, 1e-12, "the writes' path")
        self.assertClose(path["reads"], 60e-6 / 0.9, 1e-12, "the reads' path")
        self.assertEqual([s.name for s, _ in reads], ["cores", "path"])
        self.assertEqual([(s.name, r) for s, r in writes],
                         [("cores", lam), ("writer", lam * w), ("path", lam)])
        mix.write_path = [(0.0, 2e-3)]
        self.assertClose([s.d() for s, _ in mix.routes(lam)[1][1] if s.name == "path"][0],
                         1e-3, 1e-12, "the writes' path, at most the mix's over the share")
        self.assertEqual(len(cn.Model([(1, 100e-6)], 2).routes(lam)), 1)

    def test_worker_threads_bound_the_throughput(self):
        # One thread held 100 us a request, the cores 100 us more, two
        # cores, 64 clients: the thread is the bottleneck; its stretch is at
        # least 1, so X <= 1 / 100 us, and more threads approach the cores'
        # 2 / 200 us.
        m = cn.Model([(1, 200e-6)], 2)
        one = m.with_threads(1, 100e-6)
        self.assertLessEqual(one, 1 / 100e-6 * (1 + 1e-9))
        self.assertGreater(one, 0.5 / 100e-6)
        many = m.with_threads(32, 100e-6)
        self.assertGreater(many, one)
        self.assertClose(many, 2 / 200e-6, 0.02, "32 threads: the cores' peak")

    def test_sizing_keeps_its_promises(self):
        m = cn.Model([(1, 250e-6), (16, 200e-6)], 2, path=50e-6)
        ans = cn.size(m, 30000.0, 0.010, 150e-6)
        self.assertLessEqual(ans["per_host"], 0.8 * m.peak()[0] * (1 + 1e-12))
        self.assertLessEqual(m.open(ans["per_host"])[1], 0.010)
        self.assertEqual(ans["hosts"], math.ceil(30000.0 / ans["per_host"]))
        self.assertEqual(ans["saturates"], "cores")
        tight = cn.size(m, 30000.0, 0.001, 150e-6)
        self.assertGreater(tight["hosts"], ans["hosts"])
        self.assertIsNone(cn.size(m, 30000.0, 0.0001, 150e-6))


if __name__ == "__main__":
    check_summary.main()
