"""Course catalogue CSV import: validate every row into a preview, then apply it all or nothing.

Header: slug,title,provider,url,cost,currency,hours,level,steps
- cost: "free" or a non-negative decimal (then currency, ISO 4217, is required)
- steps: "path-slug/step-slug" values separated by spaces or semicolons; they replace the
  course's steps.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from core.bounds import HOURS_MAX
from core.input_guard import nul_position, single_line
from roadmap.models import Course, CourseLevel, Step
from roadmap.services.content import COURSE_FIELDS

__all__ = [
    "HEADER",
    "MAX_BYTES",
    "CourseImportError",
    "FieldChange",
    "CourseRow",
    "RowError",
    "ImportPreview",
    "course_csv_read",
    "course_csv_validate",
    "course_csv_apply",
]

HEADER = ["slug", "title", "provider", "url", "cost", "currency", "hours", "level", "steps"]
MAX_BYTES = 1024 * 1024
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
STEP_SPLIT_RE = re.compile(r"[\s;]+")
https_validator = URLValidator(schemes=["https"])
# The course fields a row sets: the same ones the roadmap loader sets from its data file.
VALUE_FIELDS = COURSE_FIELDS


class CourseImportError(Exception):
    """The upload cannot be read at all (too large, not UTF-8), or changed under the import."""


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass
class CourseRow:
    line: int
    slug: str
    values: dict[str, Any]
    step_ids: frozenset[int]
    step_labels: list[str]
    course_id: int | None = None
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def cost_display(self) -> str:
        return _cost_display(
            self.values["is_free"], self.values["cost_amount"], self.values["cost_currency"]
        )


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass
class ImportPreview:
    to_create: list[CourseRow] = field(default_factory=list)
    to_update: list[CourseRow] = field(default_factory=list)
    unchanged: list[CourseRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        """Only a file without a single bad row may be applied: nothing is half-imported."""
        return not self.errors and bool(self.to_create or self.to_update or self.unchanged)


def course_csv_read(*, data: bytes) -> str:
    """The upload's text, or CourseImportError if it is too large or not UTF-8."""
    if len(data) > MAX_BYTES:
        raise CourseImportError(_("The file is larger than 1 MB; split it into smaller files."))
    try:
        # utf-8-sig drops the byte-order mark spreadsheet programs put in front of "CSV UTF-8".
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CourseImportError(
            _(
                "The file is not UTF-8 text (invalid byte at position %(position)d). Save it as "
                "“CSV UTF-8” and upload it again."
            )
            % {"position": exc.start}
        ) from exc


