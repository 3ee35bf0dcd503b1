"""The curated addresses certifications holds (issuer pages and sources), for the link check."""

from __future__ import annotations

from collections.abc import Iterator

from certifications.models import Certification

__all__ = ["curated_urls"]


def curated_urls() -> Iterator[tuple[str, str]]:
    """(url, where it is used) for every published certification's page and source; one query."""
    rows = Certification.objects.filter(is_published=True).values_list("url", "source", "name")
    for url, source, name in rows:
        if url:
            yield url, f"Certification: {name}"
        if source and source != url:
            yield source, f"Certification source: {name}"
