"""The published roadmap read once per process and content version, not once per page.

The step page, the milestone page and a progress change show curated content (paths, steps,
milestones, courses, resources) that only admins and the loader change, and building its SQL in
Python was most of the pages' own time (docs/performance.md). So each process keeps one snapshot
of every published path's content, tagged with the content version token it was read under
(roadmap.models.ContentVersion, which database triggers change on any write to the content
tables). A page reads the token in the one small query it makes anyway, with the learner's
enrolment (`path_and_enrolment`), and takes the content from the snapshot while the token is the
same; a different token, and the snapshot is read again (five queries) before the page goes on.

Only the latest token's snapshot is kept (one slot). The reload runs under a lock, so the threads
of a gthread worker wait for one read rather than each making their own; a sync worker has one
thread anyway.

The objects handed out are shared by every request and thread of the process: callers must not
change them (no attribute assignments, no prefetch_related_objects, no save()). Their relations
are already set to the snapshot's own objects: a milestone's `.step` is its step in the snapshot,
a step's `.path` its path, a resource's `.course` its course.

Off with CONTENT_SNAPSHOT=false, and under DEBUG (so a developer's edit made with the triggers
missing still shows): then `path_and_enrolment` answers None and the pages read the database as
before. Also None while the token row is missing (after a test flush): never cached, never an
error. tests/roadmap/test_content_snapshot.py holds the rules.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from django.conf import settings
from django.db import connection

from accounts.models import User
from core.db import PreparedQuery
from roadmap.models import CareerPath, Course, Milestone, MilestoneResource, Step

__all__ = [
    "CONTENT_MODELS",
    "ContentSnapshot",
    "PublishedPath",
    "content_snapshot",
    "enrolled_published_paths",
    "held_step_milestones",
    "path_and_enrolment",
    "published_paths",
    "snapshot_enabled",
]

# The models whose tables carry the triggers, with Course.steps' link table (roadmap_course_steps):
# whatever the snapshot holds must be among them, and a new content model must get triggers
# (roadmap/content_triggers.py), which the tests check in the database's own trigger list.
CONTENT_MODELS = (CareerPath, Step, Milestone, Course, MilestoneResource)


@dataclass(frozen=True)
class PublishedPath:
    """One published path's content, in page order. Shared: read only."""

    path: CareerPath
    steps: tuple[Step, ...]
    step_by_slug: Mapping[str, Step]
    # By step id: the step's active milestones by position; its courses by title.
    milestones: Mapping[int, tuple[Milestone, ...]]
    courses: Mapping[int, tuple[Course, ...]]
    # By (step slug, milestone slug): an active milestone.
    milestone_by_slugs: Mapping[tuple[str, str], Milestone]
    # By milestone id: its resources by position, each with its course.
    resources: Mapping[int, tuple[MilestoneResource, ...]]


@dataclass(frozen=True)
class ContentSnapshot:
    token: int
    paths: Mapping[str, PublishedPath]  # by slug
    # By step id, the step objects themselves: how held_step_milestones knows its own.
    steps: Mapping[int, Step]


_held: ContentSnapshot | None = None
_reload = threading.Lock()

# The token, and whether the learner is enrolled in the path with this slug (published or not:
# the snapshot says whether it is published). A visitor is sent as NULL, which matches no row.
_TOKEN_AND_ENROLMENT = PreparedQuery(
    name="roadmap_content_token_enrolment",
    sql=(
        "SELECT (SELECT token FROM roadmap_contentversion WHERE id = 1), EXISTS("
        "SELECT 1 FROM roadmap_enrollment e JOIN roadmap_careerpath p ON p.id = e.path_id "
        "WHERE e.learner_id = %(learner)s AND p.slug = %(path_slug)s)"
    ),
)
_TOKEN = "SELECT token FROM roadmap_contentversion WHERE id = 1"
# The paths the learner is enrolled in, in the order they joined, each row with the token.
_TOKEN_AND_ENROLMENTS = PreparedQuery(
    name="roadmap_content_token_enrolments",
    sql=(
        "SELECT e.path_id, (SELECT token FROM roadmap_contentversion WHERE id = 1) "
        "FROM roadmap_enrollment e WHERE e.learner_id = %(learner)s "
        "ORDER BY e.enrolled_at, e.id"
    ),
)


def snapshot_enabled() -> bool:
    return settings.CONTENT_SNAPSHOT and not settings.DEBUG


def path_and_enrolment(
    *, path_slug: str, learner: User | None
) -> tuple[PublishedPath | None, bool] | None:
    """The published path with this slug from the snapshot (None: no such published path) and
    whether the learner is enrolled in it: one query while the content is unchanged. None when
    the snapshot is not in use (switched off, or no token row): read the database instead."""
    if not snapshot_enabled():
        return None
    learner_id = learner.pk if learner is not None and learner.is_authenticated else None
    row = _TOKEN_AND_ENROLMENT.fetchone({"learner": learner_id, "path_slug": path_slug})
    token, enrolled = (row[0], bool(row[1])) if row else (None, False)
    if token is None:
        return None
    snapshot = content_snapshot(token)
    return snapshot.paths.get(path_slug), learner_id is not None and enrolled


