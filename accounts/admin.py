"""Admin for learners: search by email, filter by reminder preferences."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import PersonalAccessToken, User


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


@admin.register(PersonalAccessToken)
class PersonalAccessTokenAdmin(admin.ModelAdmin):
    """Read-only: staff can see who has tokens and revoke (delete) one; nobody sees a secret."""

    list_display = ["name", "learner", "prefix", "created_at", "last_used_at", "expires_at"]
    list_select_related = ["learner"]
    search_fields = ["learner__email", "name", "prefix"]
    fields = ["learner", "name", "prefix", "created_at", "last_used_at", "expires_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
