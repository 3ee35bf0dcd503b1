"""The public portfolio page at /p/<slug>/ (no namespace: its address is the learner's own)."""

from django.urls import path

from portfolio.views.public import portfolio_public

urlpatterns = [
    path("<slug:slug>/", portfolio_public, name="portfolio_public"),
]
