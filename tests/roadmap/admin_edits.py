"""Content edits made the way an admin makes them: through the admin's own change form."""

from django.urls import reverse

from roadmap.models import Course
from tests.accounts.factories import UserFactory


def admin_course_rename(client, course: Course, title: str) -> None:
    """A superuser renames `course` in the admin (every other field as it was); the client is
    logged out afterwards."""
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        reverse("admin:roadmap_course_change", args=[course.pk]),
        {
            "title": title,
            "slug": course.slug,
            "provider": course.provider,
            "url": course.url,
            "is_free": "on",
            "cost_amount": "",
            "cost_currency": "",
            "hours": "3",
            "level": "beginner",
            "steps": [str(s.pk) for s in course.steps.all()],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
