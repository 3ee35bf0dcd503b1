"""The project's own top-level packages, for guard tests that walk every app (forms, fields, CSV
writers): a new app added here is checked by all of them."""

PROJECT_PACKAGES = (
    "careerpath",
    "core",
    "accounts",
    "api",
    "reminders",
    "roadmap",
    "certifications",
    "portfolio",
    "curation",
)
