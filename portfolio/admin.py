"""Admin for portfolio: projects and applications (read-mostly, for support), the question bank."""

from django.contrib import admin  # noqa: F401

# --- projects, public portfolios, applications (helper "work") ---
from django.db import models

from core.admin_privacy import PrivateTextAdminMixin
from portfolio.models import (
    ApplicationContact,
    ApplicationStatusChange,
    JobApplication,
    Project,
    ProjectLink,
    PublicPortfolio,
)

# A URL typed without a scheme is read as https:// (Django 6's default, chosen now).
WORK_HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


class ProjectLinkInline(admin.TabularInline):
    model = ProjectLink
    extra = 0
    formfield_overrides = WORK_HTTPS_URLS
    fields = ("label", "url", "created_at")
    readonly_fields = fields


# What a learner writes about a project: theirs alone until they make the project public.
PROJECT_TEXT = ("role", "context", "what_i_did", "outcome", "skills")


@admin.register(Project)
class ProjectAdmin(PrivateTextAdminMixin, admin.ModelAdmin):
    """For support: learners edit their own projects; an admin can look at a public one, hide it
    or delete a project. A private project's text and links are not shown (the learner was told
    it is private), nor can an admin make it public."""

    private_fields = PROJECT_TEXT
    defer_private_fields = False  # a public project's page shows them

    list_display = ("title", "learner", "kind", "started_on", "ended_on", "is_public")
    list_filter = ("kind", "is_public")
    search_fields = ("title", "learner__email")
    list_select_related = ("learner",)
    readonly_fields = ("learner", "title", "kind", "role", "started_on", "ended_on", "context",
                       "what_i_did", "outcome", "skills", "milestones", "created_at",
                       "updated_at")  # fmt: skip
    fields = ("is_public", "position", *readonly_fields)
    inlines = [ProjectLinkInline]
    formfield_overrides = WORK_HTTPS_URLS

    def private_fields_of(self, obj) -> tuple[str, ...]:
        return () if obj is not None and obj.is_public else self.private_fields

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "is_public"] if self._hidden(obj) else fields

    def get_inlines(self, request, obj):
        return [] if self._hidden(obj) else super().get_inlines(request, obj)

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(PublicPortfolio)
class PublicPortfolioAdmin(PrivateTextAdminMixin, admin.ModelAdmin):
    """An admin can take an abusive page offline (is_published) or free its address. An
    unpublished page's text is the learner's alone ("Only you can see your portfolio"): not
    shown, and an admin cannot publish it."""

    private_fields = ("headline", "summary")
    defer_private_fields = False  # a published page's admin shows them

    list_display = ("slug", "learner", "is_published", "show_progress", "show_certifications",
                    "updated_at")  # fmt: skip
    list_filter = ("is_published",)
    search_fields = ("slug", "learner__email")
    list_select_related = ("learner",)
    readonly_fields = ("learner", "headline", "summary", "show_certifications", "show_progress",
                       "updated_at")  # fmt: skip
    fields = ("slug", "is_published", *readonly_fields)

    def private_fields_of(self, obj) -> tuple[str, ...]:
        return () if obj is not None and obj.is_published else self.private_fields

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "is_published"] if self._hidden(obj) else fields

    def has_add_permission(self, request) -> bool:
        return False


