"""Admin for curation: link health (broken and redirected links, filters, a "check now" action)
and insights (per course, certification, milestone and step, how learners use it)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_readonly import ReadOnlyAdminMixin
from curation import insights
from curation.insights import STALL_DAYS
from curation.models import (
    CertificationInsight,
    CourseInsight,
    LinkCheck,
    MilestoneInsight,
    StepInsight,
)
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


# --- Insights: how learners use what admins curate ----------------------------------------------


class InsightAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A read-only list whose figures are annotations on its one query."""

    list_per_page = 50


@admin.register(CourseInsight)
class CourseInsightAdmin(InsightAdmin):
    list_display = ("title", "provider", "milestones_served", "learners_using", "learners_done")
    search_fields = ("title", "provider")

    def get_queryset(self, request):
        return insights.course_insights(super().get_queryset(request))

    @admin.display(description=_("milestones it serves"), ordering="milestones_served")
    def milestones_served(self, obj):
        return obj.milestones_served

    @admin.display(description=_("learners on those milestones"), ordering="learners_using")
    def learners_using(self, obj):
        return obj.learners_using

    @admin.display(description=_("learners done with one"), ordering="learners_done")
    def learners_done(self, obj):
        return obj.learners_done


@admin.register(CertificationInsight)
class CertificationInsightAdmin(InsightAdmin):
    list_display = ("name", "issuer", "learners_tracking", "learners_earned", "milestones_served")
    search_fields = ("name", "abbreviation", "issuer")

    def get_queryset(self, request):
        return insights.certification_insights(super().get_queryset(request))

    @admin.display(description=_("learners tracking it"), ordering="learners_tracking")
    def learners_tracking(self, obj):
        return obj.learners_tracking

    @admin.display(description=_("learners who earned it"), ordering="learners_earned")
    def learners_earned(self, obj):
        return obj.learners_earned

    @admin.display(description=_("milestones it serves"), ordering="milestones_served")
    def milestones_served(self, obj):
        return obj.milestones_served


@admin.register(MilestoneInsight)
class MilestoneInsightAdmin(InsightAdmin):
    list_display = ("title", "step", "learners_started", "learners_done", "learners_skipped",
                    "median_days")  # fmt: skip
    list_select_related = ("step__path",)
    list_filter = ("step__path",)
    search_fields = ("title", "slug")

    def get_queryset(self, request):
        return insights.milestone_insights(super().get_queryset(request))

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            # One query for the page's medians (SQL has no portable median aggregate).
            self._medians = insights.median_days_to_done(m.pk for m in changelist.result_list)
        return response

    @admin.display(description=_("started"), ordering="learners_started")
    def learners_started(self, obj):
        return obj.learners_started

    @admin.display(description=_("done"), ordering="learners_done")
    def learners_done(self, obj):
        return obj.learners_done

    @admin.display(description=_("skipped"), ordering="learners_skipped")
    def learners_skipped(self, obj):
        return obj.learners_skipped

    @admin.display(description=_("median days to done"))
    def median_days(self, obj):
        return getattr(self, "_medians", {}).get(obj.pk, "—")


@admin.register(StepInsight)
class StepInsightAdmin(InsightAdmin):
    list_display = ("title", "path", "learners_in_progress", "learners_stalled")
    list_select_related = ("path",)

    def get_queryset(self, request):
        return insights.step_insights(super().get_queryset(request))

    @admin.display(description=_("learners in progress"), ordering="learners_in_progress")
    def learners_in_progress(self, obj):
        return obj.learners_in_progress

    @admin.display(
        description=_("stalled (in progress, untouched %(days)s days)") % {"days": STALL_DAYS},
        ordering="learners_stalled",
    )
    def learners_stalled(self, obj):
        return obj.learners_stalled
