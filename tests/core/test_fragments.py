"""Content fragments (core/fragments.py): a body is rendered once per content version, language,
time zone, script prefix and key; a body that depends on anything else fails the render under
`verify`; no version, or DEBUG, renders afresh; the process holds a bounded number."""

from __future__ import annotations

import pytest
from django.urls import get_script_prefix, set_script_prefix
from django.utils import timezone, translation

from core import fragments
from core.jinja2 import environment

FRAGMENT = '{% call content_fragment(version, "part", key) %}<p>{{ body() }}</p>{% endcall %}'


@pytest.fixture
def render():
    template = environment(autoescape=True).from_string(FRAGMENT)  # as TEMPLATES sets it

    def render(body, *, version=1, key=1) -> str:
        return template.render(version=version, key=key, body=body)

    return render


@pytest.fixture
def counted(monkeypatch):
    """A body that says how many times it was rendered (so, unverified: it differs each time)."""
    monkeypatch.setattr(fragments, "verify", False)
    renders = []

    def body() -> int:
        renders.append(1)
        return len(renders)

    return body, renders


def test_a_body_is_rendered_once_per_key(render, counted):
    body, renders = counted

    first = render(body)
    again = render(body)

    assert first == again == "<p>1</p>"
    assert len(renders) == 1


@pytest.mark.parametrize("other", [{"version": 2}, {"key": 2}], ids=["version", "key"])
def test_another_version_or_key_renders_again(render, counted, other):
    body, renders = counted
    render(body)

    assert render(body, **other) == "<p>2</p>"
    assert render(body) == "<p>1</p>"  # the first is still held


@pytest.mark.parametrize("debug", [False, True], ids=["no version", "DEBUG"])
def test_no_version_or_debug_renders_every_time(render, counted, settings, debug):
    body, renders = counted
    settings.DEBUG = debug
    version = 1 if debug else None

    render(body, version=version)
    render(body, version=version)

    assert len(renders) == 2
    assert fragments.held() == 0


# The key's implicit parts: a body may print what depends on them, and under `verify` a body
# printed under another value would be a mismatch, so leaving one out of the key fails here.
def test_the_language_is_part_of_the_key(render):
    with translation.override("en-gb"):
        english = render(translation.get_language)
    with translation.override("fr"):
        french = render(translation.get_language)

    assert (english, french) == ("<p>en-gb</p>", "<p>fr</p>")


def test_the_time_zone_is_part_of_the_key(render):
    with timezone.override("Europe/London"):
        london = render(timezone.get_current_timezone_name)
    with timezone.override("Asia/Tokyo"):
        tokyo = render(timezone.get_current_timezone_name)

    assert (london, tokyo) == ("<p>Europe/London</p>", "<p>Asia/Tokyo</p>")


def test_the_script_prefix_is_part_of_the_key(render):
    before = get_script_prefix()
    try:
        set_script_prefix("/a/")
        under_a = render(get_script_prefix)
        set_script_prefix("/b/")
        under_b = render(get_script_prefix)
    finally:
        set_script_prefix(before)

    assert (under_a, under_b) == ("<p>/a/</p>", "<p>/b/</p>")


def test_a_body_that_prints_more_than_its_key_fails_the_render_under_verify(render):
    # given: a fragment whose body prints something per learner, seen by one learner
    assert fragments.verify  # tests/conftest.py turns it on for every test
    render(lambda: "ada@example.com")

    # when / then: the next learner's page fails instead of showing the first one's address
    with pytest.raises(fragments.FragmentMismatch, match="ada@example.com"):
        render(lambda: "grace@example.com")


def test_the_body_is_escaped_once(render):
    assert render(lambda: "<b>") == "<p>&lt;b&gt;</p>"
    assert render(lambda: "<b>") == "<p>&lt;b&gt;</p>"


def test_the_process_holds_at_most_max_fragments_the_least_recently_used_go(
    render, counted, monkeypatch
):
    body, renders = counted
    monkeypatch.setattr(fragments, "MAX_FRAGMENTS", 2)
    render(body, key=1)
    render(body, key=2)
    render(body, key=1)  # used again: key 2 is now the least recent

    render(body, key=3)

    assert fragments.held() == 2
    assert render(body, key=1) == "<p>1</p>"  # kept
    assert render(body, key=2) == "<p>4</p>"  # dropped, rendered again
