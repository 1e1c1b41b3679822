"""bench/peers/flask/app.py: the user API's GET /user/{id} and POST /user as
a Python team would write them: Flask under gunicorn, the standard sqlite3
module with one connection per worker process, the same table, the same
durability (WAL, synchronous=FULL, 5 s busy timeout) and the same validation
and answers as microshop's user service. Only for bench/run; the path
prefix is /peer/flask and the database is $PEER_DB."""
import json
import os
import re
import sqlite3

from flask import Flask, Response, request

app = Flask(__name__)
_db = None

ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
LOCAL = re.compile(rf"^{ATEXT}(\.{ATEXT})*$")
LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
DOMAIN = re.compile(rf"^({LABEL}\.)+{LABEL}$")
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
ID = re.compile(r"^[1-9][0-9]{0,18}$")
NOW = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
COLUMNS = ("id", "name", "email", "created_at", "updated_at", "version")


def db():
    global _db
    if _db is None:
        _db = sqlite3.connect(os.environ["PEER_DB"], timeout=5, isolation_level=None)
        _db.execute("PRAGMA journal_mode = WAL")
        _db.execute("PRAGMA synchronous = FULL")
    return _db


def problem(status, detail, errors=None):
    body = {"type": "about:blank", "title": "Error", "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return Response(json.dumps(body) + "\n", status, mimetype="application/problem+json")


def user_answer(status, row):
    u = dict(zip(COLUMNS, row))
    r = Response(json.dumps(u, ensure_ascii=False) + "\n", status, mimetype="application/json")
    r.headers["ETag"] = '"%d"' % u["version"]
    if status == 201:
        r.headers["Location"] = "/user/%d" % u["id"]
    return r


def name_error(s):
    s = s.strip(" \t\n\r")
    if not s:
        return "must not be empty"
    if len(s) > 100:
        return "must be at most 100 characters"
    if CONTROL.search(s):
        return "must not contain control characters"
    return None


def email_error(s):
    if not s:
        return "must not be empty"
    if len(s.encode()) > 254:
        return "must be at most 254 bytes"
    if s.count("@") != 1:
        return "must contain exactly one '@'"
    local, domain = s.split("@")
    if len(local) > 64 or not LOCAL.match(local):
        return "has an invalid part before '@'"
    if len(domain) > 253 or not DOMAIN.match(domain) or domain.rsplit(".", 1)[1].isdigit():
        return "has an invalid domain"
    return None


def reject_constant(name):
    raise ValueError(name)


@app.post("/peer/flask/user")
def create_user():
    if request.mimetype != "application/json":
        return problem(415, "the body must be application/json")
    try:
        body = json.loads(request.get_data(), parse_constant=reject_constant)
    except (ValueError, UnicodeDecodeError):
        return problem(400, "the body is not valid JSON")
    if not isinstance(body, dict):
        return problem(400, "the body must be a JSON object")
    errors = [{"field": k, "detail": "is not a member of this resource"}
              for k in body if k not in ("name", "email")]
    for k, check in (("name", name_error), ("email", email_error)):
        if k not in body:
            errors.append({"field": k, "detail": "is required"})
        elif not isinstance(body[k], str):
            return problem(400, k + " must be a string")
        elif (why := check(body[k])) is not None:
            errors.append({"field": k, "detail": why})
    if errors:
        return problem(422, "the request has invalid fields", errors)
    try:
        row = db().execute(
            f"INSERT INTO users (name, email, created_at, updated_at, version)"
            f" VALUES (?, ?, {NOW}, {NOW}, 1) RETURNING {', '.join(COLUMNS)}",
            (body["name"].strip(" \t\n\r"), body["email"])).fetchone()
    except sqlite3.IntegrityError:
        return problem(409, "a user with this email already exists")
    except sqlite3.OperationalError:
        r = problem(503, "the database could not complete the request")
        r.headers["Retry-After"] = "1"
        return r
    return user_answer(201, row)


@app.get("/peer/flask/user/<user_id>")
def read_user(user_id):
    if not ID.match(user_id):
        return problem(404, "no such resource")
    row = db().execute(f"SELECT {', '.join(COLUMNS)} FROM users WHERE id = ?",
                       (int(user_id),)).fetchone()
    if row is None:
        return problem(404, "no such user")
    return user_answer(200, row)
