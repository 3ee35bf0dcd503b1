"""Benchmark: digest fan-out on PostgreSQL, in-process, per worker process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_bench \\
        .venv/bin/python bench/digest_fanout.py --learners 10000 100000

For each size it (re)creates a scratch database (the name in DATABASE_URL, default cp_bench; it
refuses any other name unless --database says so), loads the shared roadmap, creates the learners
with realistic progress in bulk on the server (INSERT ... SELECT, a few seconds for 100k), then
runs the same dispatch + batch send the beat task and the workers run, in ONE child process, with
Django's file mail backend (a full MIME serialisation per email, as SMTP does; each batch's file
is deleted after the batch so the disk stays flat) or, with --mail locmem, the in-memory one. It
prints digests per second (wall clock, and per CPU-second of the worker process) and the child's
peak RSS, and finally the ratio between sizes: memory must stay flat, everything goes in batches.
The scratch database is dropped at the end (keep it with --keep).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
ZONES = [
    "Pacific/Auckland",
    "Australia/Sydney",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Europe/Berlin",
    "Europe/London",
    "UTC",
    "America/Sao_Paulo",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Pacific/Honolulu",
]


def database_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_connection(url: str):
    import psycopg2

    parts = urlsplit(url)
    conn = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
    )
    conn.autocommit = True
    return conn


def recreate_database(url: str, name: str) -> None:
    # Not `with conn`: that opens a transaction, and CREATE/DROP DATABASE refuse to run in one.
    conn = admin_connection(url)
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def reset_today(url: str) -> None:
    """Forget today's deliveries (keep the earlier, seeded ones) to send the same set again."""
    import psycopg2

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
            "DELETE FROM roadmap_reminderdelivery WHERE period_key <> "
            "'digest:daily:' || (current_date - 2)"
        )
    conn.close()


def drop_database(url: str, name: str) -> None:
    conn = admin_connection(url)
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careerpath.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- Child 1: schema and data -------------------------------------------------------------------


