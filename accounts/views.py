"""The learner's settings: profile and reminder preferences, each its own form; their data
(export), the calendar feed, personal access tokens, and deleting the account.

A new secret (feed address, access token) is kept in the session only until the next page view
shows it, once; the database keeps its SHA-256 alone.
"""

import copy

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts import export, selectors, services
from accounts.calendar_feed import feed_ics
from accounts.forms import (
    AccessTokenForm,
    DeleteAccountForm,
    ProfileForm,
    ReminderPreferencesForm,
)
from accounts.models import PersonalAccessToken
from core.form_actions import form_errors_text, refuse

NEW_SECRET_SESSION_KEY = "accounts:new_secret"


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    # Forms get a copy so a rejected submission never leaks half-applied values into the page.
    profile_form = ProfileForm(instance=user, prefix="profile")
    reminder_form = ReminderPreferencesForm(instance=user, prefix="reminders")
    if request.method == "POST":
        section = request.POST.get("section")
        if section == "profile":
            profile_form = ProfileForm(request.POST, instance=copy.copy(user), prefix="profile")
            if profile_form.is_valid():
                services.profile_update(user=user, **profile_form.cleaned_data)
                messages.success(request, _("Your profile is saved."))
                return redirect("accounts:settings")
        elif section == "reminders":
            reminder_form = ReminderPreferencesForm(
                request.POST, instance=copy.copy(user), prefix="reminders"
            )
            if reminder_form.is_valid():
                services.reminder_preferences_update(user=user, **reminder_form.cleaned_data)
                messages.success(request, _("Your reminder preferences are saved."))
                return redirect("accounts:settings")
        messages.error(request, _("Nothing was saved: please correct the errors below."))
    return render(
        request,
        "accounts/settings.html",
        {"profile_form": profile_form, "reminder_form": reminder_form},
        status=400 if request.method == "POST" else 200,
    )


def _show_once(request: HttpRequest, kind: str, value: str) -> None:
    request.session[NEW_SECRET_SESSION_KEY] = {"kind": kind, "value": value}


def _take_shown_once(request: HttpRequest, kind: str) -> str | None:
    stored = request.session.get(NEW_SECRET_SESSION_KEY)
    if not stored or stored.get("kind") != kind:
        return None
    del request.session[NEW_SECRET_SESSION_KEY]
    return stored["value"]


# --- Your data ---------------------------------------------------------------------------------


@login_required
@require_GET
def data_page(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/data.html")


def _download_name(extension: str) -> str:
    # The learner's own date: the middleware has activated their timezone.
    return f"careerpath-export-{timezone.localdate():%Y-%m-%d}.{extension}"


def _download(chunks, *, content_type: str, extension: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{_download_name(extension)}"'
    return response


@never_cache
@login_required
@require_GET
def export_json(request: HttpRequest) -> StreamingHttpResponse:
    chunks = export.export_json_chunks(learner=request.user, now=timezone.now())
    return _download(chunks, content_type="application/json; charset=utf-8", extension="json")


@never_cache
@login_required
@require_GET
def export_csv_zip(request: HttpRequest) -> StreamingHttpResponse:
    chunks = export.export_csv_zip_chunks(learner=request.user, now=timezone.now())
    return _download(chunks, content_type="application/zip", extension="zip")


@login_required
@require_GET
def export_schema(request: HttpRequest) -> JsonResponse:
    return JsonResponse(export.export_json_schema(), json_dumps_params={"indent": 2})


# --- Calendar feed -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def calendar_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "reset":
            secret = services.calendar_feed_reset(user=request.user)
            _show_once(request, "calendar", secret)
            messages.success(
                request,
                _("Your calendar feed has a new address. The previous address no longer works."),
            )
        elif action == "disable":
            services.calendar_feed_disable(user=request.user)
            messages.success(request, _("Your calendar feed is off. Its address no longer works."))
        else:
            refuse(request, _("choose whether to reset or to turn off the feed."))
        return redirect("accounts:calendar")
    secret = _take_shown_once(request, "calendar")
    feed_url = (
        request.build_absolute_uri(reverse("calendar:feed", kwargs={"secret": secret}))
        if secret
        else None
    )
    return render(request, "accounts/calendar.html", {"feed_url": feed_url})


@never_cache
@require_safe
def calendar_feed(request: HttpRequest, secret: str) -> HttpResponse:
    learner = selectors.calendar_feed_owner(secret=secret)
    if learner is None:
        raise Http404("No such calendar feed")
    response = HttpResponse(feed_ics(learner=learner), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="careerpath.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response


# --- Personal access tokens --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def tokens_page(request: HttpRequest) -> HttpResponse:
    form = AccessTokenForm()
    if request.method == "POST":
        form = AccessTokenForm(request.POST)
        if form.is_valid():
            try:
                row, token = services.access_token_create(
                    learner=request.user,
                    name=form.cleaned_data["name"],
                    lifetime_days=form.cleaned_data["lifetime"],
                )
            except ValidationError as error:
                refuse(request, " ".join(error.messages))
            else:
                _show_once(request, "token", token)
                messages.success(
                    request,
                    _("Token “%(name)s” created. Copy it now: it is shown only once.")
                    % {"name": row.name},
                )
                return redirect("accounts:tokens")
        else:
            refuse(request, form_errors_text(form))
    context = {
        "form": form,
        "tokens": selectors.access_tokens(learner=request.user),
        "new_token": _take_shown_once(request, "token") if request.method == "GET" else None,
        "now": timezone.now(),
    }
    return render(
        request,
        "accounts/tokens.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.access_token_revoke(learner=request.user, token_id=pk)
    except PersonalAccessToken.DoesNotExist:
        raise Http404("No such token") from None
    messages.success(request, _("The token is revoked: scripts using it are refused from now on."))
    return redirect("accounts:tokens")


# --- Deleting the account ----------------------------------------------------------------------


@login_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(user=request.user)
    if request.method == "POST":
        form = DeleteAccountForm(request.POST, user=request.user)
        if form.is_valid():
            services.account_delete(user=request.user)
            logout(request)
            messages.success(request, _("Your account and everything in it are deleted."))
            return redirect("home")
    return render(
        request,
        "accounts/delete.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )
