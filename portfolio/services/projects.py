"""Every write to a learner's projects and their public portfolio page.

Each function checks all of its input first and writes in one transaction, so bad input changes
nothing. A finished project (one with an end date) completes the roadmap milestones it is linked
to, through the roadmap's own progress service and in the same transaction as the project.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import URLResolver, get_resolver
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import User
from portfolio.models import Project, ProjectKind, ProjectLink, PublicPortfolio
from portfolio.services import fields
from roadmap.models import Milestone, ProgressStatus
from roadmap.services.progress import milestone_status_set

__all__ = [
    "PROJECT_FIELDS",
    "PUBLIC_PORTFOLIO_FIELDS",
    "project_create",
    "project_update",
    "project_delete",
    "project_link_add",
    "project_link_remove",
    "public_portfolio_update",
    "portfolio_publish",
    "portfolio_unpublish",
    "slug_is_reserved",
]

PROJECT_FIELDS = (
    "title",
    "kind",
    "role",
    "started_on",
    "ended_on",
    "context",
    "what_i_did",
    "outcome",
    "skills",
    "milestones",
    "is_public",
)
PUBLIC_PORTFOLIO_FIELDS = (
    "slug",
    "headline",
    "summary",
    "show_certifications",
    "show_progress",
    "is_published",
)
SKILLS_MAX = 30
SKILL_MAX_LENGTH = 50
LINKS_MAX = 20
SLUG_MIN_LENGTH = 3
SLUG_MAX_LENGTH = PublicPortfolio._meta.get_field("slug").max_length
SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Words that name the site's own pages, or would read as if they did, on top of every first
# segment of the site's own addresses (computed from the URLconf, see _top_level_segments).
# fmt: off
RESERVED_SLUGS = frozenset({
    "about", "account", "accounts", "admin", "administrator", "api", "app", "apps", "assets",
    "blog", "careerpath", "contact", "dashboard", "delete", "edit", "help", "health", "home",
    "index", "login", "logout", "media", "new", "null", "p", "paths", "portfolio", "portfolios",
    "privacy", "public", "register", "reminders", "root", "settings", "signup", "static",
    "support", "system", "terms", "undefined", "user", "users", "www"
})
# fmt: on


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _own(learner: User, obj) -> None:
    # Views fetch objects within the learner's own (a 404 otherwise); this guards other callers.
    if obj.learner_id != learner.pk:
        raise PermissionDenied("Not this learner's")


# --- Projects ---------------------------------------------------------------------------------


def _skills(value: Any) -> list[str]:
    """Tags from a list or a comma-separated string: trimmed, inner spaces collapsed, and
    de-duplicated case-insensitively (the first spelling wins)."""
    if value in (None, ""):
        return []
    parts = value.split(",") if isinstance(value, str) else list(value)
    out: list[str] = []
    seen: set[str] = set()
    for part in parts:
        skill = " ".join(str(part).split())
        if not skill or skill.casefold() in seen:
            continue
        if len(skill) > SKILL_MAX_LENGTH:
            raise ValidationError(
                _("A skill can be at most %(max)d characters long: “%(skill)s…”."),
                params={"max": SKILL_MAX_LENGTH, "skill": skill[:30]},
                code="skill_too_long",
            )
        seen.add(skill.casefold())
        out.append(skill)
    if len(out) > SKILLS_MAX:
        raise ValidationError(
            _("List at most %(max)d skills (these are %(count)d)."),
            params={"max": SKILLS_MAX, "count": len(out)},
            code="too_many_skills",
        )
    return out


def _milestones(*, learner: User, value: Any) -> list[Milestone]:
    """Milestones by id (or instance). Only active milestones of paths the learner is enrolled
    in: a project completes milestones on the learner's own roadmap, never enrols them."""
    if value in (None, ""):
        return []
    try:
        ids = {m.pk if isinstance(m, Milestone) else int(m) for m in value}
    except (TypeError, ValueError):
        raise ValidationError(
            _("Milestones must be given by their ids."), code="invalid_milestones"
        ) from None
    found = list(
        Milestone.objects.active().filter(pk__in=ids, step__path__enrollments__learner=learner)
    )
    if len(found) != len(ids):
        raise ValidationError(
            _(
                "A project can only complete milestones of the career paths you follow. "
                "Enrol in the path first, or leave that milestone out."
            ),
            code="milestone_not_enrolled",
        )
    return found


