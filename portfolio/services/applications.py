"""Every write to a learner's job applications: create, edit, move on the board, contacts.

Each function checks all of its input first and writes in one transaction, so bad input changes
nothing. A status change is only ever made by application_move, which records it (from, to,
when) in ApplicationStatusChange: the application's history and the board's dates.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from portfolio.models import (
    ApplicationContact,
    ApplicationStatus,
    ApplicationStatusChange,
    JobApplication,
)
from portfolio.services import fields

__all__ = [
    "APPLICATION_FIELDS",
    "CONTACT_FIELDS",
    "application_create",
    "application_update",
    "application_move",
    "application_delete",
    "application_contact_add",
    "application_contact_remove",
]

# What application_update may change; the status changes only through application_move.
APPLICATION_FIELDS = (
    "company",
    "role",
    "posting_url",
    "source",
    "salary_min",
    "salary_max",
    "salary_currency",
    "next_action",
    "next_action_on",
    "notes",
)
CONTACT_FIELDS = ("name", "title", "email", "phone", "notes")
CONTACTS_MAX = 20
CURRENCY_PATTERN = re.compile(r"[A-Z]{3}")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


# A new application's next action may be overdue already, but not by years (a typing slip).
NEXT_ACTION_PAST = dt.timedelta(days=365)


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _own(learner: User, application: JobApplication) -> None:
    # Views fetch applications within the learner's own (a 404 otherwise); this guards others.
    if application.learner_id != learner.pk:
        raise PermissionDenied("Not this learner's application")


def _status(value: Any) -> str:
    value = "" if value is None else str(value).strip()
    if value not in ApplicationStatus.values:
        raise ValidationError(
            _("“%(status)s” is not an application status. Choose one of: %(choices)s."),
            params={
                "status": value[:40],
                "choices": ", ".join(str(label) for label in ApplicationStatus.labels),
            },
            code="invalid_status",
        )
    return value


def _clean_application(
    *, data: Mapping[str, Any], current: JobApplication | None
) -> dict[str, Any]:
    """Checked values of the APPLICATION_FIELDS present in `data` (company and role are
    required on create)."""
    out: dict[str, Any] = {}
    for name, label in (("company", _("company")), ("role", _("role"))):
        if current is None or name in data:
            out[name] = fields.text(
                data.get(name),
                label=label,
                max_length=_max_length(JobApplication, name),
                required=True,
            )
    if "posting_url" in data:
        out["posting_url"] = fields.web_address(
            data["posting_url"],
            label=_("posting link"),
            max_length=_max_length(JobApplication, "posting_url"),
        )
    for name, label in (
        ("source", _("source")),
        ("next_action", _("next action")),
        ("notes", _("notes")),
    ):
        if name in data:
            out[name] = fields.text(
                data[name], label=label, max_length=_max_length(JobApplication, name)
            )
    if "salary_min" in data:
        out["salary_min"] = fields.whole_number_or_none(data["salary_min"], label=_("salary from"))
    if "salary_max" in data:
        out["salary_max"] = fields.whole_number_or_none(data["salary_max"], label=_("salary to"))
    if "salary_currency" in data:
        currency = fields.text(data["salary_currency"], label=_("currency"), max_length=3)
        currency = currency.upper()
        if currency and not CURRENCY_PATTERN.fullmatch(currency):
            raise ValidationError(
                _("The currency must be a three-letter code such as EUR, GBP or USD."),
                code="invalid_currency",
            )
        out["salary_currency"] = currency
    salary_min = out.get("salary_min", current.salary_min if current else None)
    salary_max = out.get("salary_max", current.salary_max if current else None)
    if salary_min is not None and salary_max is not None and salary_max < salary_min:
        raise ValidationError(
            _("The salary range ends (%(max)s) below where it starts (%(min)s)."),
            params={"max": f"{salary_max:,}", "min": f"{salary_min:,}"},
            code="salary_range",
        )
    if "next_action_on" in data:
        out["next_action_on"] = fields.date_or_none(
            data["next_action_on"], label=_("next action date")
        )
    return out


def application_create(
    *, learner: User, data: dict, now: dt.datetime | None = None
) -> JobApplication:
    """Add an application. `data` holds APPLICATION_FIELDS and optionally "status" (default
    saved); the starting status is recorded as the first change of its history."""
    fields.refuse_unknown(data, (*APPLICATION_FIELDS, "status"))
    values = _clean_application(data=data, current=None)
    status = _status(data.get("status") or ApplicationStatus.SAVED)
    now = now or timezone.now()
    next_action_on = values.get("next_action_on")
    if next_action_on is not None and next_action_on < timezone.localdate(now) - NEXT_ACTION_PAST:
        raise ValidationError(
            _(
                "The next action date %(date)s is more than a year ago: give the date of the "
                "next step for this new application, or leave it empty."
            ),
            params={"date": next_action_on.isoformat()},
            code="invalid_date",
        )
    with transaction.atomic():
        application = JobApplication.objects.create(
            learner=learner, status=status, status_changed_at=now, **values
        )
        ApplicationStatusChange.objects.create(
            application=application, from_status="", to_status=status, changed_at=now
        )
    return application


def application_update(*, learner: User, application: JobApplication, data: dict) -> JobApplication:
    """Change the fields present in `data`, other than the status (see application_move)."""
    _own(learner, application)
    if "status" in data and data["status"] != application.status:
        raise ValidationError(
            _("Move the application on the board to change its status."), code="status_field"
        )
    data = {k: v for k, v in data.items() if k != "status"}
    fields.refuse_unknown(data, APPLICATION_FIELDS)
    values = _clean_application(data=data, current=application)
    with transaction.atomic():
        for name, value in values.items():
            setattr(application, name, value)
        application.save(update_fields=[*values, "updated_at"])
    return application


def application_move(
    *, learner: User, application: JobApplication, status: str, now: dt.datetime | None = None
) -> JobApplication:
    """Move the application to `status` (any status to any other: a rejection can come at
    any stage, and an offer can be reopened), recording when. The same status is a no-op."""
    _own(learner, application)
    status = _status(status)
    now = now or timezone.now()
    with transaction.atomic():
        # Locked, so two quick moves are applied one after the other and each "from" is true.
        locked = JobApplication.objects.select_for_update().get(pk=application.pk)
        previous = locked.status
        if previous == status:
            application.status = previous
            return application
        application.status = status
        application.status_changed_at = now
        application.save(update_fields=["status", "status_changed_at", "updated_at"])
        ApplicationStatusChange.objects.create(
            application=application, from_status=previous, to_status=status, changed_at=now
        )
    return application


def application_delete(*, learner: User, application: JobApplication) -> None:
    """Delete the application with its history and contacts (its CV checks go with it)."""
    _own(learner, application)
    with transaction.atomic():
        application.delete()


def application_contact_add(
    *, learner: User, application: JobApplication, data: dict
) -> ApplicationContact:
    """Add a person at the company (a recruiter, the hiring manager…)."""
    _own(learner, application)
    fields.refuse_unknown(data, CONTACT_FIELDS)
    values = {
        name: fields.text(
            data.get(name),
            label=label,
            max_length=_max_length(ApplicationContact, name),
            required=name == "name",
        )
        for name, label in (
            ("name", _("name")),
            ("title", _("job title")),
            ("email", _("email address")),
            ("phone", _("phone number")),
            ("notes", _("notes")),
        )
    }
    if values["email"] and not EMAIL_PATTERN.fullmatch(values["email"]):
        raise ValidationError(
            _("“%(email)s” is not an email address."),
            params={"email": values["email"][:80]},
            code="invalid_email",
        )
    with transaction.atomic():
        JobApplication.objects.select_for_update().filter(pk=application.pk).first()
        if application.contacts.count() >= CONTACTS_MAX:
            raise ValidationError(
                _("An application can have at most %(max)d contacts."),
                params={"max": CONTACTS_MAX},
                code="too_many_contacts",
            )
        return ApplicationContact.objects.create(application=application, **values)


def application_contact_remove(
    *, learner: User, application: JobApplication, contact_id: int
) -> None:
    """Raises ApplicationContact.DoesNotExist for a contact not on this learner's application."""
    _own(learner, application)
    with transaction.atomic():
        ApplicationContact.objects.get(
            pk=contact_id, application=application, application__learner=learner
        ).delete()
