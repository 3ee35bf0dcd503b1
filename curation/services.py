"""Link health: collect the curated addresses from the apps that hold them, check each one (HEAD,
then GET when HEAD is refused), and keep the result.

The apps whose data is checked each list their own addresses (roadmap/links.py,
certifications/links.py); URL_SOURCES names those lists, so a new app adds one line here. The
check runs at most LINK_CHECK_CONCURRENCY requests at a time, each with a timeout, and says who
it is in its User-Agent. The network work happens in threads; every database write happens in
the caller's thread, after the checks.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from curation.models import LinkCheck, LinkState

__all__ = ["LinkResult", "link_fetch", "links_check", "links_sync"]

URL_SOURCES = ("roadmap.links.curated_urls", "certifications.links.curated_urls")
# Statuses that mean "this server does not answer HEAD": try GET before calling the link broken.
HEAD_REFUSED = {400, 403, 405, 501}


@dataclass(frozen=True)
class LinkResult:
    url: str
    status_code: int | None
    final_url: str
    error: str
    method: str

    @property
    def state(self) -> str:
        if self.status_code is None or self.status_code >= 400:
            return LinkState.BROKEN
        if self.final_url.rstrip("/") != self.url.rstrip("/"):
            return LinkState.REDIRECTED
        return LinkState.OK


def _sources() -> Iterator[Callable[[], Iterable[tuple[str, str]]]]:
    for path in getattr(settings, "LINK_CHECK_SOURCES", URL_SOURCES):
        yield import_string(path)


@transaction.atomic
def links_sync() -> dict[str, int]:
    """One LinkCheck per curated address, with where it is used; addresses no longer curated are
    dropped. Returns counts: created, removed, total."""
    used: dict[str, list[str]] = {}
    for source in _sources():
        for url, where in source():
            used.setdefault(url, []).append(where)
    existing = {c.url: c for c in LinkCheck.objects.all()}
    created = [
        LinkCheck(url=url, used_by="; ".join(wheres))
        for url, wheres in used.items()
        if url not in existing
    ]
    LinkCheck.objects.bulk_create(created)
    changed = []
    for url, check in existing.items():
        wheres = "; ".join(used.get(url, []))
        if url in used and check.used_by != wheres:
            check.used_by = wheres
            changed.append(check)
    LinkCheck.objects.bulk_update(changed, ["used_by"])
    removed, _ = LinkCheck.objects.exclude(url__in=list(used)).delete()
    return {"created": len(created), "removed": removed, "total": len(used)}


def link_fetch(url: str, *, timeout: float, user_agent: str) -> LinkResult:
    """Check one address: HEAD, then GET if the server refuses HEAD. Redirects are followed and
    the address they end at is kept. Never raises for a network problem: it is the result."""
    result = _request(url, "HEAD", timeout=timeout, user_agent=user_agent)
    if result.status_code in HEAD_REFUSED or (
        result.status_code is None and not _timed_out(result)
    ):
        result = _request(url, "GET", timeout=timeout, user_agent=user_agent)
    return result


def _timed_out(result: LinkResult) -> bool:
    return result.error == "timeout"


def _request(url: str, method: str, *, timeout: float, user_agent: str) -> LinkResult:
    request = urllib.request.Request(url, method=method, headers={"User-Agent": user_agent})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http(s) only: URLField)
            return LinkResult(url, response.status, response.geturl(), "", method)
    except urllib.error.HTTPError as error:
        return LinkResult(url, error.code, error.geturl() or url, "", method)
    except TimeoutError:
        return LinkResult(url, None, "", "timeout", method)
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, TimeoutError):
            return LinkResult(url, None, "", "timeout", method)
        return LinkResult(url, None, "", str(reason)[:200], method)
    except (OSError, ValueError) as error:  # a reset connection, a malformed address
        return LinkResult(url, None, "", str(error)[:200] or type(error).__name__, method)


def links_check(*, checks: Iterable[LinkCheck] | None = None) -> dict[str, int]:
    """Check the given links (all by default) and store each result. Returns counts by state."""
    checks = list(LinkCheck.objects.all() if checks is None else checks)
    timeout = float(getattr(settings, "LINK_CHECK_TIMEOUT", 10))
    user_agent = settings.LINK_CHECK_USER_AGENT
    workers = max(1, min(int(getattr(settings, "LINK_CHECK_CONCURRENCY", 8)), len(checks) or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(
            pool.map(lambda c: link_fetch(c.url, timeout=timeout, user_agent=user_agent), checks)
        )
    now = timezone.now()
    counts = dict.fromkeys(LinkState.values, 0)
    for check, result in zip(checks, results, strict=True):
        check.state = result.state
        check.status_code = result.status_code
        check.final_url = result.final_url[:2000]
        check.error = result.error
        check.method = result.method
        check.checked_at = now
        broken = result.state == LinkState.BROKEN
        check.consecutive_failures = check.consecutive_failures + 1 if broken else 0
        counts[result.state] += 1
    fields = ["state", "status_code", "final_url", "error", "method", "checked_at",
              "consecutive_failures"]  # fmt: skip
    LinkCheck.objects.bulk_update(checks, fields)
    return counts
