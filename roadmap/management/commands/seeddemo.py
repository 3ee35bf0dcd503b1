"""`manage.py seeddemo`: a demo learner with twelve weeks of realistic progress on the AI-PM path.

Rerunning it resets the demo learner's progress to a fresh copy of the same story, dated from
today, so the dashboard always has a current streak, one overdue milestone and one due this week.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from roadmap.models import (
    CareerPath,
    Enrollment,
    EvidenceLink,
    LearnerPlan,
    Milestone,
    MilestoneProgress,
    PlanRevision,
    ProgressEvent,
    ProgressEventKind,
    ProgressStatus,
)
from roadmap.presenters.dashboard import learner_dashboard
from roadmap.services.plan import plan_settings_set
from roadmap.services.progress import EVIDENCE_ADDED, path_enrol

DEMO_EMAIL = "demo@careerpath.local"
DEMO_PASSWORD = "demo-learner-2026!"
DEMO_NAME = "Demo Learner"
DEMO_TIMEZONE = "Europe/London"
DEMO_PATH = "ai-project-manager"

HISTORY_DAYS = 84
STREAK_DAYS = 6  # today and the five days before, with a quiet day before that
DONE_SHARE = 0.4
# Milestones the demo learner chose to skip (they already hold a degree; no internship).
SKIPPED = ("relevant-degree", "ai-internship-apprenticeship")
NOTES = {
    "ai-risk-mitigation": (
        "Draft a risk register for the churn-model pilot: data drift, label quality, "
        "who signs off on a model rollback."
    ),
    "timeline-management": "Re-plan the labelling milestone: the vendor needs two more weeks.",
    "stakeholder-communication": "Practise the one-page status update on Friday's sync.",
    "first-hands-on-model": (
        "Kaggle Titanic notebook done; next time split validation data before any tuning."
    ),
}
EVIDENCE = {
    "first-hands-on-model": (
        "https://github.com/careerpath-demo/titanic-baseline",
        "Baseline model notebook",
    ),
}


@dataclass
class Story:
    """The rows to write, built in memory so they can be checked before anything is saved."""

    progress: list[MilestoneProgress] = field(default_factory=list)
    events: list[ProgressEvent] = field(default_factory=list)
    evidence: list[tuple[Milestone, str, str, dt.datetime]] = field(default_factory=list)


class Command(BaseCommand):
    help = (
        f"Create or reset the demo learner {DEMO_EMAIL} with twelve weeks of progress on the "
        f"{DEMO_PATH} path (loading the roadmap data first if it is missing)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off: the demo account has a published password.",
        )

    def handle(self, *args, force: bool = False, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off, so this may be a real site: the demo learner's password is "
                "public. Pass --force if you really want the demo account here."
            )
        path = CareerPath.objects.filter(slug=DEMO_PATH).first()
        if path is None:
            self.stdout.write(f"The {DEMO_PATH} path is not loaded yet; running loadroadmap.")
            call_command("loadroadmap", stdout=self.stdout)
            path = CareerPath.objects.filter(slug=DEMO_PATH).first()
            if path is None:
                raise CommandError(f"loadroadmap did not create the {DEMO_PATH} path.")

        with transaction.atomic():
            learner = self._learner()
            self._reset(learner)
            path_enrol(learner=learner, path=path)
            now = timezone.now()
            story = build_story(learner=learner, path=path, now=now)
            self._write(story)
            # A plan too, so the dashboard opens on this week's work (every day a study day, so
            # there is work this week whatever day the demo is seeded).
            plan_settings_set(learner=learner, hours_per_week=8, weekdays=range(7), now=now)

        summary = dashboard_summary(learner)
        self.stdout.write(self.style.SUCCESS(f"Demo learner ready on {path.title}: {summary}"))
        self.stdout.write("Log in at /accounts/login/ with")
        self.stdout.write(f"  email:    {DEMO_EMAIL}")
        self.stdout.write(f"  password: {DEMO_PASSWORD}")

    def _learner(self) -> User:
        learner, _created = User.objects.get_or_create(email=DEMO_EMAIL)
        learner.display_name = DEMO_NAME
        learner.timezone = DEMO_TIMEZONE
        learner.is_active = True
        learner.set_password(DEMO_PASSWORD)
        learner.save()
        # Verified and primary, as allauth's mandatory verification requires for a login.
        EmailAddress.objects.filter(user=learner).exclude(email=DEMO_EMAIL).delete()
        EmailAddress.objects.update_or_create(
            user=learner, email=DEMO_EMAIL, defaults={"verified": True, "primary": True}
        )
        return learner

    def _reset(self, learner: User) -> None:
        ProgressEvent.objects.filter(learner=learner).delete()
        MilestoneProgress.objects.filter(learner=learner).delete()  # evidence goes with it
        Enrollment.objects.filter(learner=learner).delete()
        PlanRevision.objects.filter(learner=learner).delete()
        LearnerPlan.objects.filter(learner=learner).delete()

    def _write(self, story: Story) -> None:
        rows = MilestoneProgress.objects.bulk_create(story.progress)
        by_milestone = {row.milestone_id: row for row in rows}
        for milestone, url, label, created_at in story.evidence:
            link = EvidenceLink.objects.create(
                progress=by_milestone[milestone.pk], url=url, label=label
            )
            # created_at is auto_now_add; the story's date is when the link was added.
            EvidenceLink.objects.filter(pk=link.pk).update(created_at=created_at)
        ProgressEvent.objects.bulk_create(story.events)


def dashboard_summary(learner: User) -> str:
    """The demo learner's numbers exactly as their dashboard shows them (the same presenter), so
    what the command prints is what the learner sees; seedportfoliodemo prints it again after
    its finished side project marks one more milestone done."""
    dashboard = learner_dashboard(learner=learner)
    overview = dashboard.overview
    return (
        f"{overview.done} of {overview.total} milestones done ({overview.percent}%), "
        f"{dashboard.in_progress} in progress, {len(overview.overdue)} overdue, "
        f"{len(overview.due_soon)} due this week, a {dashboard.heatmap.streak}-day streak."
    )


def build_story(*, learner: User, path: CareerPath, now: dt.datetime) -> Story:
    """Twelve weeks of progress ending `now`, as the services would have recorded it.

    Deterministic for a given day: the same seed gives the same story, shifted to today.
    """
    zone = learner.zone
    today = timezone.localtime(now, zone).date()
    rng = random.Random(f"careerpath-demo-{today.isoformat()}")
    milestones = list(
        Milestone.objects.active()
        .filter(step__path=path)
        .order_by("step__position", "position", "id")
    )
    story = Story()

    def moment(days_ago: int) -> dt.datetime:
        """A plausible local time on that day, never later than now."""
        if days_ago <= 0:
            return now - dt.timedelta(minutes=10)
        day = today - dt.timedelta(days=days_ago)
        local = dt.datetime.combine(day, dt.time(rng.randint(7, 21), rng.randint(0, 59)), zone)
        return local.astimezone(dt.UTC)

    def event(milestone, when, kind=ProgressEventKind.STATUS, **fields) -> None:
        story.events.append(
            ProgressEvent(
                learner=learner, milestone=milestone, kind=kind, occurred_at=when, **fields
            )
        )

    def quiet(days_ago: int) -> int:
        # Keep the day before the current streak empty, so the streak has a clear start.
        return STREAK_DAYS + 1 if days_ago == STREAK_DAYS else days_ago

    candidates = [m for m in milestones if m.slug not in SKIPPED]
    done_target = round(DONE_SHARE * (len(milestones) - len(SKIPPED)))
    done = candidates[:done_target]
    in_progress = candidates[done_target : done_target + 4]

    # Completions spread from eleven weeks ago to yesterday, a little irregular.
    spacing = (HISTORY_DAYS - 6) / max(len(done), 1)
    for index, milestone in enumerate(done):
        completed_ago = max(1, round(HISTORY_DAYS - 4 - index * spacing + rng.uniform(-1.5, 1.5)))
        completed_ago = quiet(completed_ago)
        started_ago = quiet(min(HISTORY_DAYS + 6, completed_ago + rng.randint(2, 9)))
        started, completed = moment(started_ago), moment(completed_ago)
        if completed <= started:
            completed = started + dt.timedelta(hours=2)
        story.progress.append(
            MilestoneProgress(
                learner=learner,
                milestone=milestone,
                status=ProgressStatus.DONE,
                started_at=started,
                completed_at=completed,
                notes=NOTES.get(milestone.slug, ""),
            )
        )
        event(milestone, started, from_status="not_started", to_status="in_progress")
        event(milestone, completed, from_status="in_progress", to_status="done")

    skipped_milestones = [m for m in milestones if m.slug in SKIPPED]
    for milestone, days_ago in zip(skipped_milestones, (78, 30), strict=False):
        when = moment(days_ago)
        story.progress.append(
            MilestoneProgress(learner=learner, milestone=milestone, status=ProgressStatus.SKIPPED)
        )
        event(milestone, when, from_status="not_started", to_status="skipped")

    # Work under way: one overdue, one due this week, one later, one without a date.
    plans = [(20, -3), (12, 4), (5, 21), (2, None)]
    for milestone, (started_ago, due_in) in zip(in_progress, plans, strict=False):
        started = moment(started_ago)
        target = today + dt.timedelta(days=due_in) if due_in is not None else None
        story.progress.append(
            MilestoneProgress(
                learner=learner,
                milestone=milestone,
                status=ProgressStatus.IN_PROGRESS,
                started_at=started,
                target_date=target,
                # Work under way always has a note: the streak below edits them.
                notes=NOTES.get(
                    milestone.slug,
                    f"Next session: pick up where I left off on “{milestone.title}”.",
                ),
            )
        )
        event(milestone, started, from_status="not_started", to_status="in_progress")
        if target is not None:
            event(
                milestone,
                started + dt.timedelta(minutes=3),
                kind=ProgressEventKind.TARGET_DATE,
                detail=target.isoformat(),
            )

    # Notes and evidence, recorded soon after the work they describe.
    by_slug = {p.milestone.slug: p for p in story.progress}
    for row in story.progress:
        if row.notes:
            when = (row.completed_at or row.started_at) + dt.timedelta(hours=1)
            event(row.milestone, min(when, now), kind=ProgressEventKind.NOTES)
    done_rows = [p for p in story.progress if p.status == ProgressStatus.DONE]
    for slug, (url, label) in EVIDENCE.items():
        # Should the data file rename that milestone, the latest finished one gets the link.
        row = by_slug.get(slug) or (done_rows[-1] if done_rows else None)
        if row is not None:
            when = min((row.completed_at or row.started_at) + dt.timedelta(hours=2), now)
            story.evidence.append((row.milestone, url, label, when))
            event(
                row.milestone,
                when,
                kind=ProgressEventKind.EVIDENCE,
                detail=f"{EVIDENCE_ADDED} {url}",
            )

    # The current streak: every day from STREAK_DAYS - 1 days ago to today has a change. Notes on
    # the work in progress fill any day the story above left empty.
    active = {timezone.localtime(e.occurred_at, zone).date() for e in story.events}
    for days_ago in range(STREAK_DAYS - 1, -1, -1):
        if today - dt.timedelta(days=days_ago) in active:
            continue
        when = moment(days_ago)
        begun = [
            p
            for p in story.progress
            if p.status == ProgressStatus.IN_PROGRESS and p.started_at < when
        ]
        if begun:
            row = begun[days_ago % len(begun)]
            event(row.milestone, when, kind=ProgressEventKind.NOTES)
    return story
