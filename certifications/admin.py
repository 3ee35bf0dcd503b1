"""Admins curate the catalogue here; learners' trackers are visible for support."""

from django.contrib import admin
from django.contrib.admin.widgets import AdminTextInputWidget
from django.db import models

from certifications.models import (
    Certification,
    CreditActivity,
    LearnerCertification,
    RenewalCategory,
)
from core.form_fields import SingleLineField

# A URL typed without a scheme is read as https:// (Django 6's default, chosen now). Every other
# short text is one line: a catalogue name goes into expiry notices' subjects.
HTTPS_URLS = {
    models.URLField: {"assume_scheme": "https"},
    models.SlugField: {"widget": AdminTextInputWidget},  # its own form field: a slug is one line
    models.CharField: {"form_class": SingleLineField},
}


class RenewalCategoryInline(admin.TabularInline):
    model = RenewalCategory
    extra = 0
    fk_name = "certification"


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ("name", "issuer", "cost_amount", "cost_currency", "validity_months",
                    "renewal_credits", "credit_name", "checked_on", "is_published")  # fmt: skip
    list_filter = ("is_published", "issuer")
    search_fields = ("name", "abbreviation", "issuer")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("milestones",)
    inlines = [RenewalCategoryInline]
    formfield_overrides = HTTPS_URLS


class CreditActivityInline(admin.TabularInline):
    model = CreditActivity
    extra = 0
    formfield_overrides = HTTPS_URLS


@admin.register(LearnerCertification)
class LearnerCertificationAdmin(admin.ModelAdmin):
    list_display = ("learner", "certification", "custom_name", "status", "earned_on")
    list_filter = ("status",)
    list_select_related = ("learner", "certification")
    raw_id_fields = ("learner",)
    inlines = [CreditActivityInline]
    formfield_overrides = HTTPS_URLS
