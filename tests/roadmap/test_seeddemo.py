"""`manage.py seeddemo`: a demo learner whose first dashboard shows what it is for."""

import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from roadmap.management.commands.seeddemo import DEMO_EMAIL, DEMO_PASSWORD, DEMO_PATH
from roadmap.models import (
    CareerPath,
    Enrollment,
    EvidenceLink,
    MilestoneProgress,
    ProgressEvent,
    ProgressStatus,
)
from roadmap.presenters.activity import ProjectionStatus
from roadmap.presenters.dashboard import learner_dashboard
from tests.roadmap.factories import (
    MilestoneProgressFactory,
    ProgressEventFactory,
    build_roadmap,
    enrolled_learner,
    path_milestones,
)

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seeddemo", force=True, stdout=out)
    return out.getvalue()


def snapshot(learner) -> dict:
    return {
        "progress": sorted(
            MilestoneProgress.objects.filter(learner=learner).values_list(
                "milestone__slug", "status", "target_date", "notes"
            )
        ),
        "events": ProgressEvent.objects.filter(learner=learner).count(),
        "evidence": EvidenceLink.objects.filter(progress__learner=learner).count(),
        "enrolments": Enrollment.objects.filter(learner=learner).count(),
        "addresses": list(
            EmailAddress.objects.filter(user=learner).values_list("email", "verified", "primary")
        ),
    }


def test_seeddemo_loads_the_path_and_tells_a_twelve_week_story(client):
    # given: an empty database (the command loads the roadmap itself)
    assert not CareerPath.objects.filter(slug=DEMO_PATH).exists()

    # when
    output = seed()

    # then: the credentials are printed, and they log in (allauth: verified primary address)
    assert DEMO_EMAIL in output and DEMO_PASSWORD in output
    learner = User.objects.get(email=DEMO_EMAIL)
    assert list(EmailAddress.objects.filter(user=learner).values_list("verified", "primary")) == [
        (True, True)
    ]
    response = client.post(
        reverse("account_login"), {"login": DEMO_EMAIL, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("roadmap:dashboard")

    # and the dashboard has something to say about every part
    data = learner_dashboard(learner=learner)
    overview = data.overview
    assert [p.path.slug for p in overview.paths] == [DEMO_PATH]
    assert 35 <= overview.percent <= 45
    assert overview.skipped >= 1 and data.in_progress >= 3
    assert len(overview.overdue) == 1
    assert len(overview.due_soon) >= 1
    assert data.heatmap.streak >= 5
    assert data.heatmap.active_days >= 20
    days_with_events = [c.day for c in data.heatmap.cells if c.count]
    assert (data.heatmap.today - min(days_with_events)).days >= 77  # spread over 12 weeks
    assert data.projection.status == ProjectionStatus.PROJECTED
    assert MilestoneProgress.objects.filter(learner=learner).exclude(notes="").exists()
    assert EvidenceLink.objects.filter(progress__learner=learner).exists()

    page = client.get(reverse("roadmap:dashboard")).content.decode()
    assert f"{overview.percent}%" in page and "Projected finish" in page


def test_the_story_is_consistent_with_what_the_services_record():
    # given
    seed()
    learner = User.objects.get(email=DEMO_EMAIL)
    now = timezone.now()

    # then: nothing happened in the future, and each row's status and times match its events
    assert not ProgressEvent.objects.filter(learner=learner, occurred_at__gt=now).exists()
    # (rows the plan made only to hold a milestone's planned weeks have nothing to match)
    rows = MilestoneProgress.objects.filter(learner=learner).exclude(
        status=ProgressStatus.NOT_STARTED, target_date__isnull=True
    )
    for progress in rows.select_related("milestone"):
        status_events = list(
            ProgressEvent.objects.filter(
                learner=learner, milestone=progress.milestone, kind="status"
            ).order_by("occurred_at")
        )
        assert status_events, progress.milestone.slug
        assert status_events[-1].to_status == progress.status
        assert status_events[0].from_status == ProgressStatus.NOT_STARTED
        if progress.status == ProgressStatus.DONE:
            assert progress.completed_at == status_events[-1].occurred_at
            assert progress.started_at <= progress.completed_at
        if progress.status == ProgressStatus.IN_PROGRESS:
            assert progress.started_at == status_events[0].occurred_at
            assert progress.completed_at is None
        if progress.target_date:
            detail = (
                ProgressEvent.objects.filter(
                    learner=learner, milestone=progress.milestone, kind="target_date"
                )
                .latest("occurred_at")
                .detail
            )
            assert detail == progress.target_date.isoformat()


def test_rerunning_resets_the_demo_learner_and_touches_nobody_else():
    # given: a first run, then the demo learner wanders off the script
    seed()
    learner = User.objects.get(email=DEMO_EMAIL)
    before = snapshot(learner)
    extra = build_roadmap(steps=1, milestones_per_step=2, slug="extra")
    Enrollment.objects.create(learner=learner, path=extra)
    MilestoneProgressFactory(learner=learner, milestone=path_milestones(extra)[0], status="done")
    ProgressEventFactory(learner=learner, milestone=path_milestones(extra)[0])
    learner.set_password("changed-by-a-visitor-2026")
    learner.save()
    # and another learner has progress on the same path
    other = enrolled_learner(CareerPath.objects.get(slug=DEMO_PATH))
    MilestoneProgressFactory(learner=other, milestone=path_milestones(extra)[1])

    # when
    seed()

    # then: the same story again, one account, the public password back, the other untouched
    assert User.objects.filter(email=DEMO_EMAIL).count() == 1
    assert snapshot(learner) == before
    learner.refresh_from_db()
    assert learner.check_password(DEMO_PASSWORD)
    assert MilestoneProgress.objects.filter(learner=other).count() == 1
    assert Enrollment.objects.filter(learner=other).count() == 1


def test_seeddemo_refuses_to_run_with_debug_off_unless_forced(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        call_command("seeddemo", stdout=io.StringIO())

    assert not User.objects.filter(email=DEMO_EMAIL).exists()
