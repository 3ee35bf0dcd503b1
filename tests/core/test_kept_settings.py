"""The settings core/jinja2.py and core/addresses.py keep per process (DEBUG,
USE_THOUSAND_SEPARATOR) follow a change at once, as reading django.conf.settings each time did."""

from __future__ import annotations

from django.utils import formats

from core import addresses
from core import jinja2 as core_jinja2


def test_a_printed_number_follows_the_thousand_separator(settings):
    settings.USE_THOUSAND_SEPARATOR = True
    assert core_jinja2._print_as_django(1234567) == formats.localize(1234567) == "1,234,567"
    settings.USE_THOUSAND_SEPARATOR = False
    assert core_jinja2._print_as_django(1234567) == "1234567"


def test_addresses_are_reversed_afresh_under_debug(settings):
    addresses.url("roadmap:dashboard")
    hits = addresses.reverse_once.cache_info().hits
    settings.DEBUG = True
    assert addresses.url("roadmap:dashboard") == "/dashboard/"
    assert addresses.reverse_once.cache_info().hits == hits  # not the remembered one
    settings.DEBUG = False
    assert addresses.url("roadmap:dashboard") == "/dashboard/"
    assert addresses.reverse_once.cache_info().hits == hits + 1
