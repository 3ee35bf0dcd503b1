"""The curated addresses roadmap holds (courses and milestone resources), for the link check."""

from __future__ import annotations

from collections.abc import Iterator

from roadmap.models import Course, MilestoneResource

__all__ = ["curated_urls"]


def curated_urls() -> Iterator[tuple[str, str]]:
    """(url, where it is used) for every course and every milestone's link; two queries."""
    for url, title in Course.objects.exclude(url="").values_list("url", "title"):
        yield url, f"Course: {title}"
    links = MilestoneResource.objects.exclude(url="").values_list("url", "title", "milestone__slug")
    for url, title, milestone in links:
        yield url, f"Milestone {milestone}: {title}"
