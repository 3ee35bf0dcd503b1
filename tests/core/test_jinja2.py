"""The Jinja2 pages (core/jinja2.py): the same frame and the same printing as Django's engine,
and one template language per template name."""

import datetime as dt
import re
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import constants, storage
from django.template import engines
from django.test import RequestFactory, override_settings
from django.urls import resolve
from django.utils import timezone, translation

from tests.accounts.factories import UserFactory

JINJA_DIR = Path(settings.BASE_DIR) / "templates" / "jinja2"
PAGE = (
    '{% extends "base.html" %}{% block head_title %}A page{% endblock %}'
    "{% block content %}<p>Body</p>{% endblock %}"
)


def _request(user, path: str, with_messages: bool):
    request = RequestFactory().get(path, secure=True)
    request.user = user
    request.resolver_match = resolve(path)
    request.session = {}
    request._messages = storage.default_storage(request)
    if with_messages:
        request._messages.add(constants.SUCCESS, "Saved <b>it</b>.")
        request._messages.add(constants.ERROR, "That did not work.")
    return request


def _without_csrf(html: str) -> str:
    # A CSRF token is masked afresh each time it is printed.
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1-", html)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["visitor", "learner", "staff"])
@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/",
        "/paths/",
        "/plan/",
        "/certifications/",
        "/portfolio/",
        "/portfolio/applications/",
    ],
)
@pytest.mark.parametrize("with_messages", [False, True])
def test_the_jinja2_frame_prints_what_base_html_prints(who, path, with_messages):
    user = {
        "visitor": AnonymousUser,
        "learner": lambda: UserFactory(display_name="Ada <Lovelace>"),
        "staff": lambda: UserFactory(display_name="Grace", is_staff=True),
    }[who]()
    django_page = engines["django"].from_string(PAGE)
    jinja_page = engines["jinja2"].from_string(PAGE)
    expected = django_page.render({}, _request(user, path, with_messages))
    printed = jinja_page.render({}, _request(user, path, with_messages))
    assert "<p>Body</p>" in printed
    assert _without_csrf(printed) == _without_csrf(expected)


VALUES = {
    "text": "a < b",
    "number": 1234567,
    "negative": -1234567,
    "decimal": Decimal("1.50"),
    "ratio": 0.25,
    "flag": True,
    "nothing": None,
    "day": dt.date(2026, 12, 6),
    "moment": dt.datetime(2026, 12, 6, 23, 30, tzinfo=dt.UTC),
}


@pytest.mark.parametrize("name", VALUES)
@pytest.mark.parametrize("language", ["en-gb", "de"])
@pytest.mark.parametrize("grouping", [True, False], ids=["grouped", "ungrouped"])
def test_a_value_prints_as_djangos_engine_prints_it(name, language, grouping):
    """Grouping on and off: integers take a short cut when it is off (core/jinja2.py)."""
    context = {"value": VALUES[name]}
    with (
        translation.override(language),
        timezone.override("Asia/Tokyo"),
        override_settings(USE_THOUSAND_SEPARATOR=grouping),
    ):
        expected = engines["django"].from_string("{{ value }}|{{ value|date:'j M Y' }}")
        printed = engines["jinja2"].from_string("{{ value }}|{{ value|date('j M Y') }}")
        assert printed.render(context) == expected.render(context)


def test_an_undefined_name_fails_the_render():
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError):
        engines["jinja2"].from_string("{{ misspelt.title }}").render({})


def test_no_template_name_is_in_both_languages():
    """A page is written in one language: a name under templates/jinja2/ that Django's engine
    also finds would make render() without using= pick the other one."""
    from django.template import TemplateDoesNotExist

    names = [p.relative_to(JINJA_DIR).as_posix() for p in JINJA_DIR.rglob("*.html")]
    assert "base.html" in names
    frames = {"base.html", "includes/site_nav.html"}  # compared byte for byte above
    for name in sorted(set(names) - frames):
        with pytest.raises(TemplateDoesNotExist):
            engines["django"].get_template(name)


def test_translations_follow_the_active_language():
    """Remembered translations are kept per language (core/jinja2.py's cached gettext)."""
    page = engines["jinja2"].from_string(
        "{{ _('Log in') }}|{{ ngettext('%(num)s day', '%(num)s days', 3) }}"
    )
    with translation.override("de"):
        german = page.render({})
    with translation.override("en-gb"):
        english = page.render({})
    with translation.override("de"):
        assert page.render({}) == german
    assert english == "Log in|3 days"
    assert german.startswith("Anmelden")


