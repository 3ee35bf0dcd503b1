"""What the load benchmark and the soak share: a scratch PostgreSQL database seeded with learners
who have realistic progress, logged-in sessions for them, and the app under gunicorn with
production settings.

Run by bench/load/benchmark.py and bench/load/soak.py; tests/proof/test_live.py starts the same
gunicorn against the test database. As a script (`kit.py prepare`), it runs inside the
production settings and prints what it made as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import resource
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
# Every seeded learner has this password; the hash is computed once and copied (hashing it a
# thousand times with production's PBKDF2 would take minutes and prove nothing).
PASSWORD = "bench-learner-password-2026"
PATH_SLUG = "ai-project-manager"
ZONES = ["Europe/London", "UTC", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]


# --- The scratch database -----------------------------------------------------------------------


def database_url(base: str, name: str) -> str:
    return urlunsplit(urlsplit(base)._replace(path=f"/{name}"))


def _admin(url: str):
    import psycopg2

    parts = urlsplit(url)
    conn = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
    )
    conn.autocommit = True  # CREATE/DROP DATABASE refuse to run in a transaction
    return conn


def database_recreate(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    conn = _admin(url)
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def database_drop(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    conn = _admin(url)
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def scratch_services(default_database: str) -> tuple[str, str]:
    """DATABASE_URL (a PostgreSQL scratch database, which is dropped and made again) and
    REDIS_URL from the environment, or exit saying what to set."""
    database = os.environ.get("DATABASE_URL", default_database)
    redis = os.environ.get("REDIS_URL")
    if not database.startswith("postgres") or not redis:
        raise SystemExit("set DATABASE_URL (PostgreSQL, scratch name) and REDIS_URL")
    check_scratch_name(database)
    return database, redis


def cache_flush(url: str) -> None:
    """Empty the scratch Redis database: copies of users and sessions from an earlier run (the
    same ids, other password hashes) would log the new run's learners out."""
    import redis

    redis.Redis.from_url(url).flushdb()


def check_scratch_name(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    if not (name.startswith("cp_") and ("bench" in name or "soak" in name)):
        raise SystemExit(
            f"refusing to drop and recreate {name!r}: the scratch database's name must start "
            "with cp_ and contain 'bench' or 'soak'"
        )


def fortunes_create(url: str) -> None:
    """The bare page's table (bench/load/bare), TechEmpower's twelve fortunes, in the scratch
    database."""
    import psycopg2

    from bench.load.bare.rows import FORTUNES

    parts = urlsplit(url)
    conn = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname=parts.path.lstrip("/"),
    )
    with conn, conn.cursor() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS bench_fortune "
            "(id integer PRIMARY KEY, message varchar(2048) NOT NULL)"
        )
        cur.execute("DELETE FROM bench_fortune")
        cur.executemany(
            "INSERT INTO bench_fortune (id, message) VALUES (%s, %s)",
            list(enumerate(FORTUNES, start=1)),
        )
    conn.close()


# --- Production settings in a child process -----------------------------------------------------