def _clean_project(
    *, learner: User, data: Mapping[str, Any], current: Project | None, today: dt.date
) -> dict[str, Any]:
    """The checked values of the fields present in `data` (all required ones on create)."""
    fields.refuse_unknown(data, PROJECT_FIELDS)
    out: dict[str, Any] = {}
    if current is None or "title" in data:
        out["title"] = fields.text(
            data.get("title"),
            label=_("title"),
            max_length=_max_length(Project, "title"),
            required=True,
        )
    if current is None or "kind" in data:
        out["kind"] = fields.choice(
            data.get("kind"), label=_("kind of project"), choices=ProjectKind.values
        )
    if "role" in data:
        out["role"] = fields.text(
            data["role"], label=_("role"), max_length=_max_length(Project, "role")
        )
    for name, label in (
        ("context", _("context")),
        ("what_i_did", _("what you did")),
        ("outcome", _("outcome")),
    ):
        if name in data:
            out[name] = fields.text(data[name], label=label, max_length=_max_length(Project, name))
    if "started_on" in data:
        out["started_on"] = fields.date_or_none(data["started_on"], label=_("start date"))
    if "ended_on" in data:
        out["ended_on"] = fields.date_or_none(data["ended_on"], label=_("end date"))
    started_on = out.get("started_on", current.started_on if current else None)
    ended_on = out.get("ended_on", current.ended_on if current else None)
    if ended_on is not None and ended_on > today:
        # An end date means "finished", which completes milestones: it cannot be a plan.
        raise ValidationError(
            _(
                "The end date %(date)s is in the future. Leave it empty while the project "
                "goes on, and set it when it is finished."
            ),
            params={"date": formats.date_format(ended_on)},
            code="ends_in_future",
        )
    if started_on is not None and ended_on is not None and ended_on < started_on:
        raise ValidationError(
            _("A project cannot end (%(end)s) before it starts (%(start)s)."),
            params={
                "end": formats.date_format(ended_on),
                "start": formats.date_format(started_on),
            },
            code="ends_before_start",
        )
    if "skills" in data:
        out["skills"] = _skills(data["skills"])
    if "is_public" in data:
        out["is_public"] = fields.boolean(data["is_public"], label=_("public setting"))
    if "milestones" in data:
        out["milestones"] = _milestones(learner=learner, value=data["milestones"])
    return out


def _complete_milestones(
    *, learner: User, milestones: Iterable[Milestone], now: dt.datetime
) -> None:
    for milestone in milestones:
        milestone_status_set(
            learner=learner, milestone=milestone, status=ProgressStatus.DONE, now=now
        )


def _today(learner: User, today: dt.date | None) -> dt.date:
    return today or timezone.localdate(timezone=learner.zone)


