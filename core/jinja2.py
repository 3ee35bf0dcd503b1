"""The Jinja2 environment for the pages a learner uses most (issue 17: Django's template engine
spent more than half of a step page's CPU time walking its node tree; Jinja2 compiles each
template to Python once per process).

Which pages use it, and why the rest do not, is in docs/architecture.md ("Templates"). This
module gives Jinja2 templates what Django's engine gives ours, so a page reads the same in
either language and prints the same bytes:

- values print as Django prints them (`finalize`: dates, numbers and datetimes localised, aware
  datetimes in the learner's time zone), and escaping is on;
- `_()`, `gettext()`, `ngettext()` and `{% trans %}` are Django's own translation functions,
  each answer remembered per process and language (`DEBUG` turns that off);
- `url()`, `static()`, `messages()` and the `date` and `linebreaksbr` filters do what
  `{% url %}`, `{% static %}`, the messages context processor, `|date` and `|linebreaksbr` do;
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
from decimal import Decimal
from functools import lru_cache
from typing import Any

import jinja2
from django.conf import settings
from django.contrib import messages as django_messages
from django.middleware.csrf import get_token
from django.template import defaultfilters
from django.template.backends import jinja2 as django_jinja2
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import formats
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext, ngettext, npgettext, pgettext

from core.fragments import content_fragment

# What Django's engine passes through localize() when it prints a value; strings, the most
# common output by far, go straight through.
_LOCALISED = (bool, int, float, Decimal, dt.date, dt.time)


def _print_as_django(value: Any) -> Any:
    """What `{{ value }}` prints in a Django template (render_value_in_context), before
    escaping: aware datetimes in the current time zone, dates and numbers localised."""
    if value.__class__ is str or not isinstance(value, _LOCALISED):
        return value
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
    if settings.DEBUG:  # catalogs may change under runserver's reloader
        return gettext(message)
    return _gettext(message, get_language())


def cached_ngettext(singular: str, plural: str, number: int) -> str:
    if settings.DEBUG:
        return ngettext(singular, plural, number)
    return _ngettext(singular, plural, number, get_language())


def url(viewname: str, *args: Any, **kwargs: Any) -> str:
    """{% url viewname arg1 arg2 %}, or {% url viewname key=value %}. An address depends only on
    these, the URLconf and the script prefix, so each is worked out once per process (the frame's
    navigation alone asks for some twenty on every page); DEBUG reverses afresh."""
    if settings.DEBUG:
        return reverse(viewname, args=args or None, kwargs=kwargs or None)
    return _reverse(
        viewname, args, tuple(sorted(kwargs.items())), get_script_prefix(), get_urlconf()
    )


@lru_cache(maxsize=4096)
def _reverse(viewname: str, args: tuple, kwargs: tuple, prefix: str, urlconf: str | None) -> str:
    return reverse(viewname, urlconf=urlconf, args=args or None, kwargs=dict(kwargs) or None)


def date(value: Any, arg: str | None = None) -> str:
    """Django's |date filter, with the local time conversion its engine applies first."""
    return defaultfilters.date(template_localtime(value), arg)


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
    env.globals.update(url=url, static=static, messages=messages, get_language=get_language)
    env.globals["content_fragment"] = content_fragment
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


class Template(django_jinja2.Template):
    def render(self, context=None, request=None):
        if request is None:
            return super().render(context)
        # Worked out on first print, then the same for every form of the page.
        token = SimpleLazyObject(lambda: get_token(request))
        page = {
            "request": request,
            "csrf_input": SimpleLazyObject(
                lambda: format_html(
                    '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', str(token)
                )
            ),
            "csrf_token": token,
        }
        for context_processor in self.backend.template_context_processors:
            page.update(context_processor(request))
        page.update(context or {})
        return super().render(page)
