"""The headers every reminder email carries, whichever app's kind it is."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings


def reminder_headers(*, unsubscribe: str, key: str, delivery_id: int | None) -> dict[str, str]:
    """The headers every reminder email carries (other apps' kinds too)."""
    headers = {
        # RFC 2369 + RFC 8058: mail clients show an unsubscribe button that POSTs to the link.
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
        "X-Careerpath-Reminder": key,
    }
    if delivery_id is not None:
        # The same id on every attempt of one delivery, so a repeat can be recognised.
        headers["Message-ID"] = f"<reminder-{delivery_id}@{_message_id_domain(settings.SITE_URL)}>"
    return headers


@lru_cache(maxsize=4)
def _message_id_domain(site_url: str) -> str:
    return urlsplit(site_url).hostname or "careerpath.local"
