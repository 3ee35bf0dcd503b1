"""The Jinja2 environment for the pages a learner uses most (issue 17: Django's template engine
spent more than half of a step page's CPU time walking its node tree; Jinja2 compiles each
template to Python once per process).

Which pages use it, and why the rest do not, is in docs/architecture.md ("Templates"). This
module gives Jinja2 templates what Django's engine gives ours, so a page reads the same in
either language and prints the same bytes:

- values print as Django prints them (`finalize`: dates, numbers and datetimes localised, aware
  datetimes in the learner's time zone), and escaping is on;
- `_()`, `gettext()`, `ngettext()` and `{% trans %}` are Django's own translation functions,
  each answer remembered per process and language, and bound to the page's language when it
  starts to render rather than looking it up at each call (`DEBUG` turns both off);
- `url()`, `static()`, `messages()` and the `date` and `linebreaksbr` filters do what
  `{% url %}`, `{% static %}`, the messages context processor, `|date` and `|linebreaksbr` do
  (addresses remembered per process);
- `site_nav()` prints the frame's navigation, drawn once per process for each section and kind
  of user, with the learner's name and the CSRF field put in per request;
- an undefined name fails the render (StrictUndefined) instead of printing nothing, so a
  misspelt name fails the page's tests;
- each app adds its own globals and filters from a module named in the backend's OPTIONS
  ("libraries"), as Django's `{% load %}` libraries do: `core` knows no app.

The backend (`Jinja2` below, TEMPLATES' BACKEND) is Django's with two differences: the CSRF
token is masked once per render, however many forms print it (Django's backend masks it afresh,
32 random characters, at every print), and the caller's context wins over what the backend adds
(a page kept whole by core.pages.cached_page passes a placeholder for the token).
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
import secrets
from decimal import Decimal
from functools import lru_cache
from typing import Any

import jinja2
from django.conf import settings
from django.contrib import messages as django_messages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.middleware.csrf import get_token
from django.template import defaultfilters
from django.template.backends import jinja2 as django_jinja2
from django.templatetags.static import static
from django.utils import formats
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext, ngettext, npgettext, pgettext
from markupsafe import Markup, escape

from core.addresses import reverse_once, script_prefix, url, urlconf
from core.fragments import content_fragment

# Settings read on every page, kept here when this module loads and again when one changes
# (override_settings; see _forget_answers): each read of django.conf.settings is a Python call
# (LazyObject.__getattribute__), some fifty a loop turn from the functions below.
_DEBUG: bool = settings.DEBUG
_USE_THOUSAND_SEPARATOR: bool = settings.USE_THOUSAND_SEPARATOR

# What Django's engine passes through localize() when it prints a value; strings, the most
# common output by far, go straight through.
_LOCALISED = (bool, int, float, Decimal, dt.date, dt.time)


def _print_as_django(value: Any) -> Any:
    """What `{{ value }}` prints in a Django template (render_value_in_context), before
    escaping: aware datetimes in the current time zone, dates and numbers localised."""
    if value.__class__ is str or not isinstance(value, _LOCALISED):
        return value
    if value.__class__ is int and not _USE_THOUSAND_SEPARATOR:
        # What localize() prints for an int when grouping is off (numberformat's own fast
        # path), without the language and three format lookups it makes first: pages print
        # counts and percentages 20-50 times.
        return str(value)
    return formats.localize(template_localtime(value))


# Catalogs are read once per process, so a string's translation depends only on the string and
# the language. Django looks a string up through every catalog and fallback it holds (about
# 5 µs for the many strings English leaves untranslated); these remember the answer.
@lru_cache(maxsize=4096)
def _gettext(message: str, language: str | None) -> str:
    return gettext(message)


@lru_cache(maxsize=4096)
def _ngettext(singular: str, plural: str, number: int, language: str | None) -> str:
    return ngettext(singular, plural, number)


def cached_gettext(message: str) -> str:
    if _DEBUG:  # catalogs may change under runserver's reloader
        return gettext(message)
    return _gettext(message, get_language())


def cached_ngettext(singular: str, plural: str, number: int) -> str:
    if _DEBUG:
        return ngettext(singular, plural, number)
    return _ngettext(singular, plural, number, get_language())


# A page's language, script prefix and URLconf are looked up once, when it starts to render
# (Template.render), not at each of its 100-270 `_()` and 20-30 `url()` calls (each lookup an
# asgiref Local, a few µs): the callables below are bound to them and put in the page's context,
# where they win over the environment's globals of the same names (those stay, for DEBUG and for
# macros imported without context). Each set is made once per process.
_BOUND_LIMIT = 64  # sets kept per process; languages and script prefixes are few
_PRINTED_LIMIT = 4096  # strings remembered per language, as the lru_caches above


def _translations(language: str | None) -> dict[str, Any]:
    """`_`, `gettext` and `ngettext` for one language: what Jinja2's newstyle callables print
    (Markup when autoescaping, always %-formatted, so "%%" prints "%"), with the printed answer
    to a string without variables remembered (most of a page's strings)."""
    printed: dict[str, Markup] = {}

    @jinja2.pass_eval_context
    def translated(eval_ctx, message: str, **variables: Any) -> str:
        if not eval_ctx.autoescape:
            return _gettext(message, language) % variables
        if variables:
            return Markup(_gettext(message, language)) % variables
        try:
            return printed[message]
        except KeyError:
            answer = Markup(_gettext(message, language)) % variables
            if len(printed) < _PRINTED_LIMIT:
                printed[message] = answer
            return answer

    @jinja2.pass_eval_context
    def translated_plural(
        eval_ctx, singular: str, plural: str, number: int, **variables: Any
    ) -> str:
        variables.setdefault("num", number)
        answer = _ngettext(singular, plural, number, language)
        if eval_ctx.autoescape:
            answer = Markup(answer)
        return answer % variables

    return {"_": translated, "gettext": translated, "ngettext": translated_plural}


def _urls(prefix: str, urlconf: str | None) -> Any:
    """url() for one script prefix and URLconf."""

    def bound_url(viewname: str, *args: Any, **kwargs: Any) -> str:
        return reverse_once(viewname, args, tuple(sorted(kwargs.items())), prefix, urlconf)

    return bound_url


_bound: dict[tuple, dict[str, Any]] = {}


def _per_render_callables() -> dict[str, Any]:
    """The translation callables and url() bound to the active language, script prefix and
    URLconf; empty under DEBUG (the globals then translate and reverse afresh)."""
    if _DEBUG:
        return {}
    key = (get_language(), script_prefix(), urlconf())
    try:
        return _bound[key]
    except KeyError:
        callables = {**_translations(key[0]), "url": _urls(key[1], key[2])}
        if len(_bound) < _BOUND_LIMIT:
            _bound[key] = callables
        return callables


NAVIGATION = "includes/site_nav.html"

# What the navigation prints per request, drawn as these stand-ins and put in afterwards. Random
# per process, so no page text can be mistaken for them.
_NAME_SLOT = f"navname{secrets.token_hex(8)}"
_CSRF_SLOT = f"navcsrf{secrets.token_hex(8)}"
_SLOTS = re.compile(f"({_NAME_SLOT}|{_CSRF_SLOT})")
_NAVIGATION_LIMIT = 1024  # the Jinja2 pages' url names x 3 kinds of user x 2 places: ~110
_navigations: dict[tuple, tuple[str, ...]] = {}


class NavigationKeyError(RuntimeError):
    """The navigation read a field of the request that its cache key does not hold."""


class _NavigationKey:
    """A stand-in for the request, its user or its resolver match while the navigation is drawn
    for the cache: it has the fields of the key and raises on any other, so the navigation
    cannot come to depend on something the key leaves out."""

    def __init__(self, what: str, **fields: Any) -> None:
        self.__dict__.update(fields, _what=what)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise NavigationKeyError(
            f"{NAVIGATION} reads {self._what}.{name}, which is not in its cache key "
            "(core.jinja2.site_nav): add it to the key or print it per request"
        )


def _printed(value: Any) -> str:
    """What `{{ value }}` prints, autoescaped."""
    return escape(_print_as_django(value))


@jinja2.pass_context
def site_nav(context, where: str) -> Markup:
    """The main and account navigation (includes/site_nav.html; `where` is "inline" or "menu"),
    as `{% include %}` prints it. Every page draws it twice, about a tenth of a page's template
    time; it depends only on the language, the script prefix and URLconf, the page's section
    (the resolver match's namespace and url name), where it is, and whether the user is signed in
    and staff, so it is drawn once per process for each of those and the learner's name and the
    CSRF field are put in per request. DEBUG draws it afresh."""
    request = context["request"]
    user, here = request.user, request.resolver_match
    if _DEBUG or here is None:
        template = context.environment.get_template(NAVIGATION)
        return Markup(template.render({**context.get_all(), "where": where}))
    signed_in, staff = bool(user.is_authenticated), bool(user.is_staff)
    key = (
        context.environment,
        get_language(),
        script_prefix(),
        urlconf(),
        here.namespace,
        here.url_name,
        signed_in,
        staff,
        where,
    )
    try:
        parts = _navigations[key]
    except KeyError:
        parts = _navigation_drawn(context.environment, here, signed_in, staff, where)
        if len(_navigations) >= _NAVIGATION_LIMIT:
            _navigations.clear()
        _navigations[key] = parts
    if len(parts) == 1:
        return Markup(parts[0])
    pieces = list(parts)
    for i in range(1, len(pieces), 2):  # the slots, between the fixed text
        if pieces[i] == _NAME_SLOT:
            pieces[i] = _printed(user.name)
        else:
            pieces[i] = _printed(context["csrf_input"])
    return Markup("".join(pieces))


def _navigation_drawn(environment, here, signed_in: bool, staff: bool, where: str) -> tuple:
    """The navigation for one cache key, split at its slots: fixed text at even places, a slot's
    name at odd ones."""
    request = _NavigationKey(
        "request",
        user=_NavigationKey(
            "request.user", is_authenticated=signed_in, is_staff=staff, name=_NAME_SLOT
        ),
        resolver_match=_NavigationKey(
            "request.resolver_match", namespace=here.namespace, url_name=here.url_name
        ),
    )
    html = environment.get_template(NAVIGATION).render(
        {"request": request, "where": where, "csrf_input": Markup(_CSRF_SLOT)}
    )
    return tuple(_SLOTS.split(html))


def cached_static(path: str) -> str:
    """{% static path %}. The address depends only on the path and the static files settings
    (read once per process: Django keeps STATIC_URL with its script prefix and the storage keeps
    its manifest), so each is worked out once per process; a page asks for five, each a trip
    through the storage's url(). DEBUG asks the storage afresh."""
    if _DEBUG:
        return static(path)
    return _static(path)


_static = lru_cache(maxsize=256)(static)


@receiver(setting_changed)
def _forget_answers(*, setting: str, **kwargs: Any) -> None:
    """A test's override_settings of what the answers above depend on forgets them, as Django
    forgets its own resolvers, storages and catalogs."""
    global _DEBUG, _USE_THOUSAND_SEPARATOR
    _DEBUG, _USE_THOUSAND_SEPARATOR = settings.DEBUG, settings.USE_THOUSAND_SEPARATOR
    if setting in {"STATIC_URL", "STATIC_ROOT", "STORAGES", "STATICFILES_DIRS"}:
        _static.cache_clear()
    if setting in {"ROOT_URLCONF", "LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS"}:
        reverse_once.cache_clear()
        _gettext.cache_clear()
        _ngettext.cache_clear()
        _bound.clear()
        _navigations.clear()
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "DATE_FORMAT", "FORMAT_MODULE_PATH"}:
        _day_printed.cache_clear()