def test_url_answers_as_reverse_does_under_any_script_prefix():
    """url() remembers addresses per script prefix (core/jinja2.py)."""
    from django.urls import reverse, set_script_prefix

    from core.addresses import url

    page = engines["jinja2"].from_string("{{ url('roadmap:path_detail', 'ai-pm') }}")
    try:
        for prefix in ["/", "/careerpath/", "/"]:
            set_script_prefix(prefix)
            assert url("roadmap:dashboard") == reverse("roadmap:dashboard")
            assert url("roadmap:path_detail", path_slug="x") == reverse(
                "roadmap:path_detail", kwargs={"path_slug": "x"}
            )
            assert page.render({}) == reverse("roadmap:path_detail", args=["ai-pm"])
            assert page.render({}).startswith(prefix)
    finally:
        set_script_prefix("/")


def test_a_page_masks_its_csrf_token_once_and_the_callers_context_wins():
    """core.jinja2.Jinja2: every form of a page prints the same field (one mask, as Django's
    {% csrf_token %} does), a new render masks afresh, and a caller's token wins (the placeholder
    of a page kept whole)."""
    page = engines["jinja2"].from_string("{{ csrf_input }}|{{ csrf_input }}|{{ csrf_token }}")
    request = RequestFactory().get("/")
    first, again, token = page.render({}, request).split("|")
    assert first == again
    assert 'name="csrfmiddlewaretoken"' in first and token in first
    assert page.render({}, request).split("|")[0] != first
    assert page.render({"csrf_token": "PLACEHOLDER"}, request).endswith("|PLACEHOLDER")


def _functional_calls(page, request) -> tuple[str, int]:
    """The page rendered for `request`, and how many Python calls it made into
    django/utils/functional.py (the lazy objects)."""
    calls = 0

    def count(frame, event, arg):
        nonlocal calls
        if event == "call" and frame.f_code.co_filename.endswith("django/utils/functional.py"):
            calls += 1

    sys.setprofile(count)
    try:
        printed = page.render({}, request)
    finally:
        sys.setprofile(None)
    return printed, calls


