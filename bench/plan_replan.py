"""Re-planning a learner's 41 milestones (the AI Project Manager roadmap): the pure scheduler
alone, and Re-plan from this week as the site runs it (service, queries and all).

Runs in a test database Django creates and drops (from DATABASE_URL, default SQLite):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_bench \\
        .venv/bin/python bench/plan_replan.py --runs 200

Prints the median and 95th percentile of each, in milliseconds; the target is under 20 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careerpath.settings.test")


def timed(function, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        call_command("loadroadmap", verbosity=0)
        from accounts.models import User
        from roadmap import planning
        from roadmap.models import CareerPath, Milestone
        from roadmap.services import plan as plan_services
        from roadmap.services import progress as progress_services

        path = CareerPath.objects.get()
        learner = User.objects.create_user(email="bench@example.com", password="x" * 20)
        progress_services.path_enrol(learner=learner, path=path)
        milestones = list(
            Milestone.objects.active()
            .filter(step__path=path)
            .order_by("step__position", "position")
        )
        for milestone in milestones[1:4]:
            progress_services.milestone_status_set(
                learner=learner, milestone=milestone, status="done"
            )
        plan_services.plan_settings_set(learner=learner, hours_per_week=6, weekdays=[0, 1, 2, 3, 4])
        work = [planning.Work(milestone_id=m.pk, effort_hours=m.effort_hours) for m in milestones]
        today = planning.local_today(django.utils.timezone.now(), learner.zone)

        pure = timed(
            lambda: planning.plan_weeks(
                work=work, hours_per_week=6, weekdays=[0, 1, 2, 3, 4], today=today
            ),
            args.runs,
        )
        service = timed(lambda: plan_services.plan_replan(learner=learner), args.runs)
        print(f"{len(milestones)} milestones, {connection.vendor}, {os.cpu_count()} cores")
        print(
            f"scheduler alone (roadmap.planning.plan_weeks): median {pure[0]:.2f} ms, "
            f"p95 {pure[1]:.2f} ms"
        )
        print(
            f"Re-plan from this week (services.plan.plan_replan, with its queries): "
            f"median {service[0]:.2f} ms, p95 {service[1]:.2f} ms"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
