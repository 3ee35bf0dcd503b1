"""Loads the certification catalogue's YAML file (certifications/data/) idempotently.

The whole file is validated first (every problem listed, with its location); then one
transaction upserts certifications by slug, replaces each one's renewal categories and
milestone links, and never touches a learner's tracker rows. Certifications the file no longer
names are unpublished, not deleted, because learners may track them.

Every entry lists its `facts`, each with the address that publishes it (`source`); a fact without
one is refused. A fact that was checked names the copy that was read (`checked_against`) and the
day (`checked_on`, never in the future); one without a check date is unconfirmed. An entry's
checked_on is the latest of its facts' check dates, or none when no fact is confirmed.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from certifications.models import Certification, CreditActivity, RenewalCategory
from roadmap.models import Milestone, http_url_validator
from roadmap.services.content import ContentError

__all__ = ["ContentError", "DATA_FILE", "certifications_load", "certifications_load_file"]

DATA_FILE = Path(__file__).resolve().parent / "data" / "certifications.yaml"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
KEYS = {
    "slug", "name", "abbreviation", "issuer", "url", "description", "cost", "prerequisites",
    "exam_format", "prep_hours", "milestones", "validity_months", "renewal", "source", "facts",
}  # fmt: skip
REQUIRED = ["slug", "name", "issuer", "url", "cost", "source", "facts"]
FACT_KEYS = {"claim", "source", "checked_against", "checked_on", "secondary"}
RENEWAL_KEYS = {"credits", "credit_name", "cycle_months", "fee", "notes", "categories"}
CATEGORY_KEYS = {"slug", "name", "min", "max", "parent"}


def _amount(value: Any) -> Decimal | None:
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None  # floats are refused: 19.99 in YAML is not exactly 19.99
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    ok = amount.is_finite() and 0 <= amount < 10_000_000
    return amount if ok and amount == amount.quantize(Decimal("0.01")) else None


def _posint(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _url_ok(value: Any) -> bool:
    try:
        http_url_validator(value)
    except (ValidationError, TypeError):
        return False
    return isinstance(value, str) and len(value) <= 500


def certifications_validate(*, data: Any, today: dt.date | None = None) -> list[str]:
    today = today or dt.date.today()
    errors: list[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("certifications"), list):
        return ["file: expected a mapping with version and a list of certifications"]
    seen: set[str] = set()
    for i, spec in enumerate(data["certifications"]):
        where = f"certifications[{i}]"
        if not isinstance(spec, dict):
            errors.append(f"{where}: expected a mapping")
            continue
        errors += [f"{where}: unknown key {k!r}" for k in spec if k not in KEYS]
        errors += [f"{where}: missing required key {k!r}" for k in REQUIRED if spec.get(k) is None]
        slug = spec.get("slug")
        if not (isinstance(slug, str) and SLUG_RE.match(slug) and len(slug) <= 50):
            errors.append(f"{where}: invalid slug {slug!r}")
        elif slug in seen:
            errors.append(f"{where}: duplicate slug {slug!r}")
        seen.add(slug)
        for key in ("url", "source"):
            if spec.get(key) is not None and not _url_ok(spec[key]):
                errors.append(f"{where}.{key}: {spec[key]!r} is not an http(s) URL")
        cost = spec.get("cost")
        if cost is not None:
            if not isinstance(cost, dict) or _amount(cost.get("amount")) is None:
                errors.append(f'{where}.cost: needs an amount such as "500" (a string)')
            elif "member_amount" in cost and _amount(cost["member_amount"]) is None:
                errors.append(f"{where}.cost.member_amount: not an amount")
            if isinstance(cost, dict) and not CURRENCY_RE.match(str(cost.get("currency", ""))):
                errors.append(f"{where}.cost.currency: must be an ISO 4217 code such as USD")
        for key in ("prep_hours", "validity_months"):
            if spec.get(key) is not None and not _posint(spec[key]):
                errors.append(f"{where}.{key}: must be a positive whole number or null")
        if spec.get("facts") is not None:
            errors += _validate_facts(where, spec["facts"], today)
        milestones = spec.get("milestones") or []
        if not isinstance(milestones, list):
            errors.append(f"{where}.milestones: must be a list")
        else:
            for ref in milestones:
                if not (isinstance(ref, str) and ref.count("/") == 1):
                    errors.append(f"{where}.milestones: {ref!r} is not path-slug/milestone-slug")
        errors += _validate_renewal(where, spec.get("renewal"))
    return errors


def _validate_facts(where: str, facts: Any, today: dt.date) -> list[str]:
    if not isinstance(facts, list) or not facts:
        return [f"{where}.facts: list at least one fact, each with its source"]
    errors: list[str] = []
    for j, fact in enumerate(facts):
        fw = f"{where}.facts[{j}]"
        if not isinstance(fact, dict):
            errors.append(f"{fw}: expected a mapping with a claim and a source")
            continue
        errors += [f"{fw}: unknown key {k!r}" for k in fact if k not in FACT_KEYS]
        if not (isinstance(fact.get("claim"), str) and fact["claim"].strip()):
            errors.append(f"{fw}.claim: say what the fact is")
        if not fact.get("source"):
            errors.append(f"{fw}.source: missing: every fact needs the address that publishes it")
        elif not _url_ok(fact["source"]):
            errors.append(f"{fw}.source: {fact['source']!r} is not an http(s) URL")
        checked_on, copy = fact.get("checked_on"), fact.get("checked_against")
        if checked_on is not None:
            if not isinstance(checked_on, dt.date):
                errors.append(f"{fw}.checked_on: must be a date such as 2026-12-06, or null")
            elif checked_on > today:
                errors.append(f"{fw}.checked_on: {checked_on} is in the future")
            if not copy:
                errors.append(f"{fw}.checked_against: a checked fact names the copy that was read")
        elif copy:
            errors.append(f"{fw}.checked_on: a fact checked against {copy!r} needs the date")
        if copy and not _url_ok(copy):
            errors.append(f"{fw}.checked_against: {copy!r} is not an http(s) URL")
        if not isinstance(fact.get("secondary", False), bool):
            errors.append(f"{fw}.secondary: must be true or false")
    return errors


def _checked_on(facts: list[dict]) -> dt.date | None:
    """The latest real check among an entry's facts; None when none is confirmed."""
    return max((f["checked_on"] for f in facts if f.get("checked_on")), default=None)