def enrolled_published_paths(*, learner: User) -> list[PublishedPath] | None:
    """The paths the learner is enrolled in, in the order they joined, from the snapshot: one
    query while the content is unchanged. None when the snapshot is not in use, or when one of
    them is not published (the snapshot holds only published paths): read the database."""
    if not snapshot_enabled():
        return None
    rows = _TOKEN_AND_ENROLMENTS.fetchall({"learner": learner.pk})
    return published_paths(
        token=rows[0][1] if rows else None, path_ids=[path_id for path_id, _token in rows]
    )


def published_paths(*, token: int | None, path_ids: list[int]) -> list[PublishedPath] | None:
    """The paths with these ids, in this order, from the snapshot of `token` (read with the
    ids, as the dashboard's one statement reads it: roadmap/selectors/progress.py). None when
    there is no token row or one of them is not published: read the database."""
    if not path_ids:
        return []
    if token is None:
        return None
    by_id = {p.path.pk: p for p in content_snapshot(token).paths.values()}
    paths = [by_id.get(path_id) for path_id in path_ids]
    return None if None in paths else paths


def held_step_milestones(step: Step) -> tuple[Milestone, ...] | None:
    """The step's active milestones if `step` is the held snapshot's own object (so they are of
    the same content version as the step the caller has), else None: read them."""
    held = _held
    if held is None or held.steps.get(step.pk) is not step:
        return None
    path = held.paths.get(step.path.slug)
    return path.milestones.get(step.pk, ()) if path is not None else None


def held_version(published: PublishedPath) -> int | None:
    """The content version `published` belongs to if it is the held snapshot's own object, else
    None (the snapshot is off, or it was read while the content changed: it served its request
    but was not kept). Keys what a page keeps per content version (core/fragments.py)."""
    held = _held
    if held is None or held.paths.get(published.path.slug) is not published:
        return None
    return held.token


def content_snapshot(token: int) -> ContentSnapshot:
    """The snapshot for `token`, read now if the held one is of another token."""
    global _held
    held = _held
    if held is not None and held.token == token:
        return held
    with _reload:
        held = _held
        if held is not None and held.token == token:
            return held  # another thread read it while this one waited
        snapshot = _read(token)
        # Keep it only if the token did not change while it was read: each of the reads sees
        # what was committed when it ran, so a change committed in between could have given a
        # mix of two versions. Such a mix still serves this request, as a read of the database
        # at that moment would have.
        with connection.cursor() as cursor:
            cursor.execute(_TOKEN)
            row = cursor.fetchone()
        if row is not None and row[0] == token:
            _held = snapshot
        return snapshot


def _read(token: int) -> ContentSnapshot:
    """Every published path's content: five queries, whatever its size."""
    paths = list(CareerPath.objects.published().order_by("position", "title", "id"))
    path_by_id = {p.pk: p for p in paths}
    steps = list(Step.objects.filter(path__in=paths).order_by("path_id", "position", "id"))
    step_by_id: dict[int, Step] = {}
    for step in steps:
        step.path = path_by_id[step.path_id]
        step_by_id[step.pk] = step
    milestones = list(
        Milestone.objects.active().filter(step__in=steps).order_by("step_id", "position", "id")
    )
    milestones_by_step: dict[int, list[Milestone]] = {}
    for milestone in milestones:
        milestone.step = step_by_id[milestone.step_id]
        milestones_by_step.setdefault(milestone.step_id, []).append(milestone)
    # The link table with its course, in the database's order by title (its collation, as the
    # page's own query would sort them).
    links = Course.steps.through.objects.filter(step__in=steps).select_related("course")
    courses_by_step: dict[int, list[Course]] = {}
    for link in links.order_by("course__title", "course_id"):
        courses_by_step.setdefault(link.step_id, []).append(link.course)
    resources_by_milestone: dict[int, list[MilestoneResource]] = {}
    resources = (
        MilestoneResource.objects.filter(milestone__in=milestones)
        .select_related("course")
        .order_by("milestone_id", "position", "id")
    )
    milestone_by_id = {m.pk: m for m in milestones}
    for resource in resources:
        resource.milestone = milestone_by_id[resource.milestone_id]
        resources_by_milestone.setdefault(resource.milestone_id, []).append(resource)

    published: dict[str, PublishedPath] = {}
    for path in paths:
        path_steps = tuple(s for s in steps if s.path_id == path.pk)
        published[path.slug] = PublishedPath(
            path=path,
            steps=path_steps,
            step_by_slug=MappingProxyType({s.slug: s for s in path_steps}),
            milestones=MappingProxyType(
                {s.pk: tuple(milestones_by_step.get(s.pk, ())) for s in path_steps}
            ),
            courses=MappingProxyType(
                {s.pk: tuple(courses_by_step.get(s.pk, ())) for s in path_steps}
            ),
            milestone_by_slugs=MappingProxyType(
                {(s.slug, m.slug): m for s in path_steps for m in milestones_by_step.get(s.pk, ())}
            ),
            resources=MappingProxyType(
                {
                    m.pk: tuple(resources_by_milestone.get(m.pk, ()))
                    for s in path_steps
                    for m in milestones_by_step.get(s.pk, ())
                }
            ),
        )
    return ContentSnapshot(
        token=token, paths=MappingProxyType(published), steps=MappingProxyType(step_by_id)
    )