def production_env(*, database: str, redis: str, **extra: str) -> dict[str, str]:
    """The environment of a production deployment on this machine, behind a TLS proxy that
    the clients imitate with X-Forwarded-Proto: https."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="careerpath.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database,
        REDIS_URL=redis,
        BENCH_BASELINE="true",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare(env: dict[str, str], *, learners: int, sessions: int, planned: float = 0.0) -> dict:
    """Migrate, load the roadmap, seed learners, collect static files, mint sessions: JSON.
    `planned` is the share of learners who made a plan (each of their status changes then
    re-plans their open work, as on the site)."""
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "loadroadmap")
    manage(env, "collectstatic", "--no-input", "-v0")
    out = subprocess.run(
        [
            PYTHON,
            __file__,
            "prepare",
            "--learners",
            str(learners),
            "--sessions",
            str(sessions),
            "--planned",
            str(planned),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(out.stdout)


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed_learners(n: int, planned: float = 0.0) -> dict:
    """n verified learners on the AI-PM path: learner g has finished k = g mod 40 milestones in
    roadmap order over the last weeks (a started and a done event each, so the heatmap, streak
    and pace have history), is working on the next one with a target date from five days ago
    to eight days ahead, has dated the one after, and keeps notes and evidence on some."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from roadmap.models import CareerPath, Milestone

    path = CareerPath.objects.get(slug=PATH_SLUG)
    milestones = Milestone.objects.active().filter(step__path=path).count()
    password = make_password(PASSWORD)
    zones = "ARRAY[" + ",".join(f"'{z}'" for z in ZONES) + "]"
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM accounts_user WHERE email LIKE 'bench%%@example.com'")
        if cur.fetchone()[0]:
            raise SystemExit("learners already seeded; recreate the scratch database")
        cur.execute(
            f"""
            INSERT INTO accounts_user (password, is_superuser, is_staff, is_active, date_joined,
                email, display_name, timezone, digest_frequency, digest_weekday, digest_hour,
                nudges_enabled, nudge_days_ahead)
            SELECT %s, false, false, true, now() - interval '90 days', 'bench' || g
                || '@example.com', 'Learner ' || g, ({zones})[1 + g %% {len(ZONES)}], 'weekly',
                0, 9, true, 3
            FROM generate_series(1, %s) AS g
            """,
            [password, n],
        )
        cur.execute(
            'INSERT INTO account_emailaddress (user_id, email, verified, "primary") '
            "SELECT id, email, true, true FROM accounts_user WHERE email LIKE %s",
            ["bench%"],
        )
        cur.execute(
            "INSERT INTO roadmap_enrollment (learner_id, path_id, enrolled_at) "
            "SELECT id, %s, now() - interval '90 days' FROM accounts_user "
            "WHERE email LIKE 'bench%%'",
            [path.pk],
        )
        cur.execute(
            """
            WITH m AS (
                SELECT ms.id, row_number() OVER (
                    ORDER BY st.position, st.id, ms.position, ms.id) AS r
                FROM roadmap_milestone ms JOIN roadmap_step st ON st.id = ms.step_id
                WHERE st.path_id = %s AND ms.retired_at IS NULL
            ), u AS (
                SELECT id, id %% %s AS k FROM accounts_user WHERE email LIKE 'bench%%'
            )
            INSERT INTO roadmap_milestoneprogress (learner_id, milestone_id, status, started_at,
                completed_at, target_date, notes, prior_learning, plan_hours, updated_at)
            SELECT u.id, m.id,
                CASE WHEN m.r <= u.k THEN 'done' WHEN m.r = u.k + 1 THEN 'in_progress'
                     ELSE 'not_started' END,
                now() - ((u.k - m.r) * 2 + 4) * interval '1 day',
                CASE WHEN m.r <= u.k THEN now() - ((u.k - m.r) * 2 + u.id %% 2) * interval '1 day'
                END,
                CASE WHEN m.r = u.k + 1 THEN current_date + (u.id %% 14 - 5)::int
                     WHEN m.r = u.k + 2 THEN current_date + (u.id %% 20 + 9)::int END,
                CASE WHEN m.r %% 4 = 0 THEN 'Notes on what I learnt and what to try next.'
                     ELSE '' END,
                false, '[]'::jsonb, now()
            FROM u JOIN m ON m.r <= u.k + 2
            """,
            [path.pk, max(1, min(40, milestones - 1))],
        )
        cur.execute(
            """
            INSERT INTO roadmap_progressevent (learner_id, milestone_id, kind, from_status,
                to_status, detail, occurred_at)
            SELECT learner_id, milestone_id, 'status', 'not_started', 'in_progress', '',
                started_at FROM roadmap_milestoneprogress WHERE status IN ('done', 'in_progress')
            UNION ALL
            SELECT learner_id, milestone_id, 'status', 'in_progress', 'done', '', completed_at
            FROM roadmap_milestoneprogress WHERE status = 'done'
            UNION ALL
            SELECT learner_id, milestone_id, 'target_date', '', '', target_date::text,
                now() - interval '3 days'
            FROM roadmap_milestoneprogress WHERE target_date IS NOT NULL
            """
        )
        cur.execute(
            """
            INSERT INTO roadmap_evidencelink (progress_id, url, label, created_at)
            SELECT id, 'https://github.com/learner/project-' || id, 'Project write-up',
                completed_at
            FROM roadmap_milestoneprogress WHERE status = 'done' AND id %% %s = 0
            """,
            [5],
        )
        counts = {}
        for table in ("milestoneprogress", "progressevent", "evidencelink"):
            cur.execute(f"SELECT count(*) FROM roadmap_{table}")
            counts[table] = cur.fetchone()[0]
    counts["plans"] = plans_seed(share=planned)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return {"learners": n, "milestones": milestones, **counts}


