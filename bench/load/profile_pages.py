"""Where a learner page's time goes: each page served in-process, as gunicorn would, and profiled.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_profile_bench \\
    REDIS_URL=redis://127.0.0.1:6379/4 .venv/bin/python bench/load/profile_pages.py

It (re)creates the scratch database (as bench/load/benchmark.py does, with fewer learners),
then, in a child process with production settings, calls Django's WSGI handler directly (no
test client: its template signal would add a cost per template) with a seeded learner's session
cookie and X-Forwarded-Proto: https. The pages: the dashboard (twice: as cached, and rendered
afresh as after a change, with DASHBOARD_CACHE_SECONDS=0), a step page, a milestone page, a
status change sent by htmx from the step page's row (a POST answered with the row), and the
in-repo baseline page signed in (the request frame: every middleware, the session, the user and
one query), and one turn of the benchmark's working loop (those five requests) for 32
learners in turn, so each request meets another learner's state. --planned gives every learner
a plan, so the status change re-plans; --pages picks some of the pages by the start of their
names ("working" for the loop). For each it prints the median wall and CPU time per view and
the SQL query count, what the view cost the servers (the mean CPU of this connection's
PostgreSQL backend and of the Redis server, read from /proc: run it on a quiet machine), then
profiles --runs views with cProfile and prints the Python calls a view (exact), the time by
area (templates, widgets and forms, translation, the database, middleware, our code) and the
functions that take most of it. The learner has about 15 milestones done.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.load import kit  # noqa: E402

# Areas a function's file falls in, first match wins (a path fragment, the area's name).
AREAS = [
    ("django/forms/", "forms and widgets"),
    ("django/template/", "templates (Django's engine)"),
    ("site-packages/jinja2/", "templates (Jinja2)"),
    ("templates/jinja2/", "templates (Jinja2)"),  # the compiled templates' own code
    ("django/templatetags/", "templates (Django's engine)"),
    ("django/utils/translation", "translation"),
    ("django/db/", "database (ORM)"),
    ("psycopg", "database (driver)"),
    ("django/contrib/sessions", "session and auth"),
    ("django/contrib/auth", "session and auth"),
    ("allauth", "session and auth"),
    ("django/middleware", "middleware"),
    ("whitenoise", "middleware"),
    ("django/urls", "URL resolving and reverse()"),
    ("django/core/cache", "cache (Redis)"),
    ("redis", "cache (Redis)"),
    ("django/utils/safestring", "escaping and safe strings"),
    ("django/utils/html", "escaping and safe strings"),
    ("django/utils/functional", "lazy objects"),
    ("django/", "Django, other"),
    ("site-packages/", "other libraries"),
    ("/lib/python3", "Python standard library"),
    ("/roadmap/", "careerpath code"),
    ("/core/", "careerpath code"),
    ("/accounts/", "careerpath code"),
    ("/certifications/", "careerpath code"),
    ("/portfolio/", "careerpath code"),
]


LOOP = "(the working loop)"
LANDING = "/ (a visitor)"


def area(filename: str) -> str:
    for fragment, name in AREAS:
        if fragment in filename:
            return name
    return (
        "built-ins (getattr, isinstance, str methods ...)" if filename.startswith("~") else "other"
    )


def environ_for(path: str, cookies: str, method: str = "GET", body: bytes = b"") -> dict:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_COOKIE": cookies,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if body:
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ


def process_cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of a process on this machine (0 when it cannot be read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except (OSError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def redis_server_pid() -> int | None:
    from django.conf import settings

    url = getattr(settings, "REDIS_URL", "") or os.environ.get("REDIS_URL", "")
    if not url:
        return None
    import redis

    return int(redis.Redis.from_url(url).info("server")["process_id"])


def servers_line(servers: dict[str, float]) -> str:
    parts = ", ".join(f"{name} {ms:.3f} ms" for name, ms in servers.items())
    return f"servers' CPU per view (mean): {parts}"


def inner(
    prepared: dict,
    runs: int,
    top: int,
    dump: Path | None,
    only: list[str] | None = None,
    profiled: bool = True,
) -> None:
    kit._django()
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test import override_settings

    from accounts.models import User

    handler = WSGIHandler()
    # A learner with about 15 milestones done (seed: learner g has done g mod 40).
    session = next(
        s
        for s in prepared["sessions"]
        if User.objects.get(email=s["email"]).pk % 40 in range(14, 17)
    )
    cookies = f"sessionid={session['session']}; csrftoken={session['csrf']}"
    step, milestone = prepared["pairs"][len(prepared["pairs"]) // 3]
    status_change = milestone + "status/"
    pages = {
        "dashboard": "/dashboard/",
        "step page": step,
        "milestone page": milestone,
        # The dashboard as rendered afresh after a change (the working loop renders it twice).
        "uncached dashboard": "/dashboard/",
        # Last, as it changes what the others show: the step row's status sent by htmx, the row
        # swapped back with the step's progress bar out of band. Each a real change, in turn.
        "status change (htmx, step row)": status_change,
        # What every page pays before and after its view: the middleware, the session, the
        # user, the CSRF token; one query and a small template.
        "baseline page, signed in": "/bench/baseline/",
        # The home page as a visitor sees it: no cookie, so a new CSRF cookie on each view.
        "landing page, visitor": LANDING,
        # One turn of the benchmark's working loop (5 requests) for each of 32 learners in turn:
        # dashboard, step page, status change, dashboard afresh, milestone page. Unlike the pages
        # above, each turn meets another learner's state, as the per-process caches do under load.
        "working loop (one turn, 5 requests)": LOOP,
    }
    if only:
        pages = {k: v for k, v in pages.items() if any(k.startswith(o) for o in only)}
    overrides = {"uncached dashboard": {"DASHBOARD_CACHE_SECONDS": 0}}
    moves = itertools.cycle(["in_progress", "done", "skipped", "not_started"])

    # The servers' share: this connection's PostgreSQL backend and the Redis server, read from
    # /proc (clock ticks, so a mean over many views); the machine must be otherwise quiet.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pg_pid = cursor.fetchone()[0]
    redis_pid = redis_server_pid()

    def server_cpu_seconds() -> dict[str, float]:
        return {"PostgreSQL": process_cpu_seconds(pg_pid), "Redis": process_cpu_seconds(redis_pid)}

    def request_for(path: str) -> dict:
        if path is LANDING:
            return environ_for("/", "")
        if path != status_change:
            return environ_for(path, cookies)
        body = urlencode({"status": next(moves), "fragment": "row", "next": step}).encode()
        environ = environ_for(path, cookies, method="POST", body=body)
        environ.update(
            HTTP_HX_REQUEST="true",
            HTTP_X_CSRFTOKEN=session["csrf"],
            HTTP_REFERER=f"https://127.0.0.1{step}",
        )
        return environ

    loopers = [
        f"sessionid={s['session']}; csrftoken={s['csrf']}" for s in prepared["sessions"][:32]
    ]
    csrf_of = {
        f"sessionid={s['session']}; csrftoken={s['csrf']}": s["csrf"] for s in prepared["sessions"]
    }
    turns = itertools.count()
    statuses_of: dict[tuple[str, str], itertools.cycle] = {}

    def loop_turn() -> None:
        turn = next(turns)
        who = loopers[turn % len(loopers)]
        pair_step, pair_milestone = prepared["pairs"][
            (turn // len(loopers)) % len(prepared["pairs"])
        ]
        moves_here = statuses_of.setdefault(
            (who, pair_milestone),
            itertools.cycle(["in_progress", "done", "skipped", "not_started"]),
        )
        for path in ("/dashboard/", pair_step):
            call(environ_for(path, who))
        body = urlencode(
            {"status": next(moves_here), "fragment": "row", "next": pair_step}
        ).encode()
        environ = environ_for(pair_milestone + "status/", who, method="POST", body=body)
        environ.update(
            HTTP_HX_REQUEST="true",
            HTTP_X_CSRFTOKEN=csrf_of[who],
            HTTP_REFERER=f"https://127.0.0.1{pair_step}",
        )
        call(environ)
        for path in ("/dashboard/", pair_milestone):
            call(environ_for(path, who))

    def call(environ: dict) -> None:
        status = []
        body = b"".join(handler(environ, lambda s, h: status.append((s, h))))
        path = environ["PATH_INFO"]
        if not status[0][0].startswith("200"):
            raise SystemExit(f"{path} answered {status[0]}")
        if len(body) < 100:
            raise SystemExit(f"{path}: short body")

    def view(path: str) -> None:
        if path is LOOP:
            return loop_turn()
        status = []
        body = b"".join(handler(request_for(path), lambda s, h: status.append((s, h))))
        if not status[0][0].startswith("200"):
            raise SystemExit(f"{path} answered {status[0]}")
        if path is LANDING:
            return
        if any(k == "Set-Cookie" and v.startswith(" sessionid=") for k, v in status[0][1]):
            raise SystemExit(f"{path}: the learner was logged out")
        if len(body) < 100:
            raise SystemExit(f"{path}: short body")

    def profile_page(name: str, path: str) -> None:
        for _ in range(20):
            view(path)  # warm: templates compiled, per-process caches filled
        walls, cpus = [], []
        servers_before = server_cpu_seconds()
        for _ in range(runs):
            w0, c0 = time.perf_counter(), time.process_time()
            view(path)
            walls.append((time.perf_counter() - w0) * 1000)
            cpus.append((time.process_time() - c0) * 1000)
        servers = {
            name_: (seconds - servers_before[name_]) / runs * 1000
            for name_, seconds in server_cpu_seconds().items()
        }
        queries = []  # Django empties connection.queries at each request: count them as they run

        def count(run, sql, *rest, queries=queries):
            queries.append(sql)
            return run(sql, *rest)

        with connection.execute_wrapper(count):
            view(path)
        if not profiled:
            print(f"## {name} ({path})")
            print(
                f"median {statistics.median(walls):.2f} ms wall, "
                f"{statistics.median(cpus):.2f} ms CPU per view; {len(queries)} queries"
            )
            print(servers_line(servers))
            return
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(runs):
            view(path)
        profile.disable()
        if dump:
            dump.mkdir(parents=True, exist_ok=True)
            profile.dump_stats(dump / f"{name.replace(' ', '-')}.prof")
        stats = pstats.Stats(profile)
        total = sum(v[2] for v in stats.stats.values())  # tottime of every function
        by_area: dict[str, float] = defaultdict(float)
        for (filename, _line, _func), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
            by_area[area(filename)] += tottime
        print(f"## {name} ({path})")
        print(
            f"median {statistics.median(walls):.2f} ms wall, "
            f"{statistics.median(cpus):.2f} ms CPU per view; {len(queries)} queries; "
            f"profiled {runs} views, {total / runs * 1000:.2f} ms each under cProfile, "
            f"{stats.total_calls / runs:,.0f} Python calls each"
        )
        print(servers_line(servers))
        for sql in queries:
            print(f"  query: {sql[:150]}")
        print("time by area (own time of the functions in it), ms per view under cProfile:")
        for name_, seconds in sorted(by_area.items(), key=lambda kv: -kv[1]):
            print(f"  {name_:<32} {seconds / runs * 1000:6.2f}  {seconds / total:5.1%}")
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(top)
        print(out.getvalue().split("\n", 6)[-1].rstrip())
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(top)
        print(out.getvalue().split("\n", 6)[-1].rstrip())
        print()

    for name, path in pages.items():
        with override_settings(**overrides.get(name, {})):
            profile_page(name, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="views per page (200)")
    parser.add_argument("--top", type=int, default=25, help="functions listed (25)")
    parser.add_argument("--learners", type=int, default=80)
    parser.add_argument("--dump", type=Path, help="also write each page's .prof here")
    parser.add_argument(
        "--planned", action="store_true", help="every learner has a plan (a status change re-plans)"
    )
    parser.add_argument(
        "--pages", nargs="+", metavar="START", help="only the pages whose names start so"
    )
    parser.add_argument(
        "--no-cprofile",
        action="store_true",
        help="time the views only: no cProfile pass (for a sampling profiler run from outside)",
    )
    parser.add_argument("--inner", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        inner(
            json.loads(args.inner.read_text()),
            args.runs,
            args.top,
            args.dump,
            args.pages,
            profiled=not args.no_cprofile,
        )
        return
    database, redis = kit.scratch_services("postgres://postgres@127.0.0.1:5432/cp_profile_bench")
    print("$ " + " ".join(sys.argv), flush=True)
    env = kit.production_env(database=database, redis=redis)
    kit.database_recreate(database)
    kit.cache_flush(redis)
    try:
        prepared = kit.prepare(
            env, learners=args.learners, sessions=args.learners, planned=1.0 if args.planned else 0
        )
        state = Path(os.environ.get("TMPDIR", "/tmp")) / f"cp-profile-{os.getpid()}.json"
        state.write_text(json.dumps(prepared))
        try:
            extra = ["--dump", str(args.dump.resolve())] if args.dump else []
            extra += ["--pages", *args.pages] if args.pages else []
            extra += ["--no-cprofile"] if args.no_cprofile else []
            subprocess.run(
                [kit.PYTHON, __file__, "--inner", str(state), "--runs", str(args.runs),
                 "--top", str(args.top), *extra],
                cwd=kit.ROOT, env=env, check=True,
            )  # fmt: skip
        finally:
            state.unlink()
    finally:
        kit.database_drop(database)


if __name__ == "__main__":
    main()
