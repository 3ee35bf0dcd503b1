"""Reminder pages: preview the next digest, and one-click unsubscribe from an email link."""

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from reminders.services import preview as preview_services
from reminders.services import unsubscribe as unsubscribe_services

# The email's HTML part, shown in a sandboxed frame of the preview page: framable by this site
# only, and no scripts or outside resources at all.
EMAIL_PART_POLICY = (
    "default-src 'none'; img-src 'self' data:; style-src 'self'; frame-ancestors 'self'; "
    "base-uri 'none'; form-action 'none'"
)


@login_required
@require_GET
@never_cache
def preview(request: HttpRequest) -> HttpResponse:
    email = preview_services.reminder_preview(learner=request.user)
    digest_off = preview_services.preview_switched_off(learner=request.user)
    return render(request, "reminders/preview.html", {"email": email, "digest_off": digest_off})


@login_required
@require_GET
@never_cache
@xframe_options_sameorigin
def preview_part(request: HttpRequest, part: str) -> HttpResponse:
    email = preview_services.reminder_preview(learner=request.user)
    if email is None:
        raise Http404("Nothing to preview.")
    if part == "html":
        response = HttpResponse(email.html, content_type="text/html; charset=utf-8")
        response.headers["Content-Security-Policy"] = EMAIL_PART_POLICY
        return response
    return HttpResponse(
        f"Subject: {email.subject}\n\n{email.text}", content_type="text/plain; charset=utf-8"
    )


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "reminders/unsubscribe_invalid.html", status=400)


@csrf_exempt  # the signed token is the credential; RFC 8058 one-click POSTs carry no CSRF token
@require_http_methods(["GET", "POST"])
@never_cache
def unsubscribe(request: HttpRequest, kind: str, token: str) -> HttpResponse:
    try:
        learner = unsubscribe_services.unsubscribe_token_learner(token=token, kind=kind)
    except (signing.BadSignature, User.DoesNotExist):
        return _invalid(request)
    if request.method == "POST":
        unsubscribe_services.reminder_unsubscribe(learner=learner, kind=kind)
        if request.POST.get("List-Unsubscribe") == "One-Click":
            # A mail client's one-click button: no page to show, just success.
            return HttpResponse("Unsubscribed.", content_type="text/plain; charset=utf-8")
        return redirect("reminders:unsubscribed", kind=kind)
    already_off = unsubscribe_services.OPT_OUTS[kind].is_off(learner)
    return render(
        request,
        "reminders/unsubscribe_confirm.html",
        {"kind": kind, "email": learner.email, "already_off": already_off},
    )


@require_GET
def unsubscribed(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in unsubscribe_services.OPT_OUTS:
        raise Http404("Unknown reminder kind.")
    return render(request, "reminders/unsubscribed.html", {"kind": kind})