def date(value: Any, arg: str | None = None) -> str:
    """Django's |date filter, with the local time conversion its engine applies first. A
    datetime (a milestone's start and finish, twice each on its page) goes around Django's
    formatting, which looks up the format through the language's format modules and builds a
    DateFormat at each print: as "c" it is its local isoformat() (what DateFormat.c() answers),
    and with a format of days alone (DATE_FORMAT in every locale) it prints its local day,
    formatted once per process for the day, format and language (_day_printed). DEBUG, and
    any other format or value, take Django's way. tests/core/test_jinja2.py compares it with
    Django's filter."""
    if value.__class__ is dt.datetime and not _DEBUG:
        local = template_localtime(value)
        if arg == "c":
            return local.isoformat()
        printed = _day_printed(local.date(), arg, get_language())
        if printed is not None:
            return printed
        return defaultfilters.date(local, arg)
    return defaultfilters.date(template_localtime(value), arg)


# The format characters that print only from the day (dateformat.DateFormat's, less those that
# read the time or the zone: c, I, r, U), and characters that are not format characters.
_DAY_ONLY = re.compile(r"(?:[bdDEFjlLmMnNoStwWyYz]|[^a-zA-Z\\])*", re.ASCII)


@lru_cache(maxsize=2048)
def _day_printed(day: dt.date, arg: str | None, language: str | None) -> str | None:
    """What |date prints for any datetime on `day` with format `arg` in `language` (the active
    one, which decides the format and the month names), or None when the format reads more than
    the day."""
    if not _DAY_ONLY.fullmatch(formats.get_format(arg or "DATE_FORMAT")):
        return None
    return defaultfilters.date(day, arg)


