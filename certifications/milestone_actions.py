"""The milestone action certifications offers (roadmap/actions.py): "Track PMP", one click from a
milestone to the tracker with that certification on it."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.urls import reverse
from django.utils.translation import gettext as _

from certifications.content import DATA_FILE
from certifications.models import Certification
from roadmap.actions import POST, MilestoneActionKind

__all__ = ["CERTIFICATION_ACTION", "catalogue_targets"]


def catalogue_targets(slugs: set[str], *, path: Path = DATA_FILE) -> dict[str, str]:
    """Those of `slugs` in the catalogue, with their short names: the catalogue file's entries,
    then the published rows for the rest (an admin's own). The file counts because a fresh site
    loads the roadmap before the catalogue (scripts/start), and each names the other."""
    targets: dict[str, str] = {}
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        data = {}  # loadcertifications reports a broken file; the database still answers
    specs = data.get("certifications") if isinstance(data, dict) else None
    for spec in specs if isinstance(specs, list) else []:
        if isinstance(spec, dict) and spec.get("slug") in slugs:
            slug = spec["slug"]
            targets[slug] = str(spec.get("abbreviation") or spec.get("name") or slug)
    missing = set(slugs) - targets.keys()
    if missing:
        rows = Certification.objects.published().filter(slug__in=missing)
        for slug, abbreviation, name in rows.values_list("slug", "abbreviation", "name"):
            targets[slug] = abbreviation or name
    return targets


def _track_address(target: str) -> str:
    return reverse("certifications:track", kwargs={"slug": target})


def _catalogue_address(target: str) -> str:
    return f"{reverse('certifications:catalogue')}#cert-{target}"


CERTIFICATION_ACTION = MilestoneActionKind(
    name="certification",
    label=lambda name: _("Track %(name)s") % {"name": name},
    address=_track_address,
    targets=catalogue_targets,
    method=POST,
    visitor_address=_catalogue_address,
)
