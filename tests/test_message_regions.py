"""Flash messages sit in two live regions on every page: errors in an assertive one (role=alert),
the rest in a polite one (role=status); the list inside stays a plain list."""

import re

import pytest

pytestmark = pytest.mark.django_db


def region(html: str, role: str) -> str:
    match = re.search(rf'<div class="messages-region" role="{role}"[^>]*>(.*?)</div>', html, re.S)
    assert match, f"no {role} region"
    return match.group(1)


def test_an_error_is_announced_assertively_and_the_list_keeps_its_role(client):
    # when: an action is refused with an error message (comparing a single certification)
    response = client.get("/certifications/compare/?c=only-one", follow=True)

    # then: the error is in the assertive region, the polite one is empty, no list has a role
    html = response.content.decode()
    assert "Choose two or three certifications to compare." in region(html, "alert")
    assert "<li" not in region(html, "status")
    assert 'aria-live="assertive"' in html
    assert not re.search(r"<ul[^>]*role=", html)


def test_a_page_without_messages_still_has_both_regions_ready(client):
    html = client.get("/").content.decode()

    assert region(html, "status") == "" and region(html, "alert") == ""
