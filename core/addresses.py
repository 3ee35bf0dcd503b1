"""Addresses from reverse(), worked out once per process.

An address depends only on the view's name, its arguments, the URLconf and the script prefix, so
each is reversed once per process: the frame's navigation asks for some twenty on every page,
the dashboard's rows and map for dozens more (get_absolute_url()). DEBUG reverses afresh. The
Jinja2 pages' url() (core/jinja2.py) and the models' get_absolute_url() both use these.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import base as urls_base
from django.urls import get_script_prefix, get_urlconf, reverse

from core.locals import is_as_read, local_value

# DEBUG, read when this module loads and again when it changes (override_settings): each read of
# django.conf.settings is a Python call (LazyObject.__getattribute__), and url() is asked for
# dozens of addresses a page.
_DEBUG: bool = settings.DEBUG

# Whether Django's Locals for the script prefix and the URLconf are as core.locals reads them.
_LOCALS_AS_READ = is_as_read(urls_base._prefixes) and is_as_read(urls_base._urlconfs)


def script_prefix() -> str:
    """django.urls.get_script_prefix(), read in one step (core/locals.py)."""
    if _LOCALS_AS_READ:
        return local_value(urls_base._prefixes, "value", "/")
    return get_script_prefix()


def urlconf() -> str | None:
    """django.urls.get_urlconf(), read in one step (core/locals.py)."""
    if _LOCALS_AS_READ:
        return local_value(urls_base._urlconfs, "value", None)
    return get_urlconf()


def url(viewname: str, *args: Any, **kwargs: Any) -> str:
    """reverse(viewname, args=args) or reverse(viewname, kwargs=kwargs), remembered."""
    if _DEBUG:
        return reverse(viewname, args=args or None, kwargs=kwargs or None)
    return reverse_once(viewname, args, tuple(sorted(kwargs.items())), script_prefix(), urlconf())


@lru_cache(maxsize=4096)
def reverse_once(
    viewname: str, args: tuple, kwargs: tuple, prefix: str, urlconf: str | None
) -> str:
    """The address for these, reversed on first use (the prefix is part of the key, and
    reverse() reads it itself)."""
    return reverse(viewname, urlconf=urlconf, args=args or None, kwargs=dict(kwargs) or None)


@receiver(setting_changed)
def _forget_addresses(*, setting: str, **kwargs: Any) -> None:
    """A test's override of the URLconf forgets the addresses, as Django forgets its resolvers."""
    global _DEBUG
    _DEBUG = settings.DEBUG
    if setting == "ROOT_URLCONF":
        reverse_once.cache_clear()