def _cost_display(is_free: bool, amount: Decimal | None, currency: str) -> str:
    return _("Free") if is_free else f"{amount} {currency}".strip()


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def course_csv_validate(*, text: str) -> ImportPreview:
    """Checks every row and compares it with the catalogue. Reads only; writes nothing."""
    preview = ImportPreview()
    if len(text.encode("utf-8")) > MAX_BYTES:
        preview.errors.append(RowError(1, _("The file is larger than 1 MB.")))
        return preview
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            preview.errors.append(RowError(1, _("The file is empty.")))
            return preview
        if [h.strip().lower() for h in header] != HEADER:
            preview.errors.append(
                RowError(
                    1,
                    _("Wrong header: expected “%(expected)s”, found “%(found)s”.")
                    % {"expected": ",".join(HEADER), "found": ",".join(header)},
                )
            )
            return preview
        raw_rows = []
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            # A NUL cannot be stored (PostgreSQL refuses it even in a lookup): the row is an
            # error before anything reads the database with it. Every column is one line.
            nul_in = [
                HEADER[i] if i < len(HEADER) else str(i + 1)
                for i, c in enumerate(cells)
                if nul_position(c) is not None
            ]
            if nul_in:
                preview.errors.append(
                    RowError(
                        reader.line_num,
                        _("a NUL character (U+0000) in %(columns)s: remove it")
                        % {"columns": ", ".join(nul_in)},
                    )
                )
                continue
            raw_rows.append((reader.line_num, [single_line(c) for c in cells]))
    except csv.Error as exc:
        preview.errors.append(
            RowError(reader.line_num or 1, _("Cannot read the CSV: %(error)s") % {"error": exc})
        )
        return preview
    if not raw_rows:
        if not preview.errors:
            preview.errors.append(RowError(1, _("The file has a header but no courses.")))
        return preview

    # Two queries whatever the file's size: the named steps, and the courses it updates.
    step_refs = {
        ref
        for _line, cells in raw_rows
        if len(cells) == len(HEADER)
        for ref in STEP_SPLIT_RE.split(cells[8])
        if ref
    }
    pairs = [ref.split("/", 1) for ref in step_refs if ref.count("/") == 1]
    steps = {}
    if pairs:
        for step in Step.objects.filter(
            path__slug__in={p for p, _s in pairs}, slug__in={s for _p, s in pairs}
        ).select_related("path"):
            steps[f"{step.path.slug}/{step.slug}"] = step
    existing = {
        c.slug: c
        for c in Course.objects.filter(
            slug__in={cells[0] for _line, cells in raw_rows if cells}
        ).prefetch_related(Prefetch("steps", queryset=Step.objects.select_related("path")))
    }

    first_line: dict[str, int] = {}
    for line, cells in raw_rows:
        row, problems = _parse_row(line, cells, steps)
        if row is not None:
            if row.slug in first_line:
                problems.append(
                    _("duplicate slug “%(slug)s” (also on line %(line)d)")
                    % {"slug": row.slug, "line": first_line[row.slug]}
                )
            else:
                first_line[row.slug] = line
        if problems:
            preview.errors.extend(RowError(line, p) for p in problems)
            continue
        course = existing.get(row.slug)
        if course is None:
            preview.to_create.append(row)
            continue
        row.course_id = course.pk
        row.changes = _changes(course, row)
        (preview.to_update if row.changes else preview.unchanged).append(row)
    return preview


def _parse_row(
    line: int, cells: list[str], steps: dict[str, Step]
) -> tuple[CourseRow | None, list[str]]:
    if len(cells) != len(HEADER):
        return None, [
            _("expected %(expected)d columns, found %(found)d")
            % {"expected": len(HEADER), "found": len(cells)}
        ]
    slug, title, provider, url, cost, currency, hours, level, step_text = cells
    problems: list[str] = []
    if not SLUG_RE.match(slug) or len(slug) > 50:
        problems.append(
            _("invalid slug “%(slug)s” (lowercase letters, digits and hyphens)") % {"slug": slug}
        )
    for name, value, max_length in (("title", title, 200), ("provider", provider, 120)):
        if not value:
            problems.append(_("%(field)s is required") % {"field": name})
        elif len(value) > max_length:
            problems.append(
                _("%(field)s is longer than %(max)d characters")
                % {"field": name, "max": max_length}
            )
    try:
        https_validator(url)
        if len(url) > 500:
            raise ValidationError("too long")
    except ValidationError:
        problems.append(_("bad URL “%(url)s”: it must be a full https:// address") % {"url": url})

    is_free, amount = cost.lower() == "free", None
    if not is_free:
        try:
            amount = Decimal(cost)
            if not amount.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            problems.append(
                _("cost must be “free” or an amount, found “%(cost)s”") % {"cost": cost}
            )
        else:
            if amount < 0:
                problems.append(_("negative cost %(cost)s") % {"cost": cost})
            elif amount != amount.quantize(Decimal("0.01")) or amount >= Decimal("10000000"):
                problems.append(_("cost %(cost)s has too many digits") % {"cost": cost})
        currency = currency.upper()
        if not currency:
            problems.append(_("missing currency for a paid course"))
        elif not CURRENCY_RE.match(currency):
            problems.append(
                _("currency must be a three-letter code such as USD, found “%(currency)s”")
                % {"currency": currency}
            )
    else:
        currency = ""

    hours_value = None
    if hours:
        if hours.isdigit() and int(hours) <= HOURS_MAX:
            hours_value = int(hours)
        else:
            problems.append(
                _("hours must be a whole number up to %(max)d, found “%(hours)s”")
                % {"max": HOURS_MAX, "hours": hours}
            )
    if level not in CourseLevel.values:
        problems.append(
            _("unknown level “%(level)s” (one of %(levels)s)")
            % {"level": level, "levels": ", ".join(CourseLevel.values)}
        )

    step_objs = []
    for ref in dict.fromkeys(r for r in STEP_SPLIT_RE.split(step_text) if r):
        if ref in steps:
            step_objs.append(steps[ref])
        else:
            problems.append(
                _("unknown step “%(step)s” (write it as path-slug/step-slug)") % {"step": ref}
            )
    if problems:
        return (CourseRow(line, slug, {}, frozenset(), []) if slug else None), problems
    values = {
        "title": title,
        "provider": provider,
        "url": url,
        "is_free": is_free,
        "cost_amount": amount,
        "cost_currency": currency,
        "hours": hours_value,
        "level": level,
    }
    labels = [f"{s.path.slug}/{s.slug}" for s in step_objs]
    return CourseRow(line, slug, values, frozenset(s.pk for s in step_objs), labels), []


