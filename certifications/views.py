"""Certification pages: the catalogue, a comparison, and the learner's tracker.

Every change is a plain POST form that redirects back with a message, so the pages work without
JavaScript. Tracker rows are looked up within request.user's own, so anyone else's is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certifications import selectors, services
from certifications.forms import (
    CatalogueFilterForm,
    CreditForm,
    CustomCertificationForm,
    ExpiryForm,
    RenewForm,
    StatusForm,
)
from certifications.models import (
    CertificationRenewal,
    CreditActivity,
    LearnerCertification,
    RenewalCategory,
)
from core.form_actions import form_action, form_errors_text, refuse
from roadmap.selectors.paths import learner_today, milestone_from

COMPARE_MAX = 3


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    form = CatalogueFilterForm(request.GET or None, issuers=selectors.issuers())
    filters = selectors.CatalogueFilters()
    if form.is_bound and form.is_valid():
        filters = selectors.CatalogueFilters(**form.cleaned_data)
    context = {
        "form": form,
        "certifications": selectors.catalogue(filters=filters),
        "tracked_ids": selectors.tracked_certification_ids(learner=request.user),
    }
    return render(request, "certifications/catalogue.html", context)


@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    slugs = request.GET.getlist("c")
    certifications = selectors.comparison(slugs=slugs[:COMPARE_MAX])
    if len(certifications) < 2 or len(slugs) > COMPARE_MAX:
        messages.error(request, _("Choose two or three certifications to compare."))
        return redirect("certifications:catalogue")
    return render(request, "certifications/compare.html", {"certifications": certifications})


@login_required
@require_GET
def my_certifications(request: HttpRequest) -> HttpResponse:
    rows = selectors.my_certifications(learner=request.user, today=learner_today(request.user))
    context = {"rows": rows, "custom_form": CustomCertificationForm()}
    return render(request, "certifications/mine.html", context)


@login_required
@require_POST
def track(request: HttpRequest, slug: str) -> HttpResponse:
    certification = selectors.published_certification(slug=slug)
    tracked = services.learner_certification_add(learner=request.user, certification=certification)
    messages.success(request, _("%(name)s is on your list.") % {"name": certification.name})
    # Opened from a milestone's "Track ..." button: its tracker page links back to it.
    source = request.POST.get("from", "")
    if source.isdigit() and len(source) <= 18:
        return redirect(f"{tracked.get_absolute_url()}?{urlencode({'from': source})}")
    return redirect(tracked)


@login_required
@require_POST
def track_custom(request: HttpRequest) -> HttpResponse:
    form = CustomCertificationForm(request.POST)
    if not form.is_valid():
        refuse(request, form_errors_text(form))
        return redirect("certifications:mine")
    try:
        tracked = services.learner_certification_custom_add(
            learner=request.user, **form.cleaned_data
        )
    except ValidationError as exc:
        refuse(request, " ".join(exc.messages))
        return redirect("certifications:mine")
    messages.success(request, _("%(name)s is on your list.") % {"name": tracked.name})
    return redirect(tracked)


def _categories(tracked) -> list[RenewalCategory]:
    return list(tracked.certification.categories.all()) if tracked.certification_id else []


# Why a renewal cannot be recorded yet, worth saying on the page; in the other states (not
# earned, never expires) the page offers no renewal at all.
_RENEWAL_NOT_YET = ("not_open", "already_renewed")


def _renewal_offer(tracked, today) -> tuple[services.RenewalPlan | None, str]:
    """The renewal the page may offer, or why not yet ("" when it offers none)."""
    try:
        return services.certification_renewal_plan(tracked=tracked, today=today), ""
    except ValidationError as exc:
        return None, " ".join(exc.messages) if exc.code in _RENEWAL_NOT_YET else ""


@login_required
@require_GET
def tracker_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tracked = selectors.tracked_certification(learner=request.user, pk=pk)
    today = learner_today(request.user)
    row = selectors.tracker_row(tracked, today=today)
    renewal_plan, renewal_not_yet = _renewal_offer(tracked, today)
    renewals = selectors.certification_renewals(tracked)
    context = {
        "row": row,
        "tracked": tracked,
        "credits": list(tracked.credits.all()),
        "status_form": StatusForm(
            initial={
                "status": tracked.status,
                "exam_date": tracked.exam_date,
                "earned_on": tracked.earned_on,
                "credential_id": tracked.credential_id,
                "verification_url": tracked.verification_url,
            }
        ),
        "expiry_form": ExpiryForm(
            initial={
                "expires_on": tracked.expires_on_override,
                "notice_days": ", ".join(str(d) for d in tracked.notice_days),
            }
        ),
        "credit_form": CreditForm(categories=_categories(tracked)),
        "renewal_plan": renewal_plan,
        "renewal_not_yet": renewal_not_yet,
        "renewals": renewals,
        # The expiry a renewal set shows as renewed, not as "set by you".
        "expiry_renewed": bool(renewals)
        and tracked.expires_on_override == renewals[0].new_expires_on,
        "from_milestone": milestone_from(request.GET.get("from")),
    }
    return render(request, "certifications/tracker_detail.html", context)


@login_required
@require_POST
def tracker_status(request: HttpRequest, pk: int) -> HttpResponse:
    tracked = selectors.tracked_certification(learner=request.user, pk=pk)
    form_action(
        request,
        StatusForm(request.POST),
        lambda data: services.learner_certification_status_set(
            tracked=tracked, today=learner_today(request.user), **data
        ),
        _("Status saved."),
    )
    return redirect(tracked)


def _expiry_and_notices_set(tracked, data) -> None:
    with transaction.atomic():
        services.learner_certification_notice_days_set(tracked=tracked, days=data["notice_days"])
        services.learner_certification_expiry_set(tracked=tracked, expires_on=data["expires_on"])


@login_required
@require_POST
def tracker_expiry(request: HttpRequest, pk: int) -> HttpResponse:
    tracked = selectors.tracked_certification(learner=request.user, pk=pk)
    form_action(
        request,
        ExpiryForm(request.POST),
        lambda data: _expiry_and_notices_set(tracked, data),
        _("Expiry date and reminders saved."),
    )
    return redirect(tracked)


@login_required
@require_http_methods(["GET", "POST"])
def tracker_renew(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what the renewal will change, to confirm; POST: record it."""
    tracked = selectors.tracked_certification(learner=request.user, pk=pk)
    if request.method == "GET":
        try:
            plan = services.certification_renewal_plan(
                tracked=tracked, today=learner_today(request.user)
            )
            refusal = ""
        except ValidationError as exc:
            plan, refusal = None, " ".join(exc.messages)
        context = {
            "tracked": tracked,
            "plan": plan,
            "refusal": refusal,
            "renew_form": RenewForm(initial={"previous_expires_on": tracked.expires_on}),
        }
        return render(request, "certifications/renew_confirm.html", context)
    renewed: list[LearnerCertification] = []

    def renew(data) -> None:
        renewed.append(
            services.certification_renew(
                tracked=tracked,
                previous_expires_on=data["previous_expires_on"],
                today=learner_today(request.user),
            )
        )

    form_action(
        request,
        RenewForm(request.POST),
        renew,
        lambda data: (
            _(
                "Renewal recorded: %(name)s now expires on %(date)s, and a new credit cycle has "
                "started. The closed cycle's credits are kept under Renewals, where you can undo "
                "it."
            )
            % {"name": tracked.name, "date": formats.date_format(renewed[0].expires_on)}
        ),
    )
    return redirect(tracked)