def messages(request) -> list:
    """The request's messages (Django's messages context processor), read once."""
    return list(django_messages.get_messages(request))


def environment(
    *, libraries: list[str] | tuple[str, ...] = (), **options: Any
) -> jinja2.Environment:
    """The Jinja2 environment (TEMPLATES' "environment" option). `libraries` are dotted paths of
    modules with `globals` and/or `filters` dicts: an app's own helpers."""
    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    # Django's engine keeps a template's last newline; so do we, for the same bytes.
    options.setdefault("keep_trailing_newline", True)
    options["undefined"] = jinja2.StrictUndefined
    options["finalize"] = _print_as_django
    env = jinja2.Environment(**options)
    env.install_gettext_callables(
        gettext=cached_gettext,
        ngettext=cached_ngettext,
        pgettext=pgettext,
        npgettext=npgettext,
        newstyle=True,
    )
    env.globals.update(
        url=url,
        static=cached_static,
        messages=messages,
        get_language=get_language,
        site_nav=site_nav,
        content_fragment=content_fragment,
    )
    env.filters.update(date=date, linebreaksbr=defaultfilters.linebreaksbr)
    for library in libraries:
        module = importlib.import_module(library)
        env.globals.update(getattr(module, "globals", {}))
        env.filters.update(getattr(module, "filters", {}))
    return env


