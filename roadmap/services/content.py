"""Loads a career path's YAML data file (roadmap/data/README.md) into the database, idempotently.

The whole file is validated before anything is written; then one transaction upserts by slug,
retires milestones the file no longer names and never touches a learner's progress rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from roadmap.actions import milestone_action_kinds
from roadmap.models import (
    CareerPath,
    Course,
    CourseLevel,
    Milestone,
    MilestoneKind,
    MilestoneResource,
    Step,
)

__all__ = [
    "ContentError",
    "Counts",
    "LoadReport",
    "roadmap_load",
    "roadmap_load_file",
    "roadmap_read_file",
    "roadmap_validate",
]

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
https_validator = URLValidator(schemes=["https"])

# The model's limits, checked up front so a long title is a clear error, not a database error.
SLUG_MAX = 50
PATH_KEYS = {"slug": 50, "title": 120, "summary": 300, "description": None}
STEP_KEYS = {"slug": 50, "title": 120, "summary": None, "milestones": None}
MILESTONE_KEYS = {
    "slug": 50,
    "title": 200,
    "why": None,
    "how": None,
    "kind": None,
    "effort_hours": None,
    "resources": None,
    "actions": None,
}
ACTIONS_MAX = 4
COURSE_KEYS = {
    "slug": 50,
    "title": 200,
    "provider": 120,
    "url": 500,
    "cost": None,
    "hours": None,
    "level": None,
    "steps": None,
}
TOP_KEYS = {"version", "path", "courses", "steps"}


class ContentError(Exception):
    """The data file is invalid; `errors` lists every problem with its location in the file."""

    def __init__(self, errors: Iterable[str]):
        self.errors = list(errors)
        super().__init__(
            f"{len(self.errors)} problem(s) in the roadmap data:\n"
            + "\n".join(f"  - {e}" for e in self.errors)
        )


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    restored: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.retired + self.restored


@dataclass
class LoadReport:
    path_slug: str
    version: str
    paths: Counts = field(default_factory=Counts)
    steps: Counts = field(default_factory=Counts)
    milestones: Counts = field(default_factory=Counts)
    courses: Counts = field(default_factory=Counts)
    # For resources "retired" counts rows removed: a resource carries no learner history.
    resources: Counts = field(default_factory=Counts)
    # Steps in the database that the file no longer names: kept, but left with no milestones.
    stale_steps: list[str] = field(default_factory=list)

    MODELS = ("paths", "steps", "milestones", "courses", "resources")

    @property
    def changed(self) -> bool:
        return any(getattr(self, name).changed for name in self.MODELS)

    def lines(self) -> list[str]:
        out = []
        for name in self.MODELS:
            counts: Counts = getattr(self, name)
            parts = [f"{getattr(counts, f.name)} {f.name}" for f in fields(Counts)]
            if name == "resources":
                parts = parts[:3] + [f"{counts.retired} removed"]
            elif name == "steps":
                parts = parts[:3]
                if self.stale_steps:
                    stale = ", ".join(self.stale_steps)
                    parts.append(f"{counts.retired} no longer in the file ({stale})")
            elif name != "milestones":
                parts = parts[:3]
            out.append(f"{name + ':':<12}" + ", ".join(parts))
        return out


# --- Reading and validating --------------------------------------------------------------------


def roadmap_read_file(*, path: Path) -> dict:
    """The parsed YAML of one data file, or ContentError naming the file and line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError([f"{path}: cannot read the file ({exc})"]) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError([f"{path}: {where}invalid YAML: {problem}"]) from exc
    if not isinstance(data, dict):
        raise ContentError(
            [f"{path}: the file must be a mapping with version, path, courses and steps"]
        )
    return data


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Checker:
    """Collects every problem instead of stopping at the first, so one run lists them all."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def mapping(self, where: str, value: Any, allowed: dict | set, required: Iterable[str]) -> bool:
        if not isinstance(value, dict):
            self.error(where, f"expected a mapping, got {type(value).__name__}")
            return False
        for key in value:
            if key not in allowed:
                self.error(where, f"unknown key {key!r}")
        for key in required:
            if key not in value or value[key] is None:
                self.error(where, f"missing required key {key!r}")
        return True

    def text(self, where: str, obj: dict, key: str, max_length: int | None, required: bool) -> None:
        if key not in obj or obj[key] is None:
            return  # missing required keys are reported by mapping()
        value = obj[key]
        if not isinstance(value, str):
            self.error(where, f"{key!r} must be text, got {type(value).__name__}")
        elif required and not value.strip():
            self.error(where, f"{key!r} must not be empty")
        elif max_length and len(value.strip()) > max_length:
            self.error(where, f"{key!r} is longer than {max_length} characters")

    def slug(self, where: str, value: Any, seen: dict[str, str], what: str) -> None:
        if value is None:
            return  # reported as a missing key
        if not isinstance(value, str) or not SLUG_RE.match(value) or len(value) > SLUG_MAX:
            self.error(where, f"invalid {what} slug {value!r} (lowercase letters, digits, hyphens)")
            return
        if value in seen:
            self.error(where, f"duplicate {what} slug {value!r} (first used at {seen[value]})")
        else:
            seen[value] = where

    def https_url(self, where: str, value: Any) -> None:
        if not isinstance(value, str):
            self.error(where, f"URL must be text, got {type(value).__name__}")
            return
        try:
            https_validator(value)
        except ValidationError:
            self.error(where, f"URL {value!r} is not a valid https:// URL")
        else:
            if len(value) > 500:
                self.error(where, "URL is longer than 500 characters")


def roadmap_validate(*, data: Any) -> list[str]:
    """Every problem in a parsed data file, each prefixed with its location; [] when valid."""
    return _validate(data, _ActionTargets())


def _validate(data: Any, action_targets: _ActionTargets) -> list[str]:
    c = _Checker()
    if not c.mapping("file", data, TOP_KEYS, ["version", "path", "steps"]):
        return c.errors
    if "version" in data and not (_is_int(data["version"]) and data["version"] >= 1):
        c.error("version", f"must be a positive integer, got {data['version']!r}")

    path = data.get("path")
    if path is not None and c.mapping("path", path, PATH_KEYS, ["slug", "title"]):
        c.slug("path.slug", path.get("slug"), {}, "path")
        for key, max_length in PATH_KEYS.items():
            if key != "slug":
                c.text("path", path, key, max_length, required=key == "title")

    steps = data.get("steps")
    step_slugs: dict[str, str] = {}
    milestone_slugs: dict[str, str] = {}
    resource_course_refs: list[tuple[str, Any]] = []
    if steps is not None and not isinstance(steps, list):
        c.error("steps", "must be a list")
    elif isinstance(steps, list) and not steps:
        c.error("steps", "must name at least one step")
    for i, step in enumerate(steps if isinstance(steps, list) else []):
        where = f"steps[{i}]"
        if not c.mapping(where, step, STEP_KEYS, ["slug", "title", "milestones"]):
            continue
        c.slug(f"{where}.slug", step.get("slug"), step_slugs, "step")
        c.text(where, step, "title", STEP_KEYS["title"], required=True)
        c.text(where, step, "summary", None, required=False)
        milestones = step.get("milestones")
        if milestones is not None and not isinstance(milestones, list):
            c.error(f"{where}.milestones", "must be a list")
            continue
        for j, milestone in enumerate(milestones or []):
            _validate_milestone(
                c, f"{where}.milestones[{j}]", milestone, milestone_slugs, resource_course_refs
            )
            if isinstance(milestone, dict) and milestone.get("actions") is not None:
                _validate_actions(c, f"{where}.milestones[{j}]", milestone, action_targets)

    courses = data.get("courses")
    course_slugs: dict[str, str] = {}
    if courses is not None and not isinstance(courses, list):
        c.error("courses", "must be a list")
    for i, course in enumerate(courses if isinstance(courses, list) else []):
        _validate_course(c, f"courses[{i}]", course, course_slugs, step_slugs)

    action_targets.resolve()
    for where, kind, target in action_targets.pending:
        if action_targets.name(kind, target) is None:
            c.error(where, f"unknown {kind} {target!r} (not in the {kind} catalogue)")

    for where, ref in resource_course_refs:
        if isinstance(ref, str) and ref not in course_slugs:
            c.error(where, f"unknown course {ref!r} (not defined under courses)")
    return c.errors


def _validate_milestone(
    c: _Checker, where: str, milestone: Any, seen: dict[str, str], course_refs: list
) -> None:
    if not c.mapping(where, milestone, MILESTONE_KEYS, ["slug", "title", "kind", "effort_hours"]):
        return
    c.slug(f"{where}.slug", milestone.get("slug"), seen, "milestone")
    c.text(where, milestone, "title", MILESTONE_KEYS["title"], required=True)
    c.text(where, milestone, "why", None, required=False)
    kind = milestone.get("kind")
    if kind is not None and kind not in MilestoneKind.values:
        c.error(where, f"unknown kind {kind!r} (one of {', '.join(MilestoneKind.values)})")
    effort = milestone.get("effort_hours")
    if effort is not None and not (_is_int(effort) and effort >= 1):
        c.error(where, f"effort_hours must be a whole number of at least 1, got {effort!r}")
    how = milestone.get("how")
    if how is not None and not (
        isinstance(how, list) and all(isinstance(s, str) and s.strip() for s in how)
    ):
        c.error(f"{where}.how", "must be a list of non-empty sentences")
    resources = milestone.get("resources")
    if resources is not None and not isinstance(resources, list):
        c.error(f"{where}.resources", "must be a list")
        return
    for k, resource in enumerate(resources or []):
        r_where = f"{where}.resources[{k}]"
        if not isinstance(resource, dict) or len(resource) != 1:
            c.error(r_where, "must be exactly one of {course: <slug>} or {link: {title, url}}")
            continue
        ((key, value),) = resource.items()
        if key == "course":
            if not isinstance(value, str):
                c.error(r_where, f"course must be a course slug, got {value!r}")
            course_refs.append((r_where, value))
        elif key == "link":
            if c.mapping(f"{r_where}.link", value, {"title", "url"}, ["title", "url"]):
                c.text(f"{r_where}.link", value, "title", 200, required=True)
                if value.get("url") is not None:
                    c.https_url(f"{r_where}.link", value["url"])
        else:
            c.error(r_where, f"unknown resource type {key!r} (course or link)")


class _ActionTargets:
    """The targets a file's actions name, collected while checking, then looked up once per
    kind (the kind answers from its own data file, or the database for what the file lacks)."""

    def __init__(self) -> None:
        self.kinds = milestone_action_kinds()
        self.pending: list[tuple[str, str, str]] = []  # (where, kind, target)
        self._names: dict[str, dict[str, str]] = {}

    def want(self, where: str, kind: str, target: str) -> None:
        self.pending.append((where, kind, target))

    def resolve(self) -> None:
        wanted: dict[str, set[str]] = {}
        for _where, kind, target in self.pending:
            wanted.setdefault(kind, set()).add(target)
        self._names = {kind: self.kinds[kind].targets(slugs) for kind, slugs in wanted.items()}

    def name(self, kind: str, target: str) -> str | None:
        return self._names.get(kind, {}).get(target)


def parse_action(item: Any) -> tuple[str, Any] | None:
    """(kind, target) of one `actions` entry: a kind alone (`- cv-check`) or a one-key mapping
    (`- certification: pmp`); None when it is neither."""
    if isinstance(item, str):
        return item, None
    if isinstance(item, dict) and len(item) == 1:
        ((kind, target),) = item.items()
        return kind, target
    return None


def _validate_actions(c: _Checker, where: str, milestone: dict, known: _ActionTargets) -> None:
    # Named by the milestone's slug as well as its place, so the author finds it at once.
    where = f"{where} ({milestone.get('slug')!r}).actions"
    actions = milestone["actions"]
    if not isinstance(actions, list):
        c.error(where, "must be a list")
        return
    if len(actions) > ACTIONS_MAX:
        c.error(where, f"at most {ACTIONS_MAX} actions, got {len(actions)}")
    names = ", ".join(sorted(known.kinds)) or "none registered"
    seen: set[tuple[str, Any]] = set()
    for k, item in enumerate(actions):
        a_where = f"{where}[{k}]"
        parsed = parse_action(item)
        if parsed is None:
            c.error(
                a_where,
                "must be a kind (- cv-check) or one kind with its target (- certification: pmp)",
            )
            continue
        kind, target = parsed
        if kind not in known.kinds:
            c.error(a_where, f"unknown action kind {kind!r} (one of {names})")
            continue
        if not known.kinds[kind].takes_target:
            if target is not None:
                c.error(a_where, f"the {kind} action takes no target, got {target!r}")
        elif not isinstance(target, str) or not target:
            c.error(a_where, f"the {kind} action needs a target (- {kind}: <slug>)")
        else:
            known.want(a_where, kind, target)  # checked once every target is known
        if isinstance(target, str | None):
            if (kind, target) in seen:
                c.error(a_where, f"the same action twice: {kind} {target or ''}".rstrip())
            seen.add((kind, target))


def _validate_course(
    c: _Checker, where: str, course: Any, seen: dict[str, str], step_slugs: dict[str, str]
) -> None:
    required = ["slug", "title", "provider", "url", "cost", "level"]
    if not c.mapping(where, course, COURSE_KEYS, required):
        return
    c.slug(f"{where}.slug", course.get("slug"), seen, "course")
    for key in ("title", "provider"):
        c.text(where, course, key, COURSE_KEYS[key], required=True)
    if course.get("url") is not None:
        c.https_url(where, course["url"])
    if course.get("cost") is not None:
        _validate_cost(c, f"{where}.cost", course["cost"])
    hours = course.get("hours")
    if hours is not None and not (_is_int(hours) and hours >= 0):
        c.error(where, f"hours must be a whole number, got {hours!r}")
    level = course.get("level")
    if level is not None and level not in CourseLevel.values:
        c.error(where, f"unknown level {level!r} (one of {', '.join(CourseLevel.values)})")
    steps = course.get("steps")
    if steps is not None:
        if not isinstance(steps, list):
            c.error(f"{where}.steps", "must be a list of step slugs")
        else:
            for slug in steps:
                if not isinstance(slug, str) or slug not in step_slugs:
                    c.error(f"{where}.steps", f"unknown step {slug!r}")


def _validate_cost(c: _Checker, where: str, cost: Any) -> None:
    if cost == "free":
        return
    if not isinstance(cost, dict):
        c.error(where, f"must be 'free' or {{amount: \"49.00\", currency: USD}}, got {cost!r}")
        return
    c.mapping(where, cost, {"amount", "currency"}, ["amount", "currency"])
    amount = cost.get("amount")
    if amount is not None and _parse_amount(amount) is None:
        c.error(
            where,
            "amount must be a quoted non-negative decimal with at most 2 decimal places, "
            f"got {amount!r}",
        )
    currency = cost.get("currency")
    if currency is not None and not (isinstance(currency, str) and CURRENCY_RE.match(currency)):
        c.error(where, f"currency must be an ISO 4217 code such as USD, got {currency!r}")


def _parse_amount(value: Any) -> Decimal | None:
    """A non-negative amount that fits the model (9 digits, 2 places), else None."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None  # floats are refused: 19.99 in YAML is not exactly 19.99
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        return None
    if amount >= Decimal("10000000"):
        return None
    return amount