def _validate_renewal(where: str, renewal: Any) -> list[str]:
    if renewal is None:
        return []
    where = f"{where}.renewal"
    if not isinstance(renewal, dict):
        return [f"{where}: expected a mapping"]
    errors = [f"{where}: unknown key {k!r}" for k in renewal if k not in RENEWAL_KEYS]
    if renewal.get("credits") is not None:
        if not _posint(renewal["credits"]):
            errors.append(f"{where}.credits: must be a positive whole number")
        if not _posint(renewal.get("cycle_months")):
            errors.append(f"{where}.cycle_months: credits need a cycle length in months")
        if not isinstance(renewal.get("credit_name"), str) or not renewal["credit_name"]:
            errors.append(f"{where}.credit_name: name the credit, e.g. PDU")
    if renewal.get("fee") is not None and _amount(renewal["fee"]) is None:
        errors.append(f"{where}.fee: not an amount")
    slugs: set[str] = set()
    for j, cat in enumerate(renewal.get("categories") or []):
        cw = f"{where}.categories[{j}]"
        if not isinstance(cat, dict) or not cat.get("slug") or not cat.get("name"):
            errors.append(f"{cw}: needs a slug and a name")
            continue
        errors += [f"{cw}: unknown key {k!r}" for k in cat if k not in CATEGORY_KEYS]
        for key in ("min", "max"):
            if cat.get(key) is not None and not _posint(cat[key]):
                errors.append(f"{cw}.{key}: must be a positive whole number")
        if cat.get("parent") is not None and cat["parent"] not in slugs:
            errors.append(f"{cw}.parent: {cat['parent']!r} must be a category listed before it")
        slugs.add(cat["slug"])
    return errors


def certifications_load_file(*, path: Path = DATA_FILE) -> dict[str, int]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ContentError([f"{path}: cannot read the file ({exc})"]) from exc
    return certifications_load(data=data)


