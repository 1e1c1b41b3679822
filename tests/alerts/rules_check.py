#!/usr/bin/env python3
"""tests/alerts/rules_check.py: what promtool cannot know of the alerting
rules (docs/prometheus/microshop-alerts.yml).

    rules_check.py RULES OPERATIONS_MD SCRAPE...

- Every rule is an alert with a severity (critical or warning), a summary,
  a description and a runbook_url naming the section of OPERATIONS_MD
  headed by the alert's name; every section headed "### Microshop..."
  there has its alert.
- Every metric a rule's expression reads is one the services export: a
  series of that name is in one of the SCRAPEs (real answers of
  /user/metrics and /order/metrics), apart from Prometheus's own `up`.
  Every label it selects on or groups by is one that metric's series
  carry (job and instance are the scrape's); a matcher whose value is a
  plain word or words (a|b) names values the scrape shows, except a
  status, of which a count of zero is not exported.

Prints one line a finding and exits 1 when there is any; 0 otherwise.
"""
import re
import sys

import yaml

SEVERITIES = {"critical", "warning"}
TARGET_LABELS = {"job", "instance"}
PROMETHEUS_METRICS = {"up"}
SELECTOR = re.compile(r'\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?')
MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')
GROUPING = re.compile(r'\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)')
PLAIN = re.compile(r'^[A-Za-z0-9_]+(\|[A-Za-z0-9_]+)*$')
# PromQL words a selector's pattern also matches.
KEYWORDS = {
    "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk",
    "quantile", "count_values", "group", "by", "without", "on", "ignoring",
    "group_left", "group_right", "and", "or", "unless", "bool", "offset",
}


def scrape_series(paths):
    """{metric name: [{label: value}]} of the scrapes' sample lines."""
    series = {}
    line_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? ')
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = line_re.match(line)
                if m is None:
                    continue
                labels = dict((k, v) for k, _, v in MATCHER.findall(m.group(3) or ""))
                series.setdefault(m.group(1), []).append(labels)
    return series


def slug(heading):
    """The anchor GitHub gives a heading."""
    text = re.sub(r'[^\w\- ]', '', heading.strip().lower())
    return text.replace(' ', '-')


def check_alert(rule, anchors, problems):
    name = rule.get("alert")
    if name is None:
        problems.append(f"rule {rule.get('record')!r} is not an alert")
        return
    severity = (rule.get("labels") or {}).get("severity")
    if severity not in SEVERITIES:
        problems.append(f"{name}: severity {severity!r} is not one of {sorted(SEVERITIES)}")
    notes = rule.get("annotations") or {}
    for key in ("summary", "description", "runbook_url"):
        if not notes.get(key):
            problems.append(f"{name}: no {key}")
    want = "docs/operations.md#" + slug(name)
    if notes.get("runbook_url") != want:
        problems.append(f"{name}: runbook_url {notes.get('runbook_url')!r}, not {want!r}")
    if slug(name) not in anchors:
        problems.append(f"{name}: docs/operations.md has no section '### {name}'")


def check_expr(name, expr, series, problems):
    read = set()
    for metric, braces in SELECTOR.findall(expr):
        if metric in KEYWORDS or re.search(re.escape(metric) + r'\s*\(', expr):
            continue
        if not (metric.startswith("microshop_") or metric in PROMETHEUS_METRICS):
            continue
        read.add(metric)
        if metric in PROMETHEUS_METRICS:
            continue
        if metric not in series:
            problems.append(f"{name}: {metric} is in no scrape of the services")
            continue
        for label, op, value in MATCHER.findall(braces):
            if label in TARGET_LABELS:
                continue
            values = {s[label] for s in series[metric] if label in s}
            if not values:
                problems.append(f"{name}: {metric} has no label {label!r}")
            elif op in ("=", "=~") and PLAIN.match(value) and label != "status":
                for v in value.split("|"):
                    if v not in values:
                        problems.append(f"{name}: {metric}{{{label}={v!r}}} is in no scrape"
                                        f" (it has {sorted(values)})")
    carried = set(TARGET_LABELS)
    for metric in read:
        for s in series.get(metric, []):
            carried.update(s)
    for group in GROUPING.findall(expr):
        for label in filter(None, (g.strip() for g in group.split(","))):
            if label not in carried:
                problems.append(f"{name}: groups by {label!r}, which no metric it reads has")


def main(argv):
    if len(argv) < 4:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        rules = yaml.safe_load(f)
    with open(argv[2], encoding="utf-8") as f:
        anchors = {slug(line[4:]) for line in f if line.startswith("### ")}
    series = scrape_series(argv[3:])
    problems, alerts = [], []
    for group in rules.get("groups", []):
        for rule in group.get("rules", []):
            check_alert(rule, anchors, problems)
            name = rule.get("alert") or rule.get("record")
            alerts.append(name)
            check_expr(name, str(rule.get("expr", "")), series, problems)
    for heading in sorted(a for a in anchors if a.startswith("microshop")):
        if heading not in {slug(a) for a in alerts}:
            problems.append(f"docs/operations.md: section {heading!r} has no alert")
    problems = list(dict.fromkeys(problems))	# a selector twice in one rule: once
    for p in problems:
        print(p)
    print(f"{len(alerts)} alerts: {' '.join(alerts)}; {len(problems)} problems")
    return 1 if problems or not alerts else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
