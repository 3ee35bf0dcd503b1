"""The learner's public portfolio page at /p/<slug>/, open to anyone while it is published."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portfolio.selectors.projects import public_page


# Never cached, by the browser or a proxy: unpublishing must make the address answer 404 at
# once, not when a cached copy expires.
@never_cache
@require_GET
def portfolio_public(request: HttpRequest, slug: str) -> HttpResponse:
    page = public_page(slug=slug)
    return render(request, "portfolio/public.html", {"page": page})
