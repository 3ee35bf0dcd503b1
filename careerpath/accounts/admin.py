"""Admin for learners: search by email, filter by reminder preferences."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from careerpath.accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "display_name",
        "timezone",
        "digest_frequency",
        "is_staff",
        "date_joined",
    ]
    list_filter = ["is_staff", "is_active", "digest_frequency", "nudges_enabled"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["display_name", "timezone"]}),
        (
            _("Reminders"),
            {
                "fields": [
                    "digest_frequency",
                    "digest_weekday",
                    "digest_hour",
                    "nudges_enabled",
                    "nudge_days_ahead",
                ]
            },
        ),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