def populate(n: int) -> dict:
    """Migrate, load the roadmap, create n learners with progress. Server-side bulk SQL."""
    from django.core.management import call_command
    from django.db import connection

    from roadmap.models import CareerPath, Milestone, Step

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    try:
        call_command("loadroadmap", verbosity=0)
    except Exception as exc:  # noqa: BLE001 - fall back to a synthetic path of the same shape
        print(f"  (loadroadmap failed: {exc}; using a synthetic 6x5 path)")
    if not CareerPath.objects.exists():
        path = CareerPath.objects.create(slug="bench", title="Bench path")
        steps = Step.objects.bulk_create(
            Step(path=path, slug=f"s{i}", title=f"Step {i + 1}", position=i) for i in range(6)
        )
        Milestone.objects.bulk_create(
            Milestone(
                step=s, slug=f"{s.slug}-m{j}", title=f"{s.title}, milestone {j + 1}", position=j
            )
            for s in steps
            for j in range(5)
        )
    path = CareerPath.objects.order_by("pk").first()
    milestones = Milestone.objects.filter(step__path=path, retired_at__isnull=True).count()
    zones = "ARRAY[" + ",".join(f"'{z}'" for z in ZONES) + "]"
    with connection.cursor() as cur:
        # Learners: daily digest at local hour 0, so all of them are due whenever this runs.
        cur.execute(
            f"""
            INSERT INTO accounts_user (password, is_superuser, is_staff, is_active, date_joined,
                email, display_name, timezone, digest_frequency, digest_weekday, digest_hour,
                nudges_enabled, nudge_days_ahead)
            SELECT '!', false, false, true, now(), 'bench' || g || '@example.com',
                'Learner ' || g, ({zones})[1 + g %% {len(ZONES)}], 'daily', 0, 0, false, 3
            FROM generate_series(1, %s) AS g
            """,
            [n],
        )
        cur.execute(
            """
            INSERT INTO account_emailaddress (user_id, email, verified, "primary")
            SELECT id, email, true, true FROM accounts_user
            """
        )
        cur.execute(
            "INSERT INTO roadmap_enrollment (learner_id, path_id, enrolled_at) "
            "SELECT id, %s, now() - interval '60 days' FROM accounts_user",
            [path.pk],
        )
        # Progress: learner u has finished k = u % (milestones - 2) milestones in roadmap order
        # over the last two weeks, is working on the next one (a target date from 3 days ago to
        # 6 days ahead), and has dated the one after it.
        cur.execute(
            """
            WITH m AS (
                SELECT ms.id, row_number() OVER (
                    ORDER BY st.position, st.id, ms.position, ms.id) AS r
                FROM roadmap_milestone ms JOIN roadmap_step st ON st.id = ms.step_id
                WHERE st.path_id = %s AND ms.retired_at IS NULL
            ), u AS (
                SELECT id, id %% %s AS k FROM accounts_user
            )
            INSERT INTO roadmap_milestoneprogress (learner_id, milestone_id, status, started_at,
                completed_at, target_date, notes, updated_at, plan_hours, prior_learning)
            SELECT u.id, m.id,
                CASE WHEN m.r <= u.k THEN 'done' WHEN m.r = u.k + 1 THEN 'in_progress'
                     ELSE 'not_started' END,
                now() - interval '20 days',
                CASE WHEN m.r <= u.k
                     THEN now() - ((u.id * m.r) %% 14) * interval '1 day' END,
                CASE WHEN m.r = u.k + 1 THEN current_date + (u.id %% 10 - 3)::int
                     WHEN m.r = u.k + 2 THEN current_date + (u.id %% 20 + 5)::int END,
                '', now(), '[]', false
            FROM u JOIN m ON m.r <= u.k + 2
            """,
            [path.pk, max(1, milestones - 2)],
        )
        cur.execute(
            """
            INSERT INTO roadmap_progressevent (learner_id, milestone_id, kind, from_status,
                to_status, detail, occurred_at)
            SELECT learner_id, milestone_id, 'status', 'in_progress', 'done', '', completed_at
            FROM roadmap_milestoneprogress WHERE status = 'done'
            """
        )
        # Steady state: everyone had a digest before (two days ago, so no zone's "today" can
        # match its key). It is what "done since your last digest" counts from, and it gives
        # the planner the statistics of a table in use, not of an empty one.
        cur.execute(
            """
            INSERT INTO roadmap_reminderdelivery (learner_id, kind, period_key, status, attempts,
                subject, error, claimed_at, sent_at, updated_at)
            SELECT id, 'digest', 'digest:daily:' || (current_date - 2), 'sent', 1, '', '',
                now() - interval '1 day', now() - interval '1 day', now()
            FROM accounts_user
            """
        )
        cur.execute("SELECT count(*) FROM roadmap_milestoneprogress")
        progress_rows = cur.fetchone()[0]
        cur.execute("ANALYZE")
    return {
        "learners": n,
        "milestones": milestones,
        "progress_rows": progress_rows,
        "populate_s": round(time.perf_counter() - t0, 1),
    }


# --- Child 2: the fan-out -----------------------------------------------------------------------


