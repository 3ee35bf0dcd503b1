"""Roadmap pages (placeholder dashboard until the roadmap issue lands)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "roadmap/dashboard.html")
