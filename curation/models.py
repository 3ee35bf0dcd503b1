"""The last check of each curated link (its status, where it ended up, how long it has been
failing), and read-only views of the curated content for the admin's insights."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from certifications.models import Certification
from roadmap.models import Course, Milestone, Step


class LinkState(models.TextChoices):
    UNCHECKED = "unchecked", _("Not checked yet")
    OK = "ok", _("Working")
    REDIRECTED = "redirected", _("Redirected")
    BROKEN = "broken", _("Broken")


class LinkCheck(models.Model):
    """One curated address (deduplicated across courses, resources and certifications)."""

    url = models.URLField(max_length=500, unique=True)
    # Where admins use it ("Course: …; Milestone …"), refreshed at every sync, for the admin list.
    used_by = models.TextField(blank=True)
    state = models.CharField(
        max_length=12, choices=LinkState.choices, default=LinkState.UNCHECKED, db_index=True
    )
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    final_url = models.URLField(max_length=2000, blank=True)
    # What went wrong when there is no status: "timeout", "connection refused"…
    error = models.CharField(max_length=200, blank=True)
    method = models.CharField(max_length=4, blank=True)  # HEAD, or GET when HEAD was refused
    checked_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0, db_index=True)

    class Meta:
        ordering = ["-consecutive_failures", "url"]
        verbose_name = _("link check")

    def __str__(self) -> str:
        return self.url


# Read-only views of the curated content for the insights pages in the admin (curation/admin.py):
# proxies, so they have no tables of their own and each gets its own admin list.


class CourseInsight(Course):
    class Meta:
        proxy = True
        verbose_name = _("course insight")


class CertificationInsight(Certification):
    class Meta:
        proxy = True
        verbose_name = _("certification insight")


class MilestoneInsight(Milestone):
    class Meta:
        proxy = True
        verbose_name = _("milestone insight")


class StepInsight(Step):
    class Meta:
        proxy = True
        verbose_name = _("step insight")
