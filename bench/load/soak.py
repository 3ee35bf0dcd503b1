"""Soak: 200 simulated learners for 60 s against gunicorn with production settings.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_soak_bench \\
    REDIS_URL=redis://127.0.0.1:6379/4 .venv/bin/python bench/load/soak.py

Each learner is a thread with its own cookies: it logs in through the real log-in form, then
until the time is up views its dashboard, changes the status of a random milestone (a plain
form POST, as without JavaScript) and now and then opens a step page. It passes when no
response was a 5xx (nor a 429, nor a network error), and no update was lost: for every
milestone a learner changed, the database holds the last status that learner set, and the
learner's status events since the start are exactly the changes it made.

Rate limits: every learner comes from 127.0.0.1, so allauth's log-in limit per IP (30 a minute)
would turn most log-ins into 429s. The server runs with ACCOUNT_RATE_LIMITS="login=1000/m/ip"
(the other limits as in production), and any 429 counts as a failure: a limit can neither make
the soak pass (by shedding load) nor fail it. tests/proof/test_soak.py runs a 10-second variant.
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.load import kit  # noqa: E402

STATUSES = ("not_started", "in_progress", "done", "skipped")
RATE_LIMITS = "login=1000/m/ip"


@dataclass
class Learner:
    email: str
    # milestone URL -> the status the database holds (as this learner last set it or found it)
    known: dict[str, str]
    changes: int = 0  # status changes that altered something, i.e. events the server must log
    uncertain: set[str] = field(default_factory=set)


@dataclass
class SoakReport:
    seconds: float
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def percentile(self, kind: str, p: float) -> float:
        values = sorted(self.latencies.get(kind, []))
        if not values:
            return 0.0
        return values[min(len(values) - 1, int(len(values) * p / 100))] * 1000

    def summary(self) -> str:
        rate = self.requests / self.seconds
        statuses = dict(sorted(self.statuses.items()))
        lines = [f"{self.requests} requests in {self.seconds:.1f}s ({rate:.0f}/s); {statuses}"]
        for kind in sorted(self.latencies):
            p50, p99 = self.percentile(kind, 50), self.percentile(kind, 99)
            n = len(self.latencies[kind])
            lines.append(f"  {kind:<10} n={n:<6} p50 {p50:7.1f} ms  p99 {p99:7.1f} ms")
        lines += [f"  error: {e}" for e in self.errors[:10]]
        return "\n".join(lines)


def run(
    base_url: str,
    learners: list[Learner],
    *,
    password: str,
    steps: list[str],
    seconds: float,
    seed: int = 2026,
) -> SoakReport:
    """Run every learner at once for `seconds`; return what happened. `learner.known` must hold
    the database's status of each milestone the learner may change."""
    report = SoakReport(seconds=seconds)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    start = threading.Barrier(len(learners))

    def record(kind: str, response: kit.Response, ok: tuple[int, ...]) -> bool:
        with lock:
            report.statuses[response.status] += 1
            report.latencies.setdefault(kind, []).append(response.seconds)
            if response.status not in ok:
                report.errors.append(f"{kind}: HTTP {response.status}")
                return False
        return True

    def learner_loop(learner: Learner, rng: random.Random) -> None:
        browser = kit.Browser(base_url)
        start.wait()
        try:
            if not record("login", browser.log_in(learner.email, password), (302,)):
                return
            milestones = list(learner.known)
            while time.monotonic() < deadline:
                record("dashboard", browser.get("/dashboard/"), (200,))
                milestone = rng.choice(milestones)
                status = rng.choice(STATUSES)
                try:
                    response = browser.post(milestone + "status/", {"status": status})
                except OSError:
                    learner.uncertain.add(milestone)  # sent, maybe applied: unknown
                    raise
                if record("status", response, (302,)):
                    if learner.known[milestone] != status:
                        learner.changes += 1
                    learner.known[milestone] = status
                else:
                    learner.uncertain.add(milestone)
                if rng.random() < 0.2:
                    record("step", browser.get(rng.choice(steps)), (200,))
        except Exception as exc:  # noqa: BLE001 - a network error is a failed soak, reported
            with lock:
                report.errors.append(f"{learner.email}: {exc!r}")

    threads = [
        threading.Thread(target=learner_loop, args=(learner, random.Random(seed + i)), daemon=True)
        for i, learner in enumerate(learners)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 300)
    report.seconds = time.monotonic() - started
    return report


