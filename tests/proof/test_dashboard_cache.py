"""The dashboard served from its cache (roadmap.views.dashboard): the same page as a fresh
render, in one query with production's sessions and user cache, and never stale: any change it
shows gives it a new key at once."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from core import pages
from roadmap.models import ProgressStatus
from roadmap.services import plan as plan_services
from roadmap.services import progress as services
from tests.roadmap.factories import (
    EnrollmentFactory,
    build_roadmap,
    enrolled_learner,
    path_milestones,
)

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("roadmap:dashboard")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def without_tokens(html: str) -> str:
    """The page with its CSRF tokens blanked: they are masked afresh for every response."""
    html = CSRF_INPUT.sub('name="csrfmiddlewaretoken" value=""', html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', '"X-CSRFToken": ""', html)


@pytest.fixture
def learner_on_path(client):
    path = build_roadmap(steps=2, milestones_per_step=3)
    learner = enrolled_learner(path)
    client.force_login(learner)
    return learner, path_milestones(path)


@pytest.mark.parametrize(("steps", "per_step"), [(6, 5), (10, 30)], ids=["30", "300"])
def test_a_repeated_view_is_the_same_page_in_one_query(
    client, settings, steps, per_step, django_assert_num_queries
):
    # given: production's session and user copies in the cache (settings/production.py,
    # accounts/backends.py), and a learner with progress who has opened the
    # dashboard once
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.USER_CACHE_SECONDS = 60
    path = build_roadmap(steps=steps, milestones_per_step=per_step)
    learner = enrolled_learner(path)
    for milestone in path_milestones(path)[:5]:
        services.milestone_status_set(
            learner=learner, milestone=milestone, status=ProgressStatus.DONE
        )
    client.force_login(learner)
    first = client.get(DASHBOARD).content.decode()

    # when: they open it again (the stamp; session, user and page from the cache)
    with django_assert_num_queries(1):
        again = client.get(DASHBOARD).content.decode()

    # then: the very same page, but for its CSRF tokens
    assert without_tokens(again) == without_tokens(first)
    with override_settings(DASHBOARD_CACHE_SECONDS=0):
        assert without_tokens(client.get(DASHBOARD).content.decode()) == without_tokens(first)


def test_a_change_shows_at_once(client, learner_on_path):
    # given: the dashboard seen once, nothing done
    learner, milestones = learner_on_path
    assert "0 of 6 milestones done" in client.get(DASHBOARD).content.decode()

    # when: a milestone is done, by a service as every page and the API use it
    services.milestone_status_set(
        learner=learner, milestone=milestones[0], status=ProgressStatus.DONE
    )

    # then
    assert "1 of 6 milestones done" in client.get(DASHBOARD).content.decode()


def test_a_new_enrolment_shows_at_once(client, learner_on_path):
    learner, _milestones = learner_on_path
    second = build_roadmap(steps=1, milestones_per_step=2, slug="second-path")
    assert second.title not in client.get(DASHBOARD).content.decode()

    EnrollmentFactory(learner=learner, path=second)

    assert second.title in client.get(DASHBOARD).content.decode()


def test_an_admins_edit_of_a_milestone_shows_at_once(client, learner_on_path):
    # given: the dashboard seen once, kept for five minutes
    _learner, milestones = learner_on_path
    assert "Renamed by the admin" not in client.get(DASHBOARD).content.decode()

    # when: an admin renames a milestone (no row of the learner's changes)
    milestones[0].title = "Renamed by the admin"
    milestones[0].save()

    # then: the content version in the stamp gives a new key
    assert "Renamed by the admin" in client.get(DASHBOARD).content.decode()


def test_each_view_gets_a_working_csrf_token(client, learner_on_path):
    # given: a dashboard served from the cache, with a CSRF-checking client
    learner, _milestones = learner_on_path
    client.get(DASHBOARD)
    html = client.get(DASHBOARD).content.decode()
    tokens = CSRF_INPUT.findall(html)

    # then: the token is this request's, not a cached one, and the log-out form works with it
    assert tokens and "placeholder" not in html
    checking = client.__class__(enforce_csrf_checks=True)
    checking.cookies = client.cookies
    response = checking.post(reverse("account_logout"), {"csrfmiddlewaretoken": tokens[0]})
    assert response.status_code == 302
    assert checking.get(DASHBOARD).status_code == 302  # logged out


def test_a_page_with_messages_is_shown_fresh(client, learner_on_path):
    # given: the dashboard cached
    learner, milestones = learner_on_path
    client.get(DASHBOARD)

    # when: a change leaves a message and comes back to the dashboard
    response = client.post(
        milestones[0].get_absolute_url() + "status/",
        {"status": "done", "next": DASHBOARD},
        follow=True,
    )

    # then: the message is on the page, and not on the next one
    assert "is done. Well done!" in response.content.decode()
    assert "is done. Well done!" not in client.get(DASHBOARD).content.decode()


def test_the_learners_name_in_the_header_is_never_someone_elses(client):
    # given: two learners on the same path, at the same moment
    path = build_roadmap(steps=1, milestones_per_step=2)
    ann = enrolled_learner(path, display_name="Ann Example")
    bob = enrolled_learner(path, display_name="Bob Example")

    # when
    client.force_login(ann)
    anns = client.get(DASHBOARD).content.decode()
    client.force_login(bob)
    bobs = client.get(DASHBOARD).content.decode()

    # then
    assert "Ann Example" in anns and "Bob Example" not in anns
    assert "Bob Example" in bobs and "Ann Example" not in bobs


def test_a_new_display_name_shows_at_once(client, learner_on_path):
    learner, _milestones = learner_on_path
    client.get(DASHBOARD)

    learner.display_name = "Renamed Learner"
    learner.save(update_fields=["display_name"])

    assert "Renamed Learner" in client.get(DASHBOARD).content.decode()


def test_the_benchmark_baseline_is_off_unless_turned_on(
    client, settings, django_assert_num_queries
):
    # given: production's default
    settings.BENCH_BASELINE = False
    assert client.get(reverse("bench_baseline")).status_code == 404

    # when: the load benchmark turns it on
    settings.BENCH_BASELINE = True
    build_roadmap(steps=1, milestones_per_step=1)
    with django_assert_num_queries(1):
        response = client.get(reverse("bench_baseline"))

    # then: one query, a small page
    assert response.status_code == 200 and b"Career path" in response.content


def test_the_stored_page_holds_the_placeholder_and_never_a_token(
    client, learner_on_path, monkeypatch
):
    # given: a learner behind their plan (the page has the Re-plan form besides the frame's
    # token), and a cache that keeps what it is given
    learner, _milestones = learner_on_path
    plan_services.plan_settings_set(
        learner=learner,
        hours_per_week=4,
        weekdays=range(7),
        now=timezone.now() - dt.timedelta(weeks=3),
    )
    stored = {}
    monkeypatch.setattr(
        pages,
        "django_cache",
        SimpleNamespace(get=stored.get, set=lambda key, body, seconds: stored.update({key: body})),
    )

    # when
    served = client.get(DASHBOARD).content.decode()

    # then: the stored page (its bytes cut at each placeholder) has the placeholder wherever
    # the served one has this request's token
    (pieces,) = stored.values()
    assert isinstance(pieces, tuple) and all(isinstance(piece, bytes) for piece in pieces)
    body = pages.CSRF_PLACEHOLDER.encode().join(pieces).decode()
    assert len(pieces) == 4 + 1  # three forms' fields and the htmx header
    assert 'id="replan-button"' in body
    tokens = CSRF_INPUT.findall(body)  # the log-out forms (inline and menu) and the Re-plan form
    assert tokens == [pages.CSRF_PLACEHOLDER] * 3
    assert f'"X-CSRFToken": "{pages.CSRF_PLACEHOLDER}"' in body
    assert pages.CSRF_PLACEHOLDER not in served and len(CSRF_INPUT.findall(served)) == 3
    assert without_tokens(served) == without_tokens(body)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"no placeholder at all",
        pages.CSRF_PLACEHOLDER.encode(),
        f"a \u00b7 b {pages.CSRF_PLACEHOLDER} c \u00e9 {pages.CSRF_PLACEHOLDER}".encode(),
        f"{pages.CSRF_PLACEHOLDER}{pages.CSRF_PLACEHOLDER}\u2013".encode(),
    ],
)
def test_a_stored_page_is_served_as_the_replace_it_stands_for(content):
    # given: a rendered page's bytes (non-ASCII text, placeholders at the edges and adjacent)
    token = "AbC123xyz" * 7

    # when: stored and served with a token
    served = pages.served_body(pages.stored_pieces(content), token)

    # then: the bytes of the former str round trip, decoded, replaced and encoded again
    assert served == content.decode().replace(pages.CSRF_PLACEHOLDER, token).encode()


def test_a_page_stored_as_a_str_by_the_former_version_is_rendered_afresh(
    client, learner_on_path, monkeypatch
):
    # given: under the page's key, what the version before stored: the page as a str
    stored = {}
    monkeypatch.setattr(
        pages,
        "django_cache",
        SimpleNamespace(get=stored.get, set=lambda key, body, seconds: stored.update({key: body})),
    )
    fresh = client.get(DASHBOARD).content.decode()
    (key,) = stored
    stored[key] = "stale page " + pages.CSRF_PLACEHOLDER

    # when
    served = client.get(DASHBOARD).content.decode()

    # then: the page rendered again, and stored in the current format
    assert "stale page" not in served
    assert without_tokens(served) == without_tokens(fresh)
    assert isinstance(stored[key], tuple)