def project_create(
    *,
    learner: User,
    data: Mapping[str, Any],
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Project:
    """Add a project. `data` holds PROJECT_FIELDS (title and kind required; milestones as ids).
    A project created finished completes its milestones at once."""
    values = _clean_project(learner=learner, data=data, current=None, today=_today(learner, today))
    milestones = values.pop("milestones", [])
    now = now or timezone.now()
    with transaction.atomic():
        project = Project.objects.create(learner=learner, **values)
        if milestones:
            project.milestones.set(milestones)
        if project.ended_on is not None:
            _complete_milestones(learner=learner, milestones=milestones, now=now)
    return project


def project_update(
    *,
    learner: User,
    project: Project,
    data: Mapping[str, Any],
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Project:
    """Change the fields present in `data`. When the project becomes finished (gets an end
    date), every linked milestone is marked done; a finished project marks newly linked ones
    done. Milestones already completed stay as they are if the project is changed later (a
    learner who reset one meant it), and unlinking one never undoes it."""
    _own(learner, project)
    values = _clean_project(
        learner=learner, data=data, current=project, today=_today(learner, today)
    )
    milestones = values.pop("milestones", None)
    now = now or timezone.now()
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        was_finished = locked.ended_on is not None
        linked_before = set(locked.milestones.values_list("pk", flat=True))
        for name, value in values.items():
            setattr(project, name, value)
        project.save(update_fields=[*values, "updated_at"])
        if milestones is not None:
            project.milestones.set(milestones)
            linked = milestones
        else:
            linked = list(project.milestones.all())
        if project.ended_on is not None:
            to_complete = (
                [m for m in linked if m.pk not in linked_before] if was_finished else linked
            )
            _complete_milestones(learner=learner, milestones=to_complete, now=now)
    return project


def project_delete(*, learner: User, project: Project) -> None:
    """Delete the project and its links. Milestones it completed stay done."""
    _own(learner, project)
    with transaction.atomic():
        project.delete()


def project_link_add(*, learner: User, project: Project, url: str, label: str = "") -> ProjectLink:
    """Attach a link or piece of evidence (a repository, a demo, a write-up)."""
    _own(learner, project)
    url = fields.web_address(url, label=_("link"), max_length=_max_length(ProjectLink, "url"))
    if not url:
        raise ValidationError(_("Give the address of the link."), code="required")
    label = fields.text(label, label=_("label"), max_length=_max_length(ProjectLink, "label"))
    with transaction.atomic():
        # The lock makes the count and the insert one step, so two quick posts cannot pass it.
        Project.objects.select_for_update().filter(pk=project.pk).first()
        if project.links.count() >= LINKS_MAX:
            raise ValidationError(
                _("A project can have at most %(max)d links."),
                params={"max": LINKS_MAX},
                code="too_many_links",
            )
        return ProjectLink.objects.create(project=project, url=url, label=label)


def project_link_remove(*, learner: User, project: Project, link_id: int) -> None:
    """Raises ProjectLink.DoesNotExist for a link that is not on this learner's project."""
    _own(learner, project)
    with transaction.atomic():
        ProjectLink.objects.get(pk=link_id, project=project, project__learner=learner).delete()


# --- The public portfolio page ----------------------------------------------------------------


def _top_level_segments() -> set[str]:
    """The first path segment of every address the site answers (admin, accounts, paths…),
    looking through includes mounted at the root."""
    segments: set[str] = set()

    def walk(patterns, depth: int) -> None:
        for pattern in patterns:
            route = str(pattern.pattern).lstrip("^")
            first = re.split(r"[/<\\(]", route, maxsplit=1)[0].lower()
            if first:
                segments.add(first)
            elif isinstance(pattern, URLResolver) and depth < 2:
                walk(pattern.url_patterns, depth + 1)

    walk(get_resolver().url_patterns, 0)
    return segments


@functools.cache
def _reserved() -> frozenset[str]:
    return RESERVED_SLUGS | _top_level_segments()


def slug_is_reserved(slug: str) -> bool:
    return slug.lower() in _reserved()


def _clean_slug(*, learner: User, value: Any) -> str:
    slug = fields.text(value, label=_("address"), max_length=SLUG_MAX_LENGTH, required=True)
    slug = slug.lower()
    if len(slug) < SLUG_MIN_LENGTH or not SLUG_PATTERN.fullmatch(slug):
        raise ValidationError(
            _(
                "“%(slug)s” cannot be your address: use %(min)d to %(max)d lower-case letters "
                "and digits, with single hyphens between words, e.g. ada-lovelace."
            ),
            params={"slug": slug[:60], "min": SLUG_MIN_LENGTH, "max": SLUG_MAX_LENGTH},
            code="invalid_slug",
        )
    if slug_is_reserved(slug):
        raise ValidationError(
            _("“%(slug)s” is a word the site uses itself. Choose another address."),
            params={"slug": slug},
            code="reserved_slug",
        )
    if PublicPortfolio.objects.filter(slug__iexact=slug).exclude(learner=learner).exists():
        raise ValidationError(_slug_taken(slug), code="slug_taken")
    return slug


def _slug_taken(slug: str) -> str:
    return _("The address “%(slug)s” is taken. Choose another one.") % {"slug": slug}


def public_portfolio_update(*, learner: User, data: Mapping[str, Any]) -> PublicPortfolio:
    """Create or change the learner's public page settings: the fields present in `data`
    (PUBLIC_PORTFOLIO_FIELDS). The first call must give a slug. Unpublishing (is_published
    false) takes effect at once: the page is read from the database on every request."""
    fields.refuse_unknown(data, PUBLIC_PORTFOLIO_FIELDS)
    current = PublicPortfolio.objects.filter(learner=learner).first()
    values: dict[str, Any] = {}
    if current is None or "slug" in data:
        values["slug"] = _clean_slug(learner=learner, value=data.get("slug"))
    if "headline" in data:
        values["headline"] = fields.text(
            data["headline"],
            label=_("headline"),
            max_length=_max_length(PublicPortfolio, "headline"),
        )
    if "summary" in data:
        values["summary"] = fields.text(
            data["summary"], label=_("summary"), max_length=_max_length(PublicPortfolio, "summary")
        )
    for name, label in (
        ("show_certifications", _("certifications setting")),
        ("show_progress", _("progress setting")),
        ("is_published", _("published setting")),
    ):
        if name in data:
            values[name] = fields.boolean(data[name], label=label)
    try:
        with transaction.atomic():
            portfolio, created = PublicPortfolio.objects.select_for_update().get_or_create(
                learner=learner, defaults=values
            )
            if not created:
                for name, value in values.items():
                    setattr(portfolio, name, value)
                portfolio.save(update_fields=[*values, "updated_at"])
    except IntegrityError:
        # Someone took the same address (in any case) between the check and the write.
        raise ValidationError(_slug_taken(values.get("slug", "")), code="slug_taken") from None
    return portfolio


def portfolio_publish(*, learner: User) -> PublicPortfolio:
    """Put the page online at its address; it needs an address first."""
    if not PublicPortfolio.objects.filter(learner=learner).exists():
        raise ValidationError(
            _("Choose the address of your page before publishing it."), code="no_slug"
        )
    return public_portfolio_update(learner=learner, data={"is_published": True})


def portfolio_unpublish(*, learner: User) -> PublicPortfolio | None:
    """Take the page offline: its address answers 404 from the next request."""
    if not PublicPortfolio.objects.filter(learner=learner).exists():
        return None
    return public_portfolio_update(learner=learner, data={"is_published": False})
