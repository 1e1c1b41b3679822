#!/usr/bin/env python3
"""tests/capacity/check_capacity_model.py: bench/capacity_model.py on
synthetic data with known lambda, sigma and kappa: the USL fit recovers them
(exactly from exact points, closely from noisy ones), predicts points it
was not fitted on, and the queueing formulas give their textbook values."""
import math
import os
import random
import sys
import unittest

sys.path.insert(0, os.path.join(os.environ.get("MICROSHOP_SRCDIR",
                                               os.path.join(os.path.dirname(__file__), "..", "..")),
                                "bench"))
import capacity_model as cm  # noqa: E402
import check_summary  # noqa: E402 (tests/capacity/, beside this file)

NS = [1, 2, 4, 8, 16, 32, 64, 128, 256]


def points(lam, sigma, kappa, ns=NS, noise=0.0, seed=1):
    rnd = random.Random(seed)
    return [(n, cm.usl_throughput(n, lam, sigma, kappa) * (1 + rnd.uniform(-noise, noise)))
            for n in ns]


class UslFit(unittest.TestCase):
    def assertClose(self, got, want, rel, what):
        self.assertTrue(abs(got - want) <= rel * abs(want) + 1e-12,
                        "%s: %r, want %r within %g" % (what, got, want, rel))

    def test_exact_points_give_the_parameters_back(self):
        for lam, sigma, kappa in ((1000, 0.05, 0.001), (35000, 0.02, 0.0002), (50, 0.3, 0.01)):
            fit = cm.fit_usl(points(lam, sigma, kappa))
            self.assertClose(fit["lam"], lam, 1e-6, "lambda")
            self.assertClose(fit["sigma"], sigma, 1e-5, "sigma")
            self.assertClose(fit["kappa"], kappa, 1e-5, "kappa")
            self.assertClose(fit["r2"], 1.0, 1e-9, "R^2")
            self.assertClose(fit["n_star"], math.sqrt((1 - sigma) / kappa), 1e-5, "N*")

    def test_noisy_points_give_them_back_closely(self):
        fit = cm.fit_usl(points(1000, 0.05, 0.001, noise=0.02, seed=7))
        self.assertClose(fit["lam"], 1000, 0.05, "lambda")
        self.assertClose(fit["sigma"], 0.05, 0.25, "sigma")
        self.assertClose(fit["kappa"], 0.001, 0.25, "kappa")
        self.assertGreater(fit["r2"], 0.98)

    def test_the_refinement_beats_the_linear_fit_on_noise(self):
        pts = points(1000, 0.05, 0.001, noise=0.05, seed=3)
        lin = cm.fit_usl(pts, iterations=0)
        refined = cm.fit_usl(pts)
        self.assertLessEqual(cm._sse(sorted(pts), refined["lam"], refined["sigma"],
                                     refined["kappa"]),
                             cm._sse(sorted(pts), lin["lam"], lin["sigma"], lin["kappa"]))

    def test_held_out_points_are_predicted(self):
        lam, sigma, kappa = 2000, 0.03, 0.0005
        fit = cm.fit_usl(points(lam, sigma, kappa, ns=[1, 2, 4, 8, 16]))
        for n in (32, 64, 128, 256):
            self.assertClose(cm.usl_throughput(n, fit["lam"], fit["sigma"], fit["kappa"]),
                             cm.usl_throughput(n, lam, sigma, kappa), 1e-4, "X(%d)" % n)

    def test_linear_scaling_has_no_peak(self):
        fit = cm.fit_usl([(n, 100.0 * n) for n in NS])
        self.assertClose(fit["lam"], 100, 1e-9, "lambda")
        self.assertEqual(fit["sigma"], 0.0)
        self.assertEqual(fit["kappa"], 0.0)
        self.assertIsNone(fit["n_star"])
        self.assertEqual(fit["x_peak"], math.inf)

    def test_contention_alone_levels_off(self):
        fit = cm.fit_usl(points(100, 0.1, 0.0))
        self.assertClose(fit["sigma"], 0.1, 1e-6, "sigma")
        self.assertLess(fit["kappa"], 1e-9)
        self.assertClose(fit["x_peak"], 1000, 1e-3, "X peak = lambda / sigma")

    def test_no_usable_point_is_an_error(self):
        with self.assertRaises(ValueError):
            cm.fit_usl([(1, 0.0), (2, 0.0)])

    def test_one_concurrency_only(self):
        fit = cm.fit_usl([(4, 400.0), (4, 400.0)])
        self.assertClose(fit["lam"], 100, 1e-9, "lambda from one N")


