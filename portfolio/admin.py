"""Admin for portfolio: projects and applications (read-mostly, for support), the question bank."""

from django.contrib import admin  # noqa: F401

# --- projects, public portfolios, applications (helper "work") ---

# --- CV checks, question categories, interview questions (helper "practice") ---