@login_required
@require_POST
def renewal_undo(request: HttpRequest, pk: int, renewal_id: int) -> HttpResponse:
    tracked = selectors.tracked_certification(learner=request.user, pk=pk)
    renewal = get_object_or_404(CertificationRenewal, pk=renewal_id, learner_certification=tracked)
    try:
        tracked = services.certification_renewal_undo(tracked=tracked, renewal=renewal)
    except ValidationError as exc:
        refuse(request, " ".join(exc.messages))
        return redirect(tracked)
    messages.success(
        request,
        _("Renewal undone: %(name)s expires on %(date)s again, in the credit cycle it was in.")
        % {"name": tracked.name, "date": formats.date_format(tracked.expires_on)},
    )
    return redirect(tracked)


@login_required
@require_POST
def credit_add(request: HttpRequest, pk: int) -> HttpResponse:
    tracked = selectors.tracked_certification(learner=request.user, pk=pk)
    categories = _categories(tracked)
    by_pk = {c.pk: c for c in categories}

    def log_credits(data) -> None:
        data = dict(data)
        category = by_pk.get(data.pop("category", None))
        services.credit_activity_add(
            tracked=tracked, category=category, today=learner_today(request.user), **data
        )

    form_action(
        request, CreditForm(request.POST, categories=categories), log_credits, _("Credits logged.")
    )
    return redirect(tracked)


@login_required
@require_POST
def credit_delete(request: HttpRequest, pk: int, activity_id: int) -> HttpResponse:
    tracked = selectors.tracked_certification(learner=request.user, pk=pk)
    try:
        services.credit_activity_remove(learner=request.user, activity_id=activity_id)
    except CreditActivity.DoesNotExist:
        raise Http404("No such activity") from None
    messages.success(request, _("Activity removed."))
    return redirect(reverse("certifications:tracker_detail", kwargs={"pk": tracked.pk}))