def fanout(mail_dir: str, backend: str) -> dict:
    """Dispatch + send every due digest in this one process, batch by batch."""
    import resource

    from django.core import mail
    from django.core.mail import get_connection
    from django.utils import timezone

    from reminders.services import dispatch, sending

    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    totals = {"sent": 0, "skipped": 0, "failed": 0, "batches": 0, "send_s": 0.0}

    def deliver(ids: list[int]) -> None:
        t = time.perf_counter()
        if backend == "file":
            connection = get_connection(
                "django.core.mail.backends.filebased.EmailBackend", file_path=mail_dir
            )
        else:
            connection = get_connection("django.core.mail.backends.locmem.EmailBackend")
        report = sending.reminder_deliveries_send(delivery_ids=ids, mail_connection=connection)
        totals["send_s"] += time.perf_counter() - t
        totals["sent"] += len(report.sent)
        totals["skipped"] += len(report.skipped)
        totals["failed"] += len(report.failed)
        totals["batches"] += 1
        # What was sent is thrown away batch by batch, so only the fan-out's own memory counts.
        for f in Path(mail_dir).glob("*.log"):
            f.unlink()
        mail.outbox = []

    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    dispatch.reminders_dispatch(now=timezone.now(), deliver=deliver)
    wall = time.perf_counter() - t0
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    return {
        **{k: round(v, 2) if isinstance(v, float) else v for k, v in totals.items()},
        "wall_s": round(wall, 2),
        "dispatch_s": round(wall - totals["send_s"], 2),
        "digests_per_s": round(totals["sent"] / wall, 1) if wall else 0,
        "send_only_per_s": round(totals["sent"] / totals["send_s"], 1) if totals["send_s"] else 0,
        "cpu_ms_per_digest": round(1000 * cpu / totals["sent"], 2) if totals["sent"] else 0,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "start_rss_mb": round(rss_start / 1024, 1),
    }


def claim_only(pages_file: str) -> dict:
    """--processes mode, step 1: the dispatcher's claims, pages of ids saved for the senders."""
    from django.utils import timezone

    from reminders.services import dispatch

    pages: list[list[int]] = []
    t0 = time.perf_counter()
    dispatch.reminders_dispatch(now=timezone.now(), deliver=pages.append)
    Path(pages_file).write_text(json.dumps(pages))
    return {"dispatch_s": round(time.perf_counter() - t0, 2), "batches": len(pages)}