def _changes(course: Course, row: CourseRow) -> list[FieldChange]:
    changes = []
    for name in ("title", "provider", "url", "hours", "level"):
        old, new = getattr(course, name), row.values[name]
        if old != new:
            changes.append(FieldChange(name, _text(old), _text(new)))
    old_cost = (course.is_free, course.cost_amount, course.cost_currency)
    new_cost = (row.values["is_free"], row.values["cost_amount"], row.values["cost_currency"])
    if old_cost != new_cost:
        changes.append(FieldChange("cost", course.cost_display, row.cost_display))
    old_steps = {s.pk: f"{s.path.slug}/{s.slug}" for s in course.steps.all()}
    if set(old_steps) != row.step_ids:
        changes.append(
            FieldChange(
                "steps", " ".join(sorted(old_steps.values())), " ".join(sorted(row.step_labels))
            )
        )
    return changes


def course_csv_apply(*, preview: ImportPreview) -> dict[str, int]:
    """Writes a valid preview in one transaction; any failure leaves the catalogue untouched."""
    if not preview.is_valid:
        raise CourseImportError(_("Only a file without errors can be imported."))
    with transaction.atomic():
        Course.objects.bulk_create(Course(slug=row.slug, **row.values) for row in preview.to_create)
        current = Course.objects.select_for_update().in_bulk(
            [row.slug for row in preview.to_update], field_name="slug"
        )
        if len(current) != len(preview.to_update):
            raise CourseImportError(_("Courses changed since the preview; upload the file again."))
        for row in preview.to_update:
            for name, value in row.values.items():
                setattr(current[row.slug], name, value)
        Course.objects.bulk_update(list(current.values()), VALUE_FIELDS)

        # The file names each course's full list of steps: links it no longer lists are removed.
        rows = preview.to_create + preview.to_update
        ids = dict(Course.objects.filter(slug__in=[r.slug for r in rows]).values_list("slug", "pk"))
        wanted = {(ids[r.slug], step_id) for r in rows for step_id in r.step_ids}
        through = Course.steps.through
        linked = {
            (t.course_id, t.step_id): t.pk
            for t in through.objects.filter(course_id__in=ids.values())
        }
        stale = [pk for pair, pk in linked.items() if pair not in wanted]
        if stale:
            through.objects.filter(pk__in=stale).delete()
        through.objects.bulk_create(
            through(course_id=c, step_id=s) for c, s in wanted if (c, s) not in linked
        )
    return {
        "created": len(preview.to_create),
        "updated": len(preview.to_update),
        "unchanged": len(preview.unchanged),
    }