def lost_updates(learners: list[Learner], stored: dict[tuple[str, str], str], events) -> list:
    """What the database lost: (email, milestone, expected, found) for each status that is not
    the last one its learner set, and (email, "events", expected, found) for each learner whose
    events since the start are not its changes."""
    lost = []
    for learner in learners:
        for milestone, status in learner.known.items():
            if milestone in learner.uncertain:
                continue
            found = stored.get((learner.email, milestone), "not_started")
            if found != status:
                lost.append((learner.email, milestone, status, found))
        if not learner.uncertain and events.get(learner.email, 0) != learner.changes:
            lost.append((learner.email, "events", learner.changes, events.get(learner.email, 0)))
    return lost


# --- The stand-alone run (PostgreSQL, production settings) ----------------------------------------


def _stored_state(database: str, since: str):
    import psycopg2

    with psycopg2.connect(database) as conn, conn.cursor() as cur:
        cur.execute(
            """
            SELECT u.email, '/paths/' || p.slug || '/' || s.slug || '/' || m.slug || '/',
                mp.status
            FROM roadmap_milestoneprogress mp
            JOIN accounts_user u ON u.id = mp.learner_id
            JOIN roadmap_milestone m ON m.id = mp.milestone_id
            JOIN roadmap_step s ON s.id = m.step_id
            JOIN roadmap_careerpath p ON p.id = s.path_id
            WHERE u.email LIKE 'bench%%'
            """
        )
        stored = {(email, url): status for email, url, status in cur.fetchall()}
        cur.execute(
            "SELECT u.email, count(*) FROM roadmap_progressevent e "
            "JOIN accounts_user u ON u.id = e.learner_id "
            "WHERE e.kind = 'status' AND e.occurred_at >= %s GROUP BY u.email",
            [since],
        )
        events = dict(cur.fetchall())
    return stored, events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seeded", type=int, default=1000, help="learners in the database")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: its conf)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    database, redis = kit.scratch_services("postgres://postgres@127.0.0.1:5432/cp_soak_bench")
    print("$ " + " ".join(shlex.quote(a) for a in sys.argv), flush=True)
    print(f"cores: {os.cpu_count()}; rate limits: ACCOUNT_RATE_LIMITS={RATE_LIMITS}", flush=True)

    env = kit.production_env(database=database, redis=redis, ACCOUNT_RATE_LIMITS=RATE_LIMITS)
    kit.database_recreate(database)
    prepared = kit.prepare(env, learners=args.seeded, sessions=0)
    stored, _events = _stored_state(database, "infinity")
    milestones = prepared["milestones"]
    learners = [
        Learner(
            email=f"bench{i}@example.com",
            known={m: stored.get((f"bench{i}@example.com", m), "not_started") for m in milestones},
        )
        for i in range(1, args.learners + 1)
    ]
    with tempfile.TemporaryDirectory(prefix="cp-soak-") as tmp:
        server = kit.Gunicorn(env, log_path=Path(tmp) / "gunicorn.log", workers=args.workers)
        with server:
            since = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime())
            report = run(
                server.base_url,
                learners,
                password=kit.PASSWORD,
                steps=prepared["steps"],
                seconds=args.seconds,
            )
        log = server.log()
    stored, events = _stored_state(database, since)
    lost = lost_updates(learners, stored, events)
    if not args.keep:
        kit.database_drop(database)

    print(report.summary())
    changes = sum(learner.changes for learner in learners)
    print(f"status changes made: {changes}; lost: {len(lost)} {lost[:5]}")
    print(f"worker timeouts in the gunicorn log: {log.count('WORKER TIMEOUT')}")
    ok = not report.errors and report.server_errors == 0 and not lost
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