def send_part(pages_file: str, part: int, of: int, mail_dir: str, backend: str) -> dict:
    """--processes mode, step 2: one worker process sends every `of`-th batch."""
    import resource

    from django.core import mail
    from django.core.mail import get_connection

    from reminders.services import sending

    pages = json.loads(Path(pages_file).read_text())[part::of]
    sent = 0
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    for ids in pages:
        if backend == "file":
            connection = get_connection(
                "django.core.mail.backends.filebased.EmailBackend", file_path=mail_dir
            )
        else:
            connection = get_connection("django.core.mail.backends.locmem.EmailBackend")
        report = sending.reminder_deliveries_send(delivery_ids=ids, mail_connection=connection)
        sent += len(report.sent)
        for f in Path(mail_dir).glob("*.log"):
            f.unlink()
        mail.outbox = []
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    return {
        "sent": sent,
        "cpu_s": round(cpu, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def child(args) -> None:
    django_setup(os.environ["DATABASE_URL"])
    if args.child_populate:
        result = populate(args.child_populate)
    elif args.child_claim:
        result = claim_only(args.child_claim)
    elif args.child_send:
        pages_file, part, of, mail_dir = args.child_send
        result = send_part(pages_file, int(part), int(of), mail_dir, args.mail)
    else:
        result = fanout(args.child_fanout, args.mail)
    print("RESULT " + json.dumps(result))


def parallel_run(url: str, processes: int, mail: str) -> dict:
    """Claim once, then `processes` sender processes at the same time, as a worker pool would."""
    pages_file = str(ROOT / "var" / "bench-pages.json")
    claim = run_child(url, "--child-claim", pages_file)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(processes) as pool:
        futures = []
        for i in range(processes):
            mail_dir = ROOT / "var" / f"bench-mail-{i}"
            mail_dir.mkdir(parents=True, exist_ok=True)
            flags = ("--child-send", pages_file, str(i), str(processes), str(mail_dir))
            futures.append(pool.submit(run_child, url, *flags, "--mail", mail))
        parts = [f.result() for f in futures]
    wall = time.perf_counter() - t0
    Path(pages_file).unlink()
    sent = sum(p["sent"] for p in parts)
    return {
        "sent": sent,
        "wall_s": round(wall, 2),
        "digests_per_s": round(sent / wall, 1),
        "cpu_ms_per_digest": round(1000 * sum(p["cpu_s"] for p in parts) / sent, 2),
        "dispatch_s": claim["dispatch_s"],
        "batches": claim["batches"],
        "peak_rss_mb": max(p["peak_rss_mb"] for p in parts),
    }


def run_child(url: str, *flags: str) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "careerpath.settings.test"}
    out = subprocess.run(
        [sys.executable, __file__, *flags], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if out.returncode:
        sys.exit(f"child {flags} failed:\n{out.stdout}\n{out.stderr}")
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
        print(line)
    sys.exit(f"child {flags} printed no result:\n{out.stdout}\n{out.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--database", default="cp_bench", help="scratch database (dropped)")
    parser.add_argument("--keep", action="store_true", help="keep the last database")
    parser.add_argument(
        "--mail",
        choices=["file", "locmem"],
        default="file",
        help="file: full MIME serialisation as SMTP would do (default); locmem: in memory",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="also claim once, then send with this many processes at the same time",
    )
    parser.add_argument("--child-populate", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-claim", help=argparse.SUPPRESS)
    parser.add_argument("--child-send", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--child-fanout", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_populate or args.child_fanout or args.child_claim or args.child_send:
        return child(args)

    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://user@host:port/cp_bench (PostgreSQL only).")
    name = args.database
    if urlsplit(base).path.lstrip("/") not in ("", name):
        print(f"Using the scratch database {name!r}, not the one in DATABASE_URL.")
    url = database_url(base, name)
    command = "DATABASE_URL=" + shlex.quote(base) + " .venv/bin/python bench/digest_fanout.py "
    command += " ".join(shlex.quote(a) for a in sys.argv[1:])
    print(f"$ {command}")
    host = urlsplit(url).hostname
    print(
        f"cores (nproc): {os.cpu_count()}; fan-out in one process; {args.mail} mail backend; "
        f"PostgreSQL on {host}"
    )
    results = []
    try:
        for n in args.learners:
            recreate_database(url, name)
            data = run_child(url, "--child-populate", str(n))
            mail_dir = ROOT / "var" / "bench-mail"
            mail_dir.mkdir(parents=True, exist_ok=True)
            run = run_child(url, "--child-fanout", str(mail_dir), "--mail", args.mail)
            results.append((data, run))
            print(
                f"{n:>7} learners ({data['progress_rows']} progress rows, created in "
                f"{data['populate_s']} s): {run['sent']} digests in {run['wall_s']} s = "
                f"{run['digests_per_s']} digests/s per process (sending alone "
                f"{run['send_only_per_s']}/s; dispatch {run['dispatch_s']} s; "
                f"{run['batches']} batches; {run['cpu_ms_per_digest']} ms CPU per digest in the "
                f"worker process = {round(1000 / run['cpu_ms_per_digest'])} digests per "
                f"CPU-second); peak RSS {run['peak_rss_mb']} MB "
                f"(at start {run['start_rss_mb']} MB)"
            )
            if run["sent"] != n:
                print(f"  !! expected {n} digests, sent {run['sent']}: {run}")
            if args.processes > 1:
                # The same digests again, from a clean slate for today's period.
                reset_today(url)
                par = parallel_run(url, args.processes, args.mail)
                print(
                    f"{'':>7} same, {args.processes} sender processes at once: {par['sent']} "
                    f"digests in {par['wall_s']} s = {par['digests_per_s']} digests/s in all "
                    f"({par['cpu_ms_per_digest']} ms CPU per digest; claims took "
                    f"{par['dispatch_s']} s beforehand); peak RSS per process "
                    f"{par['peak_rss_mb']} MB"
                )
    finally:
        for folder in (ROOT / "var").glob("bench-mail*"):
            shutil.rmtree(folder, ignore_errors=True)
        if not args.keep:
            drop_database(url, name)
    if len(results) >= 2:
        (d1, r1), (d2, r2) = results[0], results[-1]
        print(
            f"{d2['learners'] // d1['learners']}x learners: peak RSS x"
            f"{r2['peak_rss_mb'] / r1['peak_rss_mb']:.2f}, throughput x"
            f"{r2['digests_per_s'] / r1['digests_per_s']:.2f}"
        )


if __name__ == "__main__":
    main()