class Jinja2(django_jinja2.Jinja2):
    """Django's Jinja2 backend, rendering with Template below."""

    def from_string(self, template_code):
        return Template(super().from_string(template_code).template, self)

    def get_template(self, template_name):
        return Template(super().get_template(template_name).template, self)


class CsrfField:
    """A page's `csrf_input` (Django's backend gives a SimpleLazyObject): the hidden field with
    the request's token, made on its first print and then the same for every form of the page.
    A SimpleLazyObject answers each attribute through its Python __getattribute__, so one print
    of it (finalize's isinstance against six types, escape()'s __html__ lookup, str()) costs
    some twenty Python calls; this object's __html__ and __str__ are two. A milestone page
    prints it five times, a step page once a row. A page that never prints it asks for no token.
    tests/core/test_jinja2.py holds it to Django's field, once per render and lazily."""

    __slots__ = ("_field", "_token")

    def __init__(self, token: Any) -> None:
        self._token = token
        self._field: SafeString | None = None

    def __html__(self) -> SafeString:
        field = self._field
        if field is None:
            field = self._field = format_html(
                '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', str(self._token)
            )
        return field

    __str__ = __html__


class Template(django_jinja2.Template):
    def render(self, context=None, request=None):
        page = dict(_per_render_callables())
        if request is not None:
            # Worked out on first print, then the same for every form of the page.
            token = SimpleLazyObject(lambda: get_token(request))
            page["request"] = request
            page["csrf_input"] = CsrfField(token)
            page["csrf_token"] = token
            for context_processor in self.backend.template_context_processors:
                page.update(context_processor(request))
        page.update(context or {})
        return super().render(page)