def certifications_load(*, data: Any) -> dict[str, int]:
    """Validate, then upsert in one transaction. Returns counts: created, updated, unchanged,
    unpublished."""
    errors = certifications_validate(data=data)
    if errors:
        raise ContentError(errors)
    refs = {ref for spec in data["certifications"] for ref in spec.get("milestones") or []}
    milestones = _milestones(refs)
    missing = sorted(refs - milestones.keys())
    if missing:
        raise ContentError(
            f"milestone {ref!r} does not exist (run loadroadmap first?)" for ref in missing
        )
    counts = {"created": 0, "updated": 0, "unchanged": 0, "unpublished": 0}
    with transaction.atomic():
        existing = Certification.objects.select_for_update().in_bulk(field_name="slug")
        for position, spec in enumerate(data["certifications"]):
            values = _values(spec, position)
            cert = existing.get(spec["slug"])
            if cert is None:
                cert = Certification.objects.create(slug=spec["slug"], **values)
                counts["created"] += 1
                changed = True
            else:
                changed = any(getattr(cert, k) != v for k, v in values.items())
                if changed:
                    for k, v in values.items():
                        setattr(cert, k, v)
                    cert.save()
            changed |= _sync_categories(cert, (spec.get("renewal") or {}).get("categories") or [])
            wanted = {milestones[ref].pk for ref in spec.get("milestones") or []}
            current = set(cert.milestones.values_list("pk", flat=True))
            if wanted != current:
                cert.milestones.set(wanted)
                changed = True
            if cert.pk in {c.pk for c in existing.values()}:
                counts["updated" if changed else "unchanged"] += 1
        named = {spec["slug"] for spec in data["certifications"]}
        counts["unpublished"] = (
            Certification.objects.exclude(slug__in=named)
            .filter(is_published=True)
            # Admins' own entries have no source file; only unpublish rows the file once held.
            .exclude(source="")
            .update(is_published=False)
        )
    return counts


def _milestones(refs: set[str]) -> dict[str, Milestone]:
    found: dict[str, Milestone] = {}
    path_slugs = {ref.split("/")[0] for ref in refs}
    for m in (
        Milestone.objects.active()
        .filter(step__path__slug__in=path_slugs)
        .select_related("step__path")
    ):
        found.setdefault(f"{m.step.path.slug}/{m.slug}", m)
    return found


def _values(spec: dict, position: int) -> dict[str, Any]:
    cost, renewal = spec["cost"], spec.get("renewal") or {}
    member = cost.get("member_amount")
    return {
        "name": spec["name"].strip(),
        "abbreviation": (spec.get("abbreviation") or "").strip(),
        "issuer": spec["issuer"].strip(),
        "url": spec["url"],
        "description": (spec.get("description") or "").strip(),
        "cost_amount": _amount(cost["amount"]),
        "member_cost_amount": _amount(member) if member is not None else None,
        "cost_currency": cost["currency"],
        "cost_notes": (cost.get("notes") or "").strip(),
        "prerequisites": (spec.get("prerequisites") or "").strip(),
        "exam_format": (spec.get("exam_format") or "").strip(),
        "prep_hours": spec.get("prep_hours"),
        "validity_months": spec.get("validity_months"),
        "renewal_credits": renewal.get("credits"),
        "credit_name": renewal.get("credit_name") or "",
        "renewal_cycle_months": renewal.get("cycle_months"),
        "renewal_fee_amount": _amount(renewal["fee"]) if renewal.get("fee") is not None else None,
        "renewal_notes": (renewal.get("notes") or "").strip(),
        "source": spec["source"],
        "checked_on": _checked_on(spec["facts"]),
        "is_published": True,
        "position": position,
    }


def _sync_categories(cert: Certification, specs: list[dict]) -> bool:
    """Categories matched by slug (credits logged against them keep their category)."""
    existing = {c.slug: c for c in cert.categories.all()}
    changed = False
    by_slug: dict[str, RenewalCategory] = {}
    for position, spec in enumerate(specs):
        parent = by_slug.get(spec.get("parent")) if spec.get("parent") else None
        values = {
            "name": spec["name"],
            "parent_id": parent.pk if parent else None,
            "min_credits": spec.get("min"),
            "max_credits": spec.get("max"),
            "position": position,
        }
        cat = existing.pop(spec["slug"], None)
        if cat is None:
            cat = RenewalCategory.objects.create(certification=cert, slug=spec["slug"], **values)
            changed = True
        elif any(getattr(cat, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(cat, k, v)
            cat.save()
            changed = True
        by_slug[spec["slug"]] = cat
    for stale in existing.values():
        # A category with logged credits is kept (credits PROTECT it); admins retire it by hand.
        if not CreditActivity.objects.filter(category=stale).exists():
            stale.delete()
            changed = True
    return changed
