#!/usr/bin/env python3
"""tests/bench/check_report.py: bench/report's targets and its comparison
of POST /order with the disk's fdatasync rate, on made-up runs whose
figures sit either side of each bound: each target is met, missed or not
measured as its figure says; the disk's rate is the faster of its two
loops; the PostgreSQL target reads the earlier run's ratio from
bench/results/ of the tree it is given; the RSS after the long run is read
from bench/run's sentence, in the environment and in a report's text."""
import csv
import os
import sys
import tempfile
import unittest
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader

sys.dont_write_bytecode = True  # no __pycache__ beside bench/report
SRC = os.environ.get("MICROSHOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
_loader = SourceFileLoader("bench_report", os.path.join(SRC, "bench", "report"))
report = module_from_spec(spec_from_loader("bench_report", _loader))
_loader.exec_module(report)

FIELDS = ["workload", "server", "connections", "seconds", "requests", "rps", "ceiling_ratio",
          "p50_ms", "p99_ms", "max_ms", "non2xx", "socket_errors", "timeouts"]
SQLITE = "x, 2 cores, 1 GiB; the services' data: SQLite files"
POSTGRESQL = "x, 2 cores, 1 GiB; the services' data: PostgreSQL 15.18 (a private cluster)"


def row(workload, server, conns, rps, ratio, p99=10.0, failed=0, requests=10000):
    """One CSV row as bench/run writes it (ratio None: left empty)."""
    return {"workload": workload, "server": server, "connections": conns, "seconds": "1.500",
            "requests": requests, "rps": rps, "ceiling_ratio": "" if ratio is None else ratio,
            "p50_ms": p99 / 2, "p99_ms": p99, "max_ms": p99 * 1.5, "non2xx": 0,
            "socket_errors": 0, "timeouts": failed}


def run_rows(order64=(4500, 0.090, 15.0), order256=(4600, 0.092, 120.0, 0),
             disk=(1400, 1000), get=(15000, 5000, 2500)):
    """A run's rows: the ceiling at 50 000/s, POST /order FULL at 64 and 256
    connections, the disk's two loops (overwrite, append; None: not
    measured) and GET /user/{id} for microshop, PHP-FPM and Flask."""
    rows = [row("ceiling", "nginx", 64, 50000, "1.000"), row("ceiling", "nginx", 256, 50000, "1.000"),
            row("POST /order FULL", "microshop", 64, order64[0], order64[1], order64[2]),
            row("POST /order FULL", "microshop", 256, order256[0], order256[1], order256[2],
                order256[3])]
    if disk:
        rows += [row("fdatasync 4 KiB overwrite", "disk", 1, disk[0], None, 0.2),
                 row("fdatasync 4 KiB append", "disk", 1, disk[1], None, 0.3)]
    for server, rps in zip(("microshop", "PHP-FPM", "Flask"), get):
        rows.append(row("GET /user/{id}", server, 64, rps, rps / 50000))
    return rows


class Run(unittest.TestCase):
    """Runs written to a CSV and read back by bench/report's own load()."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def load(self, rows, name="run.csv"):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, FIELDS)
            w.writeheader()
            w.writerows(rows)
        return report.load(path)

    def targets(self, rows, machine=SQLITE, **facts):
        facts = {"machine": machine, "rss": {}, "rss_long": {}, "token": None, **facts}
        return {what: (figure, met) for what, figure, met in report.targets(self.load(rows), facts)}

    def mark(self, targets, start):
        """The mark of the one target whose text starts with start."""
        found = [v for k, v in targets.items() if k.startswith(start)]
        self.assertEqual(len(found), 1, f"{start!r} in {sorted(targets)}")
        return found[0][1]


class DiskRate(Run):
    def test_the_disk_rows_load_without_a_ceiling_ratio(self):
        rows = self.load(run_rows())
        self.assertIsNone(rows[("fdatasync 4 KiB append", "disk", 1)]["ceiling_ratio"])
        self.assertEqual(rows[("fdatasync 4 KiB overwrite", "disk", 1)]["rps"], 1400)

    def test_the_rate_is_the_faster_loop(self):
        self.assertEqual(report.disk_rate(self.load(run_rows(disk=(1400, 1000)))), 1400)
        self.assertEqual(report.disk_rate(self.load(run_rows(disk=(900, 1600)))), 1600)
        self.assertIsNone(report.disk_rate(self.load(run_rows(disk=None))))

    def test_the_sentence_gives_post_order_as_a_multiple_of_the_rate(self):
        self.assertEqual(
            report.disk_sentence(self.load(run_rows(order64=(4200, 0.084, 15.0), disk=(1400, 1000)))),
            "POST /order FULL = 3.00 × the disk's fdatasync rate at 64 and 3.29 × at 256 "
            "connections (1,400 syncs/s: 4 KiB write + fdatasync one at a time on the state "
            "folder's file system, measured by bench/fsync-rate in the same run).")
        self.assertEqual(report.disk_sentence(self.load(run_rows(disk=None))), "")

    def test_the_table_has_both_loops_and_post_order(self):
        table = report.disk_table(self.load(run_rows()))
        self.assertIn("| disk: 4 KiB write + fdatasync, overwrite, one at a time | 1,400 | 1.00 |",
                      table)
        self.assertIn("| disk: 4 KiB write + fdatasync, append, one at a time | 1,000 | 0.71 |",
                      table)
        self.assertIn("| POST /order FULL, 256 connections | 4,600 | 3.29 |", table)
        self.assertEqual(report.disk_table(self.load(run_rows(disk=None))), "")


class SqliteTargets(Run):
    # The start of each target's text that a run on SQLite marks.
    BOUNDS = ("POST /order FULL on SQLite, 64 connections: ≥ 0.08",
              "POST /order FULL on SQLite, 64 connections: p99",
              "POST /order FULL on SQLite, 64 connections: ≥ 3 × the disk",
              "POST /order FULL on SQLite, 256 connections: 0 failed",
              "POST /order FULL on SQLite, 256 connections: p99",
              "GET /user/{id}, 64 connections: ≥ 3 × PHP-FPM",
              "GET /user/{id}, 64 connections: ≥ 6 × Flask")

    def test_a_run_within_every_bound_meets_them(self):
        t = self.targets(run_rows())
        for start in self.BOUNDS:
            self.assertIs(self.mark(t, start), True, start)
        self.assertFalse([k for k in t if "PostgreSQL" in k])

    def test_each_bound_crossed_is_missed(self):
        t = self.targets(run_rows(order64=(3950, 0.079, 20.5), order256=(4000, 0.080, 150.5, 1),
                                  disk=(1000, 1400), get=(14900, 5000, 2500)))
        for start in self.BOUNDS:
            self.assertIs(self.mark(t, start), False, start)
        figure = t["POST /order FULL on SQLite, 64 connections: ≥ 3 × the disk's fdatasync rate"][0]
        self.assertEqual(figure, "2.82 × (3,950/s against 1,400 syncs/s)")
        self.assertEqual(t["POST /order FULL on SQLite, 256 connections: 0 failed"][0], "1 of 10,000")

    def test_a_run_without_the_disk_has_that_target_not_measured(self):
        t = self.targets(run_rows(disk=None))
        self.assertIsNone(self.mark(t, "POST /order FULL on SQLite, 64 connections: ≥ 3 × the disk"))
        self.assertIs(self.mark(t, "POST /order FULL on SQLite, 64 connections: ≥ 0.08"), True)


class PostgresqlTarget(Run):
    def root_with_earlier_run(self, ratio):
        root = os.path.join(self.tmp.name, "tree")
        os.makedirs(os.path.join(root, "bench", "results"))
        path = os.path.join(root, "bench", "results", report.PG_BEFORE + ".csv")
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, FIELDS)
            w.writeheader()
            w.writerow(row("POST /order FULL", "microshop", 64, 1515, ratio, 73.0))
        return root

    def test_the_earlier_ratio_is_read_from_the_tree(self):
        self.assertEqual(report.pg_before(self.root_with_earlier_run("0.014")), 0.014)
        self.assertIsNone(report.pg_before(os.path.join(self.tmp.name, "nothing")))

    def test_twice_the_earlier_ratio_is_met_below_it_missed(self):
        before = report.pg_before(self.root_with_earlier_run("0.014"))
        for ratio, met in ((0.028, True), (0.030, True), (0.027, False)):
            t = self.targets(run_rows(order64=(1400, ratio, 40.0)), POSTGRESQL, pg_before=before)
            self.assertIs(self.mark(t, "POST /order FULL on PostgreSQL, 64 connections: ≥ 2 ×"),
                          met, ratio)
            self.assertFalse([k for k in t if "on SQLite" in k], "no SQLite target on PostgreSQL")

    def test_without_the_earlier_run_it_is_not_measured(self):
        t = self.targets(run_rows(), POSTGRESQL, pg_before=None)
        self.assertIsNone(self.mark(t, "POST /order FULL on PostgreSQL"))

    def test_the_committed_earlier_run_is_there(self):
        # The target reads it from this tree: renaming it would leave every
        # PostgreSQL run's target unmeasured.
        self.assertIsNotNone(report.pg_before(SRC))


class Memory(Run):
    LONG = ("After 1000123 mixed requests at 64 connections: user 13.0 -> 15.9 MiB, order 12.0 -> "
            "16.1 MiB (RSS after the first 20 s -> at the end).")

    def test_the_long_run_decides(self):
        t = self.targets(run_rows(), rss={"user": 13.0, "order": 12.0},
                         rss_long=report.rss_long(self.LONG))
        self.assertEqual(t["RSS of the user service after the long run ≤ 16 MiB"], ("15.9 MiB", True))
        self.assertEqual(t["RSS of the order service after the long run ≤ 16 MiB"], ("16.1 MiB", False))

    def test_without_a_long_run_only_a_miss_is_certain(self):
        t = self.targets(run_rows(), rss={"user": 20.0, "order": 14.8})
        self.assertIs(self.mark(t, "RSS of the user service"), False)
        self.assertIsNone(self.mark(t, "RSS of the order service"))

    def test_a_reports_text_gives_the_long_run_back(self):
        md = ("Machine: x, 2 cores, 1 GiB; the services' data: SQLite files.\n\n"
              "wrk, 2 threads, 10 s per point after a warm-up.\n\n## Memory\n\n"
              "Resident set size after the run: user service 13.0 MiB, order service 12.0 MiB.\n\n"
              + self.LONG + "\n")
        facts = report.facts_from_report(md)
        self.assertEqual(facts["rss_long"], {"user": 15.9, "order": 16.1})
        self.assertEqual(facts["rss"], {"user": 13.0, "order": 12.0})
        self.assertEqual(report.engine(facts), "sqlite")


class Marks(Run):
    def test_the_table_and_the_sentence_say_each_mark(self):
        rows = self.load(run_rows(order64=(3950, 0.079, 15.0), disk=None))
        facts = {"machine": SQLITE, "rss": {}, "rss_long": {}, "token": None}
        table = report.targets_table(rows, facts)
        self.assertIn("| target | figure | met/missed |", table)
        self.assertIn("| POST /order FULL on SQLite, 64 connections: ≥ 0.08 × the ceiling | 0.079 × "
                      "| **missed** |", table)
        self.assertIn("| the disk's rate not measured in this run | not measured |", table)
        sentence = report.targets_sentence(rows, facts)
        self.assertRegex(sentence, r"^\d+ of the \d+ performance targets are met; missed: "
                                   r"POST /order FULL on SQLite, 64 connections: ≥ 0\.08 × the "
                                   r"ceiling: 0\.079 ×; not measured: ")


if __name__ == "__main__":
    sys.exit(0 if unittest.main(exit=False, verbosity=2).result.wasSuccessful() else 1)