# --- Loading ------------------------------------------------------------------------------------


def _changed(obj: Any, values: dict[str, Any]) -> bool:
    """Sets `values` on obj and says whether any differed, so unchanged rows are never saved."""
    dirty = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            dirty = True
    return dirty


def _clean(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def roadmap_load_file(*, path: Path) -> LoadReport:
    data = roadmap_read_file(path=path)
    try:
        return roadmap_load(data=data)
    except ContentError as exc:
        raise ContentError(f"{Path(path).name}: {e}" for e in exc.errors) from exc


def roadmap_load(*, data: dict) -> LoadReport:
    """Validates the whole file, then upserts it in one transaction. See the module docstring."""
    # The actions' targets are read once, for both the checks and the names stored.
    known = _ActionTargets()
    errors = _validate(data, known)
    if errors:
        raise ContentError(errors)
    with transaction.atomic():
        return _load(data, now=timezone.now(), known=known)


def _load(data: dict, *, now: dt.datetime, known: _ActionTargets) -> LoadReport:
    spec = data["path"]
    report = LoadReport(path_slug=spec["slug"], version=str(data["version"]))

    # The path: locked, so two concurrent loads of the same file run one after the other.
    path_values = {
        "title": _clean(spec["title"]),
        "summary": _clean(spec.get("summary")),
        "description": _clean(spec.get("description")),
        "source_version": str(data["version"]),
    }
    path = CareerPath.objects.select_for_update().filter(slug=spec["slug"]).first()
    if path is None:
        path = CareerPath.objects.create(slug=spec["slug"], **path_values)
        report.paths.created += 1
    elif _changed(path, path_values):
        path.save(update_fields=[*path_values, "updated_at"])
        report.paths.updated += 1
    else:
        report.paths.unchanged += 1

    steps_by_slug = _load_steps(path, data["steps"], report)
    milestones_by_slug = _load_milestones(
        path, data["steps"], steps_by_slug, report, now=now, known=known
    )
    courses_by_slug = _load_courses(data.get("courses") or [], report)
    _link_courses(data.get("courses") or [], courses_by_slug, steps_by_slug)
    _load_resources(data["steps"], milestones_by_slug, courses_by_slug, report)
    return report


def _load_steps(path: CareerPath, specs: list[dict], report: LoadReport) -> dict[str, Step]:
    existing = {s.slug: s for s in Step.objects.filter(path=path)}
    to_create, to_update = [], []
    for position, spec in enumerate(specs):
        values = {
            "title": _clean(spec["title"]),
            "summary": _clean(spec.get("summary")),
            "position": position,
        }
        step = existing.get(spec["slug"])
        if step is None:
            to_create.append(Step(path=path, slug=spec["slug"], **values))
        elif _changed(step, values):
            to_update.append(step)
        else:
            report.steps.unchanged += 1
    Step.objects.bulk_create(to_create)
    Step.objects.bulk_update(to_update, ["title", "summary", "position"])
    report.steps.created += len(to_create)
    report.steps.updated += len(to_update)
    named = {spec["slug"] for spec in specs}
    report.stale_steps = sorted(slug for slug in existing if slug not in named)
    report.steps.retired = len(report.stale_steps)
    if to_create:  # ids of new rows, whatever the database returns from a bulk insert
        return {s.slug: s for s in Step.objects.filter(path=path)}
    return existing


def _load_milestones(
    path: CareerPath,
    step_specs: list[dict],
    steps_by_slug: dict[str, Step],
    report: LoadReport,
    *,
    now: dt.datetime,
    known: _ActionTargets,
) -> dict[str, Milestone]:
    # Matched across the whole path, so a milestone moved to another step keeps its id (and with
    # it every learner's progress).
    existing: dict[str, Milestone] = {}
    target_step = {
        m["slug"]: steps_by_slug[s["slug"]].pk for s in step_specs for m in s["milestones"] or []
    }
    in_db = list(Milestone.objects.filter(step__path=path).order_by("id"))
    for m in in_db:
        # An admin may have reused a slug in two steps: prefer the row already in the right step.
        if m.slug not in existing or m.step_id == target_step.get(m.slug):
            existing[m.slug] = m

    fields_ = [
        "step",
        "title",
        "why",
        "how",
        "kind",
        "effort_hours",
        "position",
        "retired_at",
        "actions",
    ]
    to_create, to_update = [], []
    for step_spec in step_specs:
        step = steps_by_slug[step_spec["slug"]]
        for position, spec in enumerate(step_spec["milestones"] or []):
            values = {
                "step_id": step.pk,
                "title": _clean(spec["title"]),
                "why": _clean(spec.get("why")),
                "how": "\n".join(s.strip() for s in spec.get("how") or []),
                "kind": spec["kind"],
                "effort_hours": spec["effort_hours"],
                "position": position,
                "actions": _actions(spec.get("actions") or [], known),
            }
            milestone = existing.get(spec["slug"])
            if milestone is None:
                to_create.append(Milestone(slug=spec["slug"], **values))
                continue
            was_retired = milestone.retired_at is not None
            dirty = _changed(milestone, {**values, "retired_at": None})
            if was_retired:
                report.milestones.restored += 1
            elif dirty:
                report.milestones.updated += 1
            else:
                report.milestones.unchanged += 1
            if dirty:
                to_update.append(milestone)
    Milestone.objects.bulk_create(to_create)
    Milestone.objects.bulk_update(to_update, fields_)
    report.milestones.created += len(to_create)

    # Off the file: gone from the roadmap but kept, with every learner's history. A row shadowed
    # by a same-slug duplicate in the right step is off the file too.
    kept = {existing[slug].pk for slug in target_step if slug in existing}
    retire = [m.pk for m in in_db if m.pk not in kept and m.retired_at is None]
    if retire:
        Milestone.objects.filter(pk__in=retire).update(retired_at=now)
    report.milestones.retired = len(retire)

    if to_create:
        return {
            m.slug: m for m in Milestone.objects.filter(step__path=path, retired_at__isnull=True)
        }
    return {slug: m for slug, m in existing.items() if slug in target_step}


def _actions(items: list, known: _ActionTargets) -> list[dict[str, str]]:
    """A milestone's validated actions as stored: kind, target and the target's display name."""
    actions = []
    for item in items:
        kind, target = parse_action(item)
        name = (known.name(kind, target) or target) if target else ""
        actions.append({"kind": kind, "target": target or "", "name": name})
    return actions


def _course_values(spec: dict) -> dict[str, Any]:
    cost = spec["cost"]
    if cost == "free":
        is_free, amount, currency = True, None, ""
    else:
        is_free, amount, currency = False, _parse_amount(cost["amount"]), cost["currency"]
    return {
        "title": _clean(spec["title"]),
        "provider": _clean(spec["provider"]),
        "url": spec["url"],
        "is_free": is_free,
        "cost_amount": amount,
        "cost_currency": currency,
        "hours": spec.get("hours"),
        "level": spec["level"],
    }


COURSE_FIELDS = [
    "title",
    "provider",
    "url",
    "is_free",
    "cost_amount",
    "cost_currency",
    "hours",
    "level",
]


def _load_courses(specs: list[dict], report: LoadReport) -> dict[str, Course]:
    existing = Course.objects.in_bulk([s["slug"] for s in specs], field_name="slug")
    to_create, to_update = [], []
    for spec in specs:
        values = _course_values(spec)
        course = existing.get(spec["slug"])
        if course is None:
            to_create.append(Course(slug=spec["slug"], **values))
        elif _changed(course, values):
            to_update.append(course)
        else:
            report.courses.unchanged += 1
    Course.objects.bulk_create(to_create)
    Course.objects.bulk_update(to_update, COURSE_FIELDS)
    report.courses.created += len(to_create)
    report.courses.updated += len(to_update)
    if to_create:
        return Course.objects.in_bulk([s["slug"] for s in specs], field_name="slug")
    return existing


def _link_courses(
    specs: list[dict], courses_by_slug: dict[str, Course], steps_by_slug: dict[str, Step]
) -> None:
    """Each file course serves exactly the named steps *of this path*; its links to other paths'
    steps, and links added by hand to courses outside the file, are left alone."""
    through = Course.steps.through
    wanted = {
        (courses_by_slug[spec["slug"]].pk, steps_by_slug[slug].pk)
        for spec in specs
        for slug in spec.get("steps") or []
    }
    course_ids = [courses_by_slug[spec["slug"]].pk for spec in specs]
    step_ids = [s.pk for s in steps_by_slug.values()]
    current = {
        (row.course_id, row.step_id): row.pk
        for row in through.objects.filter(course_id__in=course_ids, step_id__in=step_ids)
    }
    stale = [pk for key, pk in current.items() if key not in wanted]
    if stale:
        through.objects.filter(pk__in=stale).delete()
    missing = [through(course_id=c, step_id=s) for c, s in wanted if (c, s) not in current]
    through.objects.bulk_create(missing)


def _load_resources(
    step_specs: list[dict],
    milestones_by_slug: dict[str, Milestone],
    courses_by_slug: dict[str, Course],
    report: LoadReport,
) -> None:
    """Each milestone's resources become the file's list, in order; rows are reused by position
    so an unchanged list writes nothing."""
    current: dict[int, list[MilestoneResource]] = {}
    for r in MilestoneResource.objects.filter(
        milestone_id__in=[m.pk for m in milestones_by_slug.values()]
    ).order_by("milestone_id", "position", "id"):
        current.setdefault(r.milestone_id, []).append(r)

    to_create, to_update, to_delete = [], [], []
    for step_spec in step_specs:
        for spec in step_spec["milestones"] or []:
            milestone = milestones_by_slug[spec["slug"]]
            rows = current.get(milestone.pk, [])
            for position, item in enumerate(spec.get("resources") or []):
                if "course" in item:
                    values = {
                        "course_id": courses_by_slug[item["course"]].pk,
                        "title": "",
                        "url": "",
                    }
                else:
                    values = {
                        "course_id": None,
                        "title": _clean(item["link"]["title"]),
                        "url": item["link"]["url"],
                    }
                values["position"] = position
                if position < len(rows):
                    if _changed(rows[position], values):
                        to_update.append(rows[position])
                    else:
                        report.resources.unchanged += 1
                else:
                    to_create.append(MilestoneResource(milestone=milestone, **values))
            to_delete.extend(r.pk for r in rows[len(spec.get("resources") or []) :])
    if to_delete:
        MilestoneResource.objects.filter(pk__in=to_delete).delete()
    MilestoneResource.objects.bulk_update(to_update, ["course", "title", "url", "position"])
    MilestoneResource.objects.bulk_create(to_create)
    report.resources.created += len(to_create)
    report.resources.updated += len(to_update)
    report.resources.retired += len(to_delete)
