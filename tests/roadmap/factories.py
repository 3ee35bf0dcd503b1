"""Factories for the roadmap, and `build_roadmap` for a path of any size."""

import datetime as dt
import random

import factory
from django.utils import timezone

from roadmap.models import (
    CareerPath,
    ContentVersion,
    Course,
    Enrollment,
    EvidenceLink,
    Milestone,
    MilestoneKind,
    MilestoneProgress,
    MilestoneResource,
    ProgressEvent,
    ProgressEventKind,
    ProgressStatus,
    Step,
)
from roadmap.selectors import content_snapshot
from tests.accounts.factories import UserFactory


class CareerPathFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareerPath

    slug = factory.Sequence(lambda n: f"path-{n}")
    title = factory.Sequence(lambda n: f"Career path {n}")
    summary = "A path for tests."


class StepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Step

    path = factory.SubFactory(CareerPathFactory)
    slug = factory.Sequence(lambda n: f"step-{n}")
    title = factory.Sequence(lambda n: f"Step {n}")
    position = factory.Sequence(lambda n: n)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    step = factory.SubFactory(StepFactory)
    slug = factory.Sequence(lambda n: f"milestone-{n}")
    title = factory.Sequence(lambda n: f"Milestone {n}")
    why = "Because it matters."
    how = "Read about it.\nTry it.\nWrite down what you learnt."
    kind = MilestoneKind.LEARN
    effort_hours = 5
    position = factory.Sequence(lambda n: n)


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    slug = factory.Sequence(lambda n: f"course-{n}")
    title = factory.Sequence(lambda n: f"Course {n}")
    provider = "Example Academy"
    url = factory.Sequence(lambda n: f"https://courses.example.com/{n}")
    is_free = True
    cost_amount = None
    hours = 10


class MilestoneResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MilestoneResource

    milestone = factory.SubFactory(MilestoneFactory)
    course = factory.SubFactory(CourseFactory)


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    learner = factory.SubFactory(UserFactory)
    path = factory.SubFactory(CareerPathFactory)


class MilestoneProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MilestoneProgress

    learner = factory.SubFactory(UserFactory)
    milestone = factory.SubFactory(MilestoneFactory)
    status = ProgressStatus.IN_PROGRESS
    started_at = factory.LazyFunction(timezone.now)


class EvidenceLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvidenceLink

    progress = factory.SubFactory(MilestoneProgressFactory)
    url = "https://github.com/example/project"
    label = "My project"


class ProgressEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressEvent

    learner = factory.SubFactory(UserFactory)
    milestone = factory.SubFactory(MilestoneFactory)
    kind = ProgressEventKind.STATUS
    from_status = ProgressStatus.NOT_STARTED
    to_status = ProgressStatus.IN_PROGRESS
    occurred_at = factory.LazyFunction(timezone.now)


def build_roadmap(
    *, steps: int = 6, milestones_per_step: int = 5, courses_per_step: int = 1, slug: str = ""
) -> CareerPath:
    """A published path with `steps` steps of `milestones_per_step` milestones each, every
    milestone with one course resource, in bulk (a few queries whatever the size)."""
    path = CareerPathFactory(**({"slug": slug} if slug else {}))
    step_objs = Step.objects.bulk_create(
        Step(path=path, slug=f"s{i}", title=f"Step {i + 1}", position=i) for i in range(steps)
    )
    step_objs = list(Step.objects.filter(path=path).order_by("position"))
    course_objs = []
    for step in step_objs:
        for c in range(courses_per_step):
            course = CourseFactory(slug=f"{path.slug}-{step.slug}-c{c}")
            course.steps.add(step)
            course_objs.append(course)
    Milestone.objects.bulk_create(
        Milestone(
            step=step,
            slug=f"{step.slug}-m{j}",
            title=f"{step.title}, milestone {j + 1}",
            why="Why it matters.",
            how="First.\nSecond.",
            effort_hours=4,
            position=j,
        )
        for step in step_objs
        for j in range(milestones_per_step)
    )
    if course_objs:
        by_step = {c.steps.first().pk: c for c in course_objs}
        MilestoneResource.objects.bulk_create(
            MilestoneResource(milestone=m, course=by_step[m.step_id])
            for m in Milestone.objects.filter(step__path=path)
        )
    return path


def days_ago(n: int, hour: int = 12) -> dt.datetime:
    now = timezone.now()
    return (now - dt.timedelta(days=n)).replace(hour=hour, minute=0, second=0, microsecond=0)


# --- Learner side (progress, dashboard, views) ---


def path_milestones(path: CareerPath) -> list[Milestone]:
    """The path's active milestones in roadmap order, with step and path loaded."""
    return list(
        Milestone.objects.active()
        .filter(step__path=path)
        .select_related("step__path")
        .order_by("step__position", "position", "id")
    )


def enrolled_learner(path: CareerPath, **user_fields):
    """A verified learner enrolled in `path`."""
    learner = UserFactory(**user_fields)
    EnrollmentFactory(learner=learner, path=path)
    return learner


def content_snapshot_read() -> None:
    """Read the published content into the process's snapshot, as the first learner page after
    an edit does, so that a query pin measures the pages that follow: what nearly every view
    costs. The read itself is pinned in tests/roadmap/test_content_snapshot.py. The token row
    is put back first if a transactional test's flush removed it (without it nothing is kept)."""
    if not ContentVersion.objects.filter(pk=1).exists():
        ContentVersion.objects.create(pk=1, token=random.getrandbits(62))
    content_snapshot.path_and_enrolment(path_slug="", learner=None)