class ModelChoice(unittest.TestCase):
    def test_amdahl_when_kappa_is_not_there(self):
        # A plateau and a little noise: a third parameter would fit the noise.
        pts = points(1000, 0.1, 0.0, ns=[1, 2, 4, 8, 16], noise=0.01, seed=5)
        best = cm.fit_best(pts)
        self.assertEqual(best["model"], "Amdahl (kappa = 0)")
        self.assertEqual(best["kappa"], 0.0)
        self.assertAlmostEqual(best["sigma"], 0.1, delta=0.02)

    def test_usl_when_the_points_turn_down(self):
        best = cm.fit_best(points(1000, 0.05, 0.002, noise=0.01, seed=5))
        self.assertEqual(best["model"], "USL")
        self.assertAlmostEqual(best["kappa"], 0.002, delta=0.0005)

    def test_aicc_needs_enough_points(self):
        self.assertEqual(cm.aicc(cm.fit_usl(points(1000, 0.05, 0.001, ns=[1, 2, 4]))), math.inf)


class Sizing(unittest.TestCase):
    def test_p99_of_an_idle_queue_is_the_service_tail(self):
        self.assertAlmostEqual(cm.mmc_p99(4, 1000.0, 1.0), math.log(100) / 1000.0, places=6)
        self.assertEqual(cm.mmc_p99(2, 1.0, 2.0), math.inf)

    def test_p99_grows_with_load_and_shrinks_with_servers(self):
        self.assertLess(cm.mmc_p99(2, 1.0, 1.0), cm.mmc_p99(2, 1.0, 1.8))
        self.assertLess(cm.mmc_p99(4, 1.0, 1.8), cm.mmc_p99(2, 1.0, 1.8))

    def test_size(self):
        # 1 ms per request: one instance peaks at 10 000/s here.
        self.assertEqual(cm.size(5000, 0.010, 10000, 0.001), (1, 6))
        self.assertEqual(cm.size(30000, 0.010, 10000, 0.001)[0], 5)
        self.assertEqual(cm.size(5000, 0.001, 10000, 0.001), (1, None))


class Algebra(unittest.TestCase):
    def test_solve(self):
        x = cm.solve([[2, 1, 0], [1, 3, 1], [0, 1, 4]], [3, 5, 5])
        for got, want in zip(x, [1, 1, 1]):
            self.assertAlmostEqual(got, want)
        self.assertIsNone(cm.solve([[1, 2, 3], [2, 4, 6], [0, 0, 1]], [1, 2, 3]))
        self.assertEqual(cm.solve([[2, 0], [0, 4]], [2, 2]), [1.0, 0.5])


class Queueing(unittest.TestCase):
    def test_little(self):
        self.assertAlmostEqual(cm.little_deviation(64, 32000, 0.002), 0.0)
        self.assertAlmostEqual(cm.little_deviation(64, 32000, 0.0021), 0.05)

    def test_erlang_c_textbook_values(self):
        self.assertAlmostEqual(cm.erlang_c(1, 0.5), 0.5)      # M/M/1: rho
        self.assertAlmostEqual(cm.erlang_c(2, 1.0), 1 / 3)    # a = 1, c = 2
        self.assertAlmostEqual(cm.erlang_c(3, 2.0), 4 / 9)
        self.assertEqual(cm.erlang_c(2, 2.0), 1.0)            # saturated

    def test_mm1_and_mmc_response_times(self):
        self.assertAlmostEqual(cm.mmc_response_time(1, 10.0, 5.0), 1 / (10 - 5))
        # M/M/2, mu = 1, lambda = 1: R = 1 + C(2, 1) / (2 - 1) = 4/3
        self.assertAlmostEqual(cm.mmc_response_time(2, 1.0, 1.0), 4 / 3)
        self.assertEqual(cm.mmc_response_time(2, 1.0, 2.0), math.inf)
        # More workers at the same load never wait longer.
        self.assertLess(cm.mmc_response_time(4, 1.0, 1.5), cm.mmc_response_time(2, 1.0, 1.5))


if __name__ == "__main__":
    check_summary.main()