class ApplicationStatusChangeInline(admin.TabularInline):
    model = ApplicationStatusChange
    extra = 0
    fields = ("from_status", "to_status", "changed_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ApplicationContactInline(PrivateTextAdminMixin, admin.TabularInline):
    model = ApplicationContact
    private_fields = ("notes",)
    extra = 0
    fields = ("name", "title", "email", "phone")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(JobApplication)
class JobApplicationAdmin(PrivateTextAdminMixin, admin.ModelAdmin):
    """Read-only for support: a learner's applications are theirs to change, and their notes
    ("Private: only you can see them") are not shown at all."""

    private_fields = ("notes",)

    list_display = ("role", "company", "learner", "status", "status_changed_at",
                    "next_action_on")  # fmt: skip
    list_filter = ("status",)
    search_fields = ("company", "role", "learner__email")
    list_select_related = ("learner",)
    date_hierarchy = "status_changed_at"
    inlines = [ApplicationStatusChangeInline, ApplicationContactInline]
    formfield_overrides = WORK_HTTPS_URLS

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# --- CV checks, question categories, interview questions (helper "practice") ---
# Imported here, not at the top, so the two halves of this file are edited apart.
from django.contrib import messages  # noqa: E402
from django.db.models import Count, OuterRef, Q, Subquery  # noqa: E402
from django.db.models.functions import Coalesce  # noqa: E402
from django.utils.translation import gettext_lazy as _  # noqa: E402
from django.utils.translation import ngettext  # noqa: E402

from portfolio.models import (  # noqa: E402
    CVCheck,
    InterviewQuestion,
    PracticeAnswer,
    QuestionCategory,
)


def _answers_per(group_by: str, outer: str = "pk") -> Coalesce:
    """Learners' answers counted per question or category by a subquery (not a join that
    multiplies rows), for the changelists."""
    answers = (
        PracticeAnswer.objects.filter(**{group_by: OuterRef(outer)})
        .order_by()
        .values(group_by)
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(answers), 0)


class InterviewQuestionInline(admin.TabularInline):
    model = InterviewQuestion
    extra = 0
    fields = ("position", "slug", "text", "is_published")
    ordering = ("position", "id")
    show_change_link = True

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting a question would delete learners' answers: unpublish it instead.
        return False


@admin.register(QuestionCategory)
class QuestionCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position", "published_questions", "answers")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    ordering = ("position", "name")
    inlines = [InterviewQuestionInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                published_count=Count("questions", filter=Q(questions__is_published=True)),
                answer_count=_answers_per("question__category"),
            )
        )

    @admin.display(description=_("published questions"), ordering="published_count")
    def published_questions(self, obj) -> int:
        return obj.published_count

    @admin.display(description=_("learners' answers"), ordering="answer_count")
    def answers(self, obj) -> int:
        return obj.answer_count


@admin.register(InterviewQuestion)
class InterviewQuestionAdmin(admin.ModelAdmin):
    list_display = ("text", "category", "position", "is_published", "answers", "from_data_file")
    list_filter = ("category", "is_published", "from_data_file")
    list_select_related = ("category",)
    search_fields = ("text", "slug", "guidance")
    prepopulated_fields = {"slug": ("text",)}
    readonly_fields = ("from_data_file",)
    ordering = ("category__position", "position", "id")
    actions = ["publish", "unpublish"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(answer_count=_answers_per("question"))

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Deleting questions in bulk would delete learners' answers with them.
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.answers.exists():
            return False  # learners have answered it: unpublish it instead
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("learners' answers"), ordering="answer_count")
    def answers(self, obj) -> int:
        return obj.answer_count

    @admin.action(description=_("Publish the selected questions"))
    def publish(self, request, queryset) -> None:
        count = queryset.update(is_published=True)
        messages.success(
            request, ngettext("%d question published.", "%d questions published.", count) % count
        )

    @admin.action(description=_("Unpublish the selected questions (answers are kept)"))
    def unpublish(self, request, queryset) -> None:
        count = queryset.update(is_published=False)
        messages.success(
            request,
            ngettext("%d question unpublished.", "%d questions unpublished.", count) % count,
        )


@admin.register(CVCheck)
class CVCheckAdmin(admin.ModelAdmin):
    """For support only, and deliberately without the texts: a CV is personal data (contact
    details, employment history) that support never needs. Admins see who ran a check, for
    which application, the score and when, and can delete a check on request."""

    list_display = ("created_at", "learner", "application", "score")
    list_select_related = ("learner", "application")
    search_fields = ("learner__email",)
    date_hierarchy = "created_at"
    fields = ("learner", "application", "score", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("cv_text", "job_text", "result")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
