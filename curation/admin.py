"""Admin for link health: broken and redirected links with filters, and a "check now" action."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from curation.models import LinkCheck
from curation.services import links_check

# The action runs in the admin's request: a bounded number keeps it within a page load.
CHECK_NOW_MAX = 20


class FailingFilter(admin.SimpleListFilter):
    title = _("failing for")
    parameter_name = "failing"

    def lookups(self, request, model_admin):
        return [("1", _("1 check or more")), ("2", _("2 checks or more")),
                ("4", _("4 checks or more (a month)"))]  # fmt: skip

    def queryset(self, request, queryset):
        if self.value() in {"1", "2", "4"}:
            return queryset.filter(consecutive_failures__gte=int(self.value()))
        return queryset


@admin.register(LinkCheck)
class LinkCheckAdmin(admin.ModelAdmin):
    list_display = ("url", "state", "status_code", "final_url", "consecutive_failures",
                    "checked_at", "used_by")  # fmt: skip
    list_filter = ("state", FailingFilter)
    search_fields = ("url", "final_url", "used_by")
    readonly_fields = ("url", "used_by", "state", "status_code", "final_url", "error", "method",
                       "checked_at", "consecutive_failures")  # fmt: skip
    actions = ["check_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # rows come from the curated content (links_sync), not by hand

    @admin.action(description=_("Check the selected links now"), permissions=["change"])
    def check_now(self, request: HttpRequest, queryset: QuerySet[LinkCheck]) -> None:
        checks = list(queryset[: CHECK_NOW_MAX + 1])
        if len(checks) > CHECK_NOW_MAX:
            self.message_user(
                request,
                _("Select at most %(n)s links: the weekly check covers all of them.")
                % {"n": CHECK_NOW_MAX},
                messages.ERROR,
            )
            return
        counts = links_check(checks=checks)
        self.message_user(
            request,
            ngettext(
                "Checked %(n)s link: %(ok)s working, %(moved)s redirected, %(broken)s broken.",
                "Checked %(n)s links: %(ok)s working, %(moved)s redirected, %(broken)s broken.",
                len(checks),
            )
            % {
                "n": len(checks),
                "ok": counts["ok"],
                "moved": counts["redirected"],
                "broken": counts["broken"],
            },  # fmt: skip
            messages.SUCCESS,
        )