def plans_seed(*, share: float) -> int:
    """Plans for that share of the learners (spread evenly over them, so the first learners the
    benchmark signs in hold the same share), made by the site's own service: 6 hours a week,
    Monday to Friday. Returns how many."""
    from accounts.models import User
    from roadmap.services.plan import plan_settings_set

    if share <= 0:
        return 0
    made = 0
    for index, learner in enumerate(User.objects.filter(email__startswith="bench").order_by("pk")):
        if int((index + 1) * share) > int(index * share):
            plan_settings_set(learner=learner, hours_per_week=6, weekdays=[0, 1, 2, 3, 4])
            made += 1
    return made


def sessions_mint(count: int) -> list[dict]:
    """Logged-in sessions for the first `count` learners, made the way allauth's login makes
    them (user id, backend, password hash), with a CSRF secret to post forms with."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.middleware.csrf import _get_new_csrf_string

    from accounts.models import User

    store = import_module(settings.SESSION_ENGINE).SessionStore
    minted = []
    for user in User.objects.filter(email__startswith="bench").order_by("pk")[:count]:
        session = store()
        session[SESSION_KEY] = str(user.pk)
        # The backend allauth's log-in records: the one that authenticates by email.
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        minted.append({"email": user.email, "session": session.session_key})
    return [dict(m, csrf=_get_new_csrf_string()) for m in minted]


def roadmap_urls() -> dict:
    from roadmap.models import Milestone, Step

    steps = Step.objects.filter(path__slug=PATH_SLUG).select_related("path").order_by("position")
    milestones = (
        Milestone.objects.active()
        .filter(step__path__slug=PATH_SLUG)
        .select_related("step__path")
        .order_by("step__position", "position")
    )
    milestones = list(milestones)
    return {
        "steps": [s.get_absolute_url() for s in steps],
        "milestones": [m.get_absolute_url() for m in milestones],
        # (step page, milestone page) for each milestone: the working loop's stops.
        "pairs": [[m.step.get_absolute_url(), m.get_absolute_url()] for m in milestones],
    }


# --- A learner's browser ------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    seconds: float

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def set_cookies(self) -> list[str]:
        return [v for k, v in self.headers if k.lower() == "set-cookie"]


class Browser:
    """A learner's browser behind the site's TLS proxy, on plain http to gunicorn: every request
    says X-Forwarded-Proto: https, cookies are kept by hand (they are Secure, which the standard
    library's cookie jar would not send over http), forms carry the CSRF token and a Referer."""

    def __init__(self, base_url: str, *, timeout: float = 60.0) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, data: dict | None = None, headers: dict | None = None
    ) -> Response:
        sent = {"X-Forwarded-Proto": "https", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Referer"] = f"https://{self.host}:{self.port}{path}"
        started = time.perf_counter()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=sent)
            raw = conn.getresponse()
            response = Response(
                raw.status, raw.getheaders(), raw.read(), time.perf_counter() - started
            )
        finally:
            conn.close()
        for line in response.set_cookies():
            cookie = SimpleCookie()
            cookie.load(line)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, path: str, **kw) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, data: dict | None = None, **kw) -> Response:
        form = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **(data or {})}
        return self.request("POST", path, data=form, **kw)

    def log_in(self, email: str, password: str) -> Response:
        self.get("/accounts/login/")  # the CSRF cookie
        return self.post("/accounts/login/", {"login": email, "password": password})


