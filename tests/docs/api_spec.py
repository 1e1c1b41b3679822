#!/usr/bin/env python3
"""tests/docs/api_spec.py API_MD OPENAPI_YAML: docs/api.md and
docs/openapi.yaml describe the same API. Prints one line per difference
and exits 1 if there is any, else prints a summary and exits 0.

What is compared, and how api.md is read:

- Operations. Every `###`/`####` heading of api.md that names
  `METHOD /path` (one or more) is an operation; its section runs to the
  next heading. They must be exactly the spec's operations.
- Statuses. An operation's section names statuses in the first column of
  its status tables (`| 401, 403 | ... |`) and in its prose (`200`, `404
  when absent`); fenced code and other tables are not read. The statuses
  the spec gives the operation must be exactly those, plus the ones
  section 1 of api.md (Conventions) gives every operation of its kind:
    every operation: 400 (a malformed query string; nginx: not HTTP),
      414, 422 (a query parameter), 429 (nginx's per-address limit of
      requests in progress), 431, 500, 503;
    with a token (the spec's security): 401;
    with a request body: 413, 415;
    with If-Match: 412, 428.
  405 is left out: it answers the methods a path does not take, which
  belong to no operation (the Allow lists are compared instead).
- Who needs no token: section 1's list of the operations without one is
  the spec's operations with `security: []`.
- If-Match: section 1 says which methods take it; the spec's operations
  with an If-Match parameter are those.
- Allow: section 1's `/path` -> `METHODS` lists (the 405's Allow header)
  are the spec's methods of those paths.
"""
import re
import sys

import yaml

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# The statuses microshop answers (common/core/http_status.c), so that a
# number in prose ("1..200", "300 s") is not taken for one unless it is.
KNOWN = {200, 201, 204, 400, 401, 403, 404, 405, 409, 410, 412, 413, 414, 415,
         422, 428, 429, 431, 500, 503, 507}
EVERY = {400, 414, 422, 429, 431, 500, 503}
OP_RE = re.compile(r"\b(" + "|".join(METHODS) + r") (/[A-Za-z0-9_/{}.-]*)")
STATUS_CELL_RE = re.compile(r"^\s*\d{3}(\s*,\s*\d{3})*\s*$")
# A status in prose: three digits not inside a word, a number or a range.
PROSE_RE = re.compile(r"(?<![\w.\u2013/-])([1-5]\d\d)(?![\w.\u2013])")


def md_sections(text):
    """{(METHOD, path): set of statuses} from api.md's operation headings."""
    ops = {}
    current = []
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            continue
        if line.startswith("#"):
            current = []
            if line.startswith("###"):
                for m in OP_RE.finditer(line):
                    key = (m.group(1), m.group(2))
                    ops.setdefault(key, set())
                    current.append(key)
            continue
        if not current:
            continue
        found = set()
        if line.lstrip().startswith("|"):
            cells = line.strip().strip("|").split("|")
            if cells and STATUS_CELL_RE.match(cells[0]):
                found = {int(s) for s in re.findall(r"\d{3}", cells[0])}
        else:
            found = {int(s) for s in PROSE_RE.findall(line) if int(s) in KNOWN}
        for key in current:
            ops[key] |= found
    return ops


def conventions(text):
    """The lists of section 1: public operations, If-Match methods, Allow."""
    sec = text.split("## 1. Conventions", 1)[1].split("\n## ", 1)[0]
    auth = sec.split("### Authentication", 1)[1].split("```", 1)[0]
    public = set(OP_RE.findall(auth.split("except", 1)[1]))
    etag = sec.split("### ETag and If-Match", 1)[1]
    m = re.search(r"((?:`[A-Z]+`(?:, | and )?)+) take an optional `If-Match`", etag)
    if_match = set(re.findall(r"`([A-Z]+)`", m.group(1))) if m else set()
    methods = sec.split("**Methods.**", 1)[1].split("\n\n", 1)[0]
    allow = {p: set(ms.replace(" ", "").split(","))
             for p, ms in re.findall(r"`(/[^`]+)`\s+\u2192\s+`([A-Z, ]+)`", methods)}
    return public, if_match, allow


def spec_ops(spec):
    """{(METHOD, path): operation object}."""
    out = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method.upper() in METHODS:
                out[(method.upper(), path)] = (op, item)
    return out


def param_names(op, item):
    return {p.get("name") or p["$ref"].rsplit("/", 1)[1]
            for p in item.get("parameters", []) + op.get("parameters", [])}


def main(md_path, spec_path):
    text = open(md_path, encoding="utf-8").read()
    # libyaml's loader when there is one: five times faster on this file.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = yaml.load(open(spec_path, encoding="utf-8"), Loader=loader)
    md = md_sections(text)
    ops = spec_ops(spec)
    public, if_match_methods, allow = conventions(text)
    bad = []

    for key in sorted(set(md) - set(ops)):
        bad.append(f"{key[0]} {key[1]}: a heading of api.md, not an operation of the spec")
    for key in sorted(set(ops) - set(md)):
        bad.append(f"{key[0]} {key[1]}: an operation of the spec, no heading of api.md")

    pairs = 0
    for key in sorted(set(md) & set(ops)):
        op, item = ops[key]
        name = f"{key[0]} {key[1]}"
        declared = {int(s) for s in op["responses"]}
        secured = op.get("security", spec.get("security")) != []
        params = param_names(op, item)
        expected = (md[key] - {405}) | EVERY
        if secured:
            expected |= {401}
        if "requestBody" in op:
            expected |= {413, 415}
        if "IfMatch" in params:
            expected |= {412, 428}
        for s in sorted(expected - declared):
            why = "its section in api.md" if s in md[key] else "section 1 of api.md (Conventions)"
            bad.append(f"{name}: {why} says it may answer {s}; the spec does not")
        for s in sorted(declared - expected):
            bad.append(f"{name}: the spec says it may answer {s}; api.md does not")
        pairs += len(declared)
        if (not secured) != (key in public):
            bad.append(f"{name}: {'public' if not secured else 'needs a token'} in the spec, "
                       f"{'public' if key in public else 'needs a token'} in api.md section 1")
        if ("IfMatch" in params) != (key[0] in if_match_methods):
            bad.append(f"{name}: If-Match {'taken' if 'IfMatch' in params else 'not taken'} "
                       f"in the spec; api.md section 1 says {sorted(if_match_methods)} take it")

    for path, methods in sorted(allow.items()):
        have = {m for (m, p) in ops if p == path}
        if have != methods:
            bad.append(f"{path}: Allow is {', '.join(sorted(methods))} in api.md, "
                       f"the spec's methods are {', '.join(sorted(have)) or 'none'}")

    for line in bad:
        print(f"api-spec: {line}")
    if not md or not allow or not public or not if_match_methods:
        print("api-spec: api.md could not be read (its operations, Allow lists, public "
              "operations or If-Match methods)")
        return 1
    if bad:
        return 1
    print(f"api-spec: {len(ops)} operations and {pairs} (operation, status) pairs agree; "
          f"{len(public)} public operations; If-Match on {', '.join(sorted(if_match_methods))}; "
          f"{len(allow)} Allow lists")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
