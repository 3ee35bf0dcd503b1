"""The navigation drawn once per process for each section and kind of user (core.jinja2.site_nav):
what it prints is what `{% include "includes/site_nav.html" %}` prints, for every url name the
site has, and it cannot come to read a field of the request its cache key leaves out."""

import itertools

import jinja2
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.test import RequestFactory
from django.urls import ResolverMatch, URLResolver, get_resolver, set_script_prefix, set_urlconf
from django.utils import translation

from core import jinja2 as core_jinja2

CACHED = '{{ site_nav("inline") }}|{{ site_nav("menu") }}'
INCLUDED = (
    '{% with where="inline" %}{% include "includes/site_nav.html" %}{% endwith %}|'
    '{% with where="menu" %}{% include "includes/site_nav.html" %}{% endwith %}'
)
# Both in one render, so both print the same masked CSRF token.
SIDE_BY_SIDE = CACHED + "#####" + INCLUDED


def _sections() -> list[tuple[list[str], str]]:
    """(namespaces, url name) of every named URL pattern the site has."""

    def walk(patterns, namespaces):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespaces + [pattern.namespace] if pattern.namespace else namespaces
                yield from walk(pattern.url_patterns, inner)
            elif pattern.name:
                yield namespaces, pattern.name

    return sorted({(tuple(ns), name) for ns, name in walk(get_resolver().url_patterns, [])})


def _users():
    user = get_user_model()
    return {
        "visitor": AnonymousUser(),
        "learner": user(email="ada@example.com", display_name="Ada <Lovelace> & co"),
        "another learner": user(email="bo@example.com", display_name="Bo"),
        "staff": user(email="grace@example.com", display_name="Grace", is_staff=True),
    }


def _request(user, namespaces, url_name):
    request = RequestFactory().get("/", secure=True)
    request.user = user
    request.resolver_match = ResolverMatch(
        lambda request: None,
        (),
        {},
        url_name=url_name,
        app_names=list(namespaces),
        namespaces=list(namespaces),
    )
    return request


def test_the_site_has_sections_of_every_kind_the_navigation_tells_apart():
    namespaces = {":".join(ns) for ns, _ in _sections()}
    assert {"roadmap", "certifications", "portfolio", "admin", ""} <= namespaces
    assert len(_sections()) > 50


def test_the_navigation_drawn_once_prints_what_the_include_prints_everywhere():
    """Every url name x visitor, learners and staff, in English, in German, under another
    script prefix and another URLconf, one after the other in one process (each section's
    combinations back to back, so the bounded cache forgets none before the next): a key that
    left out what the navigation depends on would serve one combination's navigation to
    another, and this would fail."""
    # given
    page = engines["jinja2"].from_string(SIDE_BY_SIDE)
    core_jinja2._navigations.clear()
    compared = 0
    # when / then
    try:
        for (namespaces, url_name), (prefix, language, urlconf), (who, user) in itertools.product(
            _sections(),
            [
                ("/", "en-gb", None),
                ("/", "de", None),
                ("/careerpath/", "en-gb", None),
                ("/", "en-gb", "tests.core.urls_mounted"),
            ],
            _users().items(),
        ):
            set_script_prefix(prefix)
            set_urlconf(urlconf)
            with translation.override(language):
                printed = page.render({}, _request(user, namespaces, url_name))
            cached, included = printed.split("#####")
            assert cached == included, (prefix, language, urlconf, namespaces, url_name, who)
            compared += 1
    finally:
        set_script_prefix("/")
        set_urlconf(None)
    assert compared > 3000
    assert core_jinja2._navigations  # the cache was used, not bypassed


def test_the_cached_navigation_prints_each_learners_own_name_and_csrf_field():
    page = engines["jinja2"].from_string(CACHED)
    users = _users()
    ada = page.render({}, _request(users["learner"], ["roadmap"], "dashboard"))
    bo = page.render({}, _request(users["another learner"], ["roadmap"], "dashboard"))
    # Names as printed between tags: a random CSRF token may hold the letters "Bo" anywhere.
    assert "Ada &lt;Lovelace&gt; &amp; co" in ada and ">Bo<" not in ada
    assert ">Bo<" in bo and "Lovelace" not in bo
    assert ada.count('name="csrfmiddlewaretoken"') == 2  # one log-out form per place
    token = ada.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert token not in bo


def test_a_visitors_navigation_does_not_make_a_csrf_token():
    """The visitor's navigation has no form: drawing it from the cache must not set a CSRF
    cookie (a page kept in a shared cache would then vary on it)."""
    request = _request(AnonymousUser(), ["roadmap"], "path_list")
    engines["jinja2"].from_string(CACHED).render({}, request)
    assert "CSRF_COOKIE" not in request.META


def test_the_navigation_cannot_read_what_its_cache_key_leaves_out():
    """A navigation template reading a field outside the key fails the render."""
    # given: an environment like the site's with a navigation that prints the user's email
    nav = "{{ request.user.name }} <{{ request.user.email }}>"
    env = core_jinja2.environment(
        loader=jinja2.DictLoader({core_jinja2.NAVIGATION: nav, "page": CACHED})
    )
    context = {"request": _request(_users()["learner"], ["roadmap"], "dashboard")}
    context["csrf_input"] = ""
    # when / then
    with pytest.raises(core_jinja2.NavigationKeyError, match=r"request\.user\.email"):
        env.get_template("page").render(context)


def test_the_stand_ins_hold_only_the_key():
    user = core_jinja2._NavigationKey("request.user", is_authenticated=True, is_staff=False)
    assert user.is_authenticated is True
    with pytest.raises(core_jinja2.NavigationKeyError):
        user.pk  # noqa: B018
    assert not hasattr(user, "__html__")  # printing it is not mistaken for markup
