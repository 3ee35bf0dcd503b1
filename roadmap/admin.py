"""Admin for authoring career paths and the course catalogue (with CSV import), and a read-only
view of learners' enrollments, progress and events."""

from django import forms
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_privacy import PrivateTextAdminMixin
from roadmap.models import (
    CareerPath,
    Course,
    Enrollment,
    EvidenceLink,
    Milestone,
    MilestoneProgress,
    MilestoneResource,
    ProgressEvent,
    Step,
)
from roadmap.services.course_import import (
    HEADER,
    MAX_BYTES,
    CourseImportError,
    course_csv_apply,
    course_csv_read,
    course_csv_validate,
)

# Catalogue links are https (the data file insists); a bare "example.com" means https too.
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}

# A step's name includes its path's title: every list of steps fetches the paths with it.
STEPS_WITH_PATH = Step.objects.select_related("path").order_by(
    "path__position", "path__title", "position"
)


class StepChoicesFilter(admin.RelatedFieldListFilter):
    """Filter by step, with the step choices (and their paths) in one query."""

    def field_choices(self, field, request, model_admin):
        return [(step.pk, str(step)) for step in STEPS_WITH_PATH.all()]


class RetiredFilter(admin.SimpleListFilter):
    title = _("retired")
    parameter_name = "retired"

    def lookups(self, request, model_admin):
        return [("no", _("Active")), ("yes", _("Retired"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(retired_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(retired_at__isnull=False)
        return queryset


def _without_bulk_delete(actions: dict) -> dict:
    # Deleting content cascades to learners' progress: single deletes check for it, bulk ones
    # cannot, so they are not offered.
    actions.pop("delete_selected", None)
    return actions


def _has_learner_history(milestones: QuerySet) -> bool:
    return (
        MilestoneProgress.objects.filter(milestone__in=milestones).exists()
        or ProgressEvent.objects.filter(milestone__in=milestones).exists()
    )


# --- Career paths, steps and milestones ---------------------------------------------------------


class StepInline(admin.TabularInline):
    model = Step
    fields = ["position", "title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    ordering = ["position", "id"]
    extra = 1
    can_delete = False  # a step with learners' progress is removed from its own page, or not
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("path")  # each row's name shows it


@admin.register(CareerPath)
class CareerPathAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "position", "is_published", "step_count", "source_version"]
    list_display_links = ["title"]
    list_editable = ["position", "is_published"]
    list_filter = ["is_published"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["source_version", "created_at", "updated_at"]
    fields = [
        "title",
        "slug",
        "summary",
        "description",
        "position",
        "is_published",
        "source_version",
        "created_at",
        "updated_at",
    ]
    inlines = [StepInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_step_count=Count("steps"))

    @admin.display(description=_("steps"), ordering="_step_count")
    def step_count(self, obj: CareerPath) -> int:
        return obj._step_count

    def get_actions(self, request):
        return _without_bulk_delete(super().get_actions(request))

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (
            obj.enrollments.exists()
            or _has_learner_history(Milestone.objects.filter(step__path=obj))
        ):
            return False
        return super().has_delete_permission(request, obj)


class MilestoneInline(admin.TabularInline):
    model = Milestone
    fields = ["position", "title", "slug", "kind", "effort_hours", "retired_at"]
    readonly_fields = ["retired_at"]
    prepopulated_fields = {"slug": ["title"]}
    ordering = ["position", "id"]
    extra = 1
    can_delete = False  # retire a milestone instead: deleting it would delete learners' progress
    show_change_link = True


@admin.register(Step)
class StepAdmin(admin.ModelAdmin):
    list_display = ["title", "path", "position", "active_milestones", "slug"]
    list_display_links = ["title"]
    list_editable = ["position"]
    list_filter = ["path"]
    list_select_related = ["path"]
    search_fields = ["title", "slug", "path__title"]
    ordering = ["path__position", "path__title", "position"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["path", "title", "slug", "summary", "position"]
    inlines = [MilestoneInline]

    def get_queryset(self, request):
        # select_related also serves the course form's step autocomplete, which shows paths.
        return (
            super()
            .get_queryset(request)
            .select_related("path")
            .annotate(_active=Count("milestones", filter=Q(milestones__retired_at__isnull=True)))
        )

    @admin.display(description=_("active milestones"), ordering="_active")
    def active_milestones(self, obj: Step) -> int:
        return obj._active

    def get_actions(self, request):
        return _without_bulk_delete(super().get_actions(request))

    def has_delete_permission(self, request, obj=None):
        if obj is not None and _has_learner_history(obj.milestones.all()):
            return False
        return super().has_delete_permission(request, obj)


class MilestoneResourceInline(admin.TabularInline):
    model = MilestoneResource
    fields = ["position", "course", "title", "url"]
    autocomplete_fields = ["course"]
    formfield_overrides = HTTPS_URLS
    ordering = ["position", "id"]
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("course")  # each row's name shows it


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["title", "step", "kind", "effort_hours", "position", "is_active"]
    list_display_links = ["title"]
    list_editable = ["position"]
    list_filter = [
        ("step__path", admin.RelatedFieldListFilter),
        ("step", StepChoicesFilter),
        "kind",
        RetiredFilter,
    ]
    list_select_related = ["step__path"]
    search_fields = ["title", "why", "slug"]
    ordering = ["step__path__position", "step__position", "position"]
    prepopulated_fields = {"slug": ["title"]}
    fields = [
        "step",
        "title",
        "slug",
        "why",
        "how",
        "kind",
        "effort_hours",
        "position",
        "retired_at",
        "tools",
    ]
    # Set by the data file's loader only (roadmap/data/README.md, "Actions"): shown, not edited.
    readonly_fields = ["tools"]
    inlines = [MilestoneResourceInline]
    actions = ["retire", "restore"]

    @admin.display(description=_("tools offered (from the data file)"))
    def tools(self, obj: Milestone) -> str:
        offered = [
            f"{a.get('kind')}: {a.get('target')}" if a.get("target") else str(a.get("kind"))
            for a in obj.actions or []
            if isinstance(a, dict)
        ]
        return ", ".join(offered) or "—"

    @admin.display(description=_("active"), boolean=True, ordering="retired_at")
    def is_active(self, obj: Milestone) -> bool:
        return obj.retired_at is None

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "step":
            kwargs["queryset"] = STEPS_WITH_PATH.all()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.action(description=_("Retire selected milestones (keeps learners' progress)"))
    def retire(self, request, queryset):
        count = queryset.filter(retired_at__isnull=True).update(retired_at=timezone.now())
        self.message_user(
            request, ngettext("Retired %d milestone.", "Retired %d milestones.", count) % count
        )

    @admin.action(description=_("Restore selected milestones"))
    def restore(self, request, queryset):
        count = queryset.filter(retired_at__isnull=False).update(retired_at=None)
        self.message_user(
            request, ngettext("Restored %d milestone.", "Restored %d milestones.", count) % count
        )

    def get_actions(self, request):
        return _without_bulk_delete(super().get_actions(request))

    def has_delete_permission(self, request, obj=None):
        if obj is not None and _has_learner_history(Milestone.objects.filter(pk=obj.pk)):
            return False
        return super().has_delete_permission(request, obj)


# --- Course catalogue and its CSV import --------------------------------------------------------


COURSE_FIELDS = [
    "title",
    "slug",
    "provider",
    "url",
    "is_free",
    "cost_amount",
    "cost_currency",
    "hours",
    "level",
    "steps",
]


class CourseAdminForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")

    class Meta:
        model = Course
        fields = COURSE_FIELDS

    def clean_cost_currency(self) -> str:
        currency = self.cleaned_data["cost_currency"].strip().upper()
        if currency and not (len(currency) == 3 and currency.isalpha() and currency.isascii()):
            raise forms.ValidationError(_("Use a three-letter ISO 4217 code, e.g. USD."))
        return currency

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_free"):
            cleaned["cost_currency"] = ""  # a free course has no currency to show
        elif not cleaned.get("cost_currency"):
            self.add_error("cost_currency", _("A paid course needs a currency, e.g. USD."))
        return cleaned


class CourseImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, at most 1 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:  # refused before it is read into memory
            raise forms.ValidationError(_("The file is larger than 1 MB."))
        try:
            return course_csv_read(data=upload.read())
        except CourseImportError as exc:
            raise forms.ValidationError(str(exc)) from exc


class CourseImportConfirmForm(forms.Form):
    """Carries the previewed file back, signed: the confirm step imports exactly what the admin
    saw, and a changed or forged payload is refused."""

    payload = forms.CharField(widget=forms.HiddenInput)
    MAX_AGE = 60 * 60

    def __init__(self, *args, user_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.salt = f"roadmap.course-import:{user_id}"

    def sign(self, text: str) -> str:
        return signing.dumps(text, salt=self.salt, compress=True)

    def clean_payload(self) -> str:
        try:
            return signing.loads(self.cleaned_data["payload"], salt=self.salt, max_age=self.MAX_AGE)
        except signing.BadSignature as exc:  # includes SignatureExpired
            raise forms.ValidationError(
                _("The preview expired or was changed. Upload the file again.")
            ) from exc


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    form = CourseAdminForm
    formfield_overrides = HTTPS_URLS
    list_display = ["title", "provider", "level", "cost_display", "hours", "slug"]
    list_filter = [("steps", StepChoicesFilter), "level", "is_free"]
    search_fields = ["title", "provider", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["steps"]
    fields = COURSE_FIELDS

    @admin.display(description=_("cost"), ordering="cost_amount")
    def cost_display(self, obj: Course) -> str:
        return obj.cost_display

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "steps":
            kwargs["queryset"] = STEPS_WITH_PATH.all()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_urls(self):
        # Before the default URLs, whose "<object_id>/" would otherwise swallow this one.
        return [
            path(
                "import-csv/",
                self.admin_site.admin_view(self.import_csv_view),
                name="roadmap_course_import_csv",
            ),
            *super().get_urls(),
        ]

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def import_csv_view(self, request: HttpRequest) -> HttpResponse:
        """Upload -> preview of every row (nothing written) -> confirm -> all rows or none."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        upload_form = CourseImportUploadForm()
        confirm_form = None
        preview = None
        if request.method == "POST" and "payload" in request.POST:
            signed = CourseImportConfirmForm(request.POST, user_id=request.user.pk)
            if signed.is_valid():
                # Checked again: the catalogue or the steps may have changed since the preview.
                preview = course_csv_validate(text=signed.cleaned_data["payload"])
                if preview.is_valid:
                    try:
                        counts = course_csv_apply(preview=preview)
                    except (CourseImportError, IntegrityError):
                        self.message_user(
                            request,
                            _(
                                "The catalogue changed during the import; nothing was imported. "
                                "Upload the file again."
                            ),
                            messages.ERROR,
                        )
                        return redirect("admin:roadmap_course_import_csv")
                    self.message_user(
                        request,
                        _(
                            "Imported courses: %(created)d created, %(updated)d updated, "
                            "%(unchanged)d unchanged."
                        )
                        % counts,
                        messages.SUCCESS,
                    )
                    return redirect("admin:roadmap_course_changelist")
            else:
                for error in signed.errors.get("payload", []):
                    self.message_user(request, error, messages.ERROR)
        elif request.method == "POST":
            upload_form = CourseImportUploadForm(request.POST, request.FILES)
            if upload_form.is_valid():
                text = upload_form.cleaned_data["file"]
                preview = course_csv_validate(text=text)
                if preview.is_valid:
                    confirm_form = CourseImportConfirmForm(user_id=request.user.pk)
                    confirm_form.initial["payload"] = confirm_form.sign(text)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import courses from CSV"),
            "upload_form": upload_form,
            "confirm_form": confirm_form,
            "preview": preview,
            "header": ",".join(HEADER),
        }
        return TemplateResponse(request, "admin/roadmap/course/import_csv.html", context)


# --- Learners' activity: read only --------------------------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    """Learners' own records: admins may look, never add, edit or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("learner"), ordering="learner__email")
    def learner_email(self, obj) -> str:
        return obj.learner.email


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyAdmin):
    list_display = ["learner_email", "path", "enrolled_at"]
    list_filter = ["path"]
    list_select_related = ["learner", "path"]
    search_fields = ["learner__email", "learner__display_name"]
    ordering = ["-enrolled_at"]


class EvidenceLinkInline(admin.TabularInline):
    model = EvidenceLink
    fields = ["url", "label", "created_at"]
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MilestoneProgress)
class MilestoneProgressAdmin(PrivateTextAdminMixin, ReadOnlyAdmin):
    # The form promises the learner "Only you can see these": not support either.
    private_fields = ("notes",)
    list_display = [
        "learner_email",
        "milestone",
        "path_title",
        "status",
        "target_date",
        "completed_at",
        "updated_at",
    ]
    list_filter = ["status", ("milestone__step__path", admin.RelatedFieldListFilter)]
    list_select_related = ["learner", "milestone__step__path"]
    search_fields = ["learner__email", "milestone__title"]
    ordering = ["-updated_at"]
    inlines = [EvidenceLinkInline]

    @admin.display(description=_("path"), ordering="milestone__step__path__title")
    def path_title(self, obj: MilestoneProgress) -> str:
        return obj.milestone.step.path.title


@admin.register(ProgressEvent)
class ProgressEventAdmin(ReadOnlyAdmin):
    list_display = [
        "occurred_at",
        "learner_email",
        "milestone",
        "kind",
        "from_status",
        "to_status",
        "detail",
    ]
    list_filter = ["kind", ("milestone__step__path", admin.RelatedFieldListFilter)]
    list_select_related = ["learner", "milestone"]
    search_fields = ["learner__email", "milestone__title"]
    ordering = ["-occurred_at", "-id"]