# --- gunicorn -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """`gunicorn careerpath.wsgi` (or another `app`) as production runs it (gunicorn.conf.py:
    2 x cores + 1 sync workers), on a free local port; stdout/stderr (the access log) go to
    `log_path`; ready when `probe` answers."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        log_path: Path,
        workers: int | None = None,
        app: str = "careerpath.wsgi",
        probe: str = "/health/",
    ):
        self.env = env
        self.app = app
        self.probe = probe
        self.port = free_port()
        self.log_path = log_path
        self.workers = workers
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> Gunicorn:
        args = [
            str(Path(PYTHON).with_name("gunicorn")),
            self.app,
            "--bind",
            f"127.0.0.1:{self.port}",
            "--no-control-socket",
        ]
        if self.workers:
            args += ["--workers", str(self.workers)]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log()[-3000:]}")
            with contextlib.suppress(OSError):
                probe = urllib.request.Request(
                    self.base_url + self.probe, headers={"X-Forwarded-Proto": "https"}
                )
                with urllib.request.urlopen(probe, timeout=2) as response:
                    if response.status in (200, 503):
                        return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {timeout}s:\n{self.log()[-3000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- Where the machine's CPU goes during a run ----------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _processes() -> list[tuple[int, int, str, float]]:
    """(pid, parent pid, command name, CPU seconds) of every process this machine shows."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            text = Path(entry.path, "stat").read_text()
        except OSError:  # gone between the listing and the read
            continue
        # The command name is in parentheses and may hold spaces: split after the last ")".
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        found.append(
            (
                int(entry.name),
                int(fields[1]),
                name,
                (int(fields[11]) + int(fields[12])) / CLOCK_TICKS,
            )
        )
    return found


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / CLOCK_TICKS, sum(values) / CLOCK_TICKS


def cpu_snapshot(server_pid: int) -> dict:
    """CPU seconds so far of each process of the web server (a gunicorn master and its
    workers), PostgreSQL and Redis; of this process's finished children (the load generator,
    wrk); and of the whole machine."""
    processes = _processes()
    web = {server_pid} | {pid for pid, parent, _, _ in processes if parent == server_pid}
    parts = {}
    for pid, _, name, seconds in processes:
        if pid in web:
            parts[pid] = ("web", seconds)
        elif name == "postgres":
            parts[pid] = ("PostgreSQL", seconds)
        elif name.startswith("redis-server"):
            parts[pid] = ("Redis", seconds)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy, elapsed = machine_busy_seconds()
    return {
        "processes": parts,
        "wrk": children.ru_utime + children.ru_stime,
        "machine": busy,
        "elapsed": elapsed,
    }


def cpu_spent(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds each part spent between two snapshots. A process that ended in between (a
    database connection past its age, say) is counted in the machine's total only."""
    spent = {"web": 0.0, "PostgreSQL": 0.0, "Redis": 0.0}
    for pid, (part, seconds) in after["processes"].items():
        earlier = before["processes"].get(pid)
        spent[part] += seconds - (earlier[1] if earlier and earlier[0] == part else 0.0)
    for key in ("wrk", "machine", "elapsed"):
        spent[key] = after[key] - before[key]
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["prepare"])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--planned", type=float, default=0.0)
    args = parser.parse_args()
    _django()
    seeded = seed_learners(args.learners, planned=args.planned)
    result = {"seeded": seeded, "sessions": sessions_mint(args.sessions), **roadmap_urls()}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
