"""The learner's settings page: profile and reminder preferences, each its own form."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from careerpath.accounts import services
from careerpath.accounts.forms import ProfileForm, ReminderPreferencesForm


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
