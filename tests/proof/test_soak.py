"""A short soak in CI: the 60-second, 200-learner run of bench/load/soak.py, cut to 10 seconds
and 20 learners, against gunicorn with production settings on PostgreSQL + Redis.

Rate limits: all the simulated learners log in from 127.0.0.1, so the server runs with
ACCOUNT_RATE_LIMITS="login=1000/m/ip" (bench/load/soak.py: RATE_LIMITS) and a 429 fails the run.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from bench.load import soak
from roadmap.models import MilestoneProgress, ProgressEvent, ProgressEventKind
from tests.accounts.factories import DEFAULT_PASSWORD
from tests.proof.live import production_learner
from tests.roadmap.factories import EnrollmentFactory, build_roadmap, path_milestones

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
        or not os.environ.get("REDIS_URL"),
        reason="the soak is about the production stack: it needs PostgreSQL and Redis",
    ),
]

LEARNERS = int(os.environ.get("SOAK_LEARNERS", "20"))
SECONDS = float(os.environ.get("SOAK_SECONDS", "10"))


def test_learners_changing_statuses_at_once_lose_nothing_and_see_no_errors(live_app):
    # given: learners enrolled on one path, none of them started
    path = build_roadmap(steps=2, milestones_per_step=4, slug="soak")
    urls = [m.get_absolute_url() for m in path_milestones(path)]
    steps = sorted({m.step.get_absolute_url() for m in path_milestones(path)})
    users = [production_learner(email=f"soak{i}@example.com") for i in range(LEARNERS)]
    for user in users:
        EnrollmentFactory(learner=user, path=path)
    learners = [
        soak.Learner(email=u.email, known=dict.fromkeys(urls, "not_started")) for u in users
    ]
    app = live_app(workers=3, ACCOUNT_RATE_LIMITS=soak.RATE_LIMITS)
    since = timezone.now()

    # when
    report = soak.run(
        app.base_url, learners, password=DEFAULT_PASSWORD, steps=steps, seconds=SECONDS
    )

    # then: no error of any kind, and every learner's last word is in the database
    assert not report.errors, report.summary()
    assert report.server_errors == 0 and 429 not in report.statuses, report.summary()
    assert report.statuses[302] > LEARNERS, report.summary()  # log-ins and status changes
    stored = {
        (p.learner.email, p.milestone.get_absolute_url()): p.status
        for p in MilestoneProgress.objects.select_related("learner", "milestone__step__path")
    }
    events = dict(
        ProgressEvent.objects.filter(kind=ProgressEventKind.STATUS, occurred_at__gte=since)
        .values_list("learner__email")
        .annotate(n=Count("id"))
    )
    assert soak.lost_updates(learners, stored, events) == []
    assert sum(learner.changes for learner in learners) > 0
    assert "WORKER TIMEOUT" not in app.log()
