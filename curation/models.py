"""The last check of each curated link: its status, where it ended up, and how long it has been
failing."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