def test_a_pages_csrf_field_is_djangos_made_once_and_only_when_printed():
    """core.jinja2.CsrfField: the field prints what Django's backend prints for the page's token
    (autoescaped, not, through |safe, as str()), is made when first printed and reused, asks for
    no token on a page that prints neither, and a second print goes through no lazy object: a
    page with five forms pays for one."""
    request = RequestFactory().get("/")
    page = engines["jinja2"].from_string(
        "{{ csrf_token }}|{{ csrf_input }}|"
        "{% autoescape false %}{{ csrf_input }}{% endautoescape %}|"
        "{{ csrf_input|safe }}|{{ csrf_input|string }}"
    )
    token, *fields = page.render({}, request).split("|")
    assert set(fields) == {f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'}

    quiet = RequestFactory().get("/")
    engines["jinja2"].from_string("{{ 1 }}").render({}, quiet)
    assert "CSRF_COOKIE_NEEDS_UPDATE" not in quiet.META  # get_token() was never called

    once = engines["jinja2"].from_string("{{ csrf_token }}{{ csrf_input }}")
    five = engines["jinja2"].from_string("{{ csrf_token }}" + "{{ csrf_input }}" * 5)
    _printed, calls_once = _functional_calls(once, RequestFactory().get("/"))
    printed_five, calls_five = _functional_calls(five, RequestFactory().get("/"))
    assert printed_five.count('name="csrfmiddlewaretoken"') == 5
    assert calls_once > 0  # the token is still Django's lazy object, worked out once
    assert calls_five == calls_once, "the field went through a lazy object at each print"


TRANSLATED = (
    "{{ _('Log in') }}|{{ _('Log in')|e }}|{{ gettext('100%% done') }}|"
    "{% trans name=value %}Hello {{ name }}{% endtrans %}|"
    "{% trans n=3 %}{{ n }} day{% pluralize %}{{ n }} days{% endtrans %}|"
    "{{ ngettext('%(num)s <day>', '%(num)s <days>', 1) }}|"
    "{% autoescape false %}{{ _('Log in') ~ value }}|{{ _('a <b>')|e }}|"
    "{% trans name=value %}Hello {{ name }}{% endtrans %}{% endautoescape %}"
)


@pytest.mark.parametrize("language", ["en-gb", "de"])
def test_translations_bound_to_the_page_print_what_jinja2s_own_callables_print(language):
    """core/jinja2.py binds `_`, `gettext` and `ngettext` to the language once per render; they
    print what Jinja2's newstyle callables over Django's gettext print (DEBUG uses those): Markup
    when autoescaping, a plain string when not, "%%" as "%", variables escaped."""
    page = engines["jinja2"].from_string(TRANSLATED)
    context = {"value": "<Ada>"}
    with translation.override(language):
        printed = page.render(context, RequestFactory().get("/"))
        with override_settings(DEBUG=True):
            expected = page.render(context, RequestFactory().get("/"))
    assert printed == expected
    assert "Hello &lt;Ada&gt;|" in printed and "|100% done|" in printed
    assert "|a &lt;b&gt;|Hello <Ada>" in printed  # autoescape off: plain strings


def test_a_page_prints_the_language_active_when_it_renders():
    """One page's language does not stay with the next: each render binds its own."""
    page = engines["jinja2"].from_string("{{ _('Log in') }}|{% trans %}Log in{% endtrans %}")
    with translation.override("de"):
        german = page.render({}, RequestFactory().get("/"))
    english = page.render({}, RequestFactory().get("/"))
    with translation.override("de"):
        assert page.render({}, RequestFactory().get("/")) == german
    assert english == "Log in|Log in"
    assert german != english


def test_static_answers_as_djangos_tag_and_follows_its_settings():
    """static() remembers addresses per process (core/jinja2.py) and forgets them when the
    static files settings change."""
    from django.templatetags.static import static

    page = engines["jinja2"].from_string("{{ static('css/app.css') }}")
    assert page.render({}) == static("css/app.css")
    with override_settings(STATIC_URL="/assets/"):
        assert page.render({}) == "/assets/css/app.css" == static("css/app.css")
    assert page.render({}) == static("css/app.css") != "/assets/css/app.css"


DATE_FORMATS = [None, "c", "DATE_FORMAT", "SHORT_DATE_FORMAT", "j M Y", "l jS \\o\\f F Y", "H:i"]
DATE_FORMATS += ["r", "U", "I", "e O P T Z", "N j, Y, P", "Y-m-d é", "d/m/Y k"]


@pytest.mark.parametrize("language", ["en-gb", "de", "fr", "ja"])
@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "America/St_Johns", "Europe/London"])
def test_the_date_filter_prints_what_djangos_prints(language, zone):
    """core.jinja2.date: a datetime as "c" and with a format of days alone is printed around
    Django's formatting (the day once per process); every format, value, zone and language
    prints what Django's |date prints after its engine's local time conversion."""
    from django.template import defaultfilters
    from django.utils.timezone import template_localtime

    from core.jinja2 import date

    moments = [
        dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC),  # London's clocks change that night
        dt.datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
        dt.datetime(2026, 6, 1, 10, 0, 0, 7, tzinfo=dt.UTC),
        dt.datetime(2026, 6, 1, 11, 0),  # naive
        dt.date(2026, 6, 1),
        None,
        "",
    ]

    def printed(filter, moment, arg):
        try:
            return filter(moment, arg)
        except TypeError as error:  # Django's: a date with a time format
            return type(error)

    def djangos(moment, arg):
        return defaultfilters.date(template_localtime(moment), arg)

    with translation.override(language), timezone.override(zone):
        for arg in DATE_FORMATS:
            for moment in moments:
                expected = printed(djangos, moment, arg)
                assert printed(date, moment, arg) == expected, (arg, moment)
                assert printed(date, moment, arg) == expected  # again, from what was kept


def test_the_date_filter_formats_a_day_once():
    """A second time on the same local day, with DATE_FORMAT or "c", goes through none of
    Django's formatting (dateformat, get_format): the milestone card prints four a view."""
    from core.jinja2 import date

    zone = dt.timezone(dt.timedelta(hours=-5))
    first = dt.datetime(2026, 5, 4, 12, 0, tzinfo=dt.UTC)
    later = dt.datetime(2026, 5, 5, 2, 0, tzinfo=dt.UTC)  # 4 May, 21:00 at UTC-5
    calls = []

    def count(frame, event, arg):
        name = frame.f_code.co_filename
        if event == "call" and name.endswith(("utils/dateformat.py", "utils/formats.py")):
            calls.append(frame.f_code.co_name)

    with timezone.override(zone):
        printed = date(first)
        sys.setprofile(count)
        try:
            again = (date(later), date(later, "c"))
        finally:
            sys.setprofile(None)
    assert calls == []
    assert again == (printed, "2026-05-04T21:00:00-05:00")
