"""core.locals and the readers made from it (core.addresses.script_prefix and urlconf): what Django
keeps in asgiref Locals, read in one step. Each must answer as Django's getter does whether the
value is set, changed, removed, set in another thread, in asyncio tasks or across sync_to_async
and async_to_sync, and inside a request (a script prefix from SCRIPT_NAME, a URLconf a
middleware sets for the request)."""

from __future__ import annotations

import asyncio
import threading

from asgiref.local import Local
from asgiref.sync import async_to_sync, sync_to_async
from django.http import HttpResponse
from django.test import Client
from django.urls import (
    clear_script_prefix,
    get_script_prefix,
    get_urlconf,
    path,
    set_script_prefix,
    set_urlconf,
)

from core import addresses
from core.locals import is_as_read, local_value


def both() -> tuple:
    """(ours, Django's) for the script prefix and the URLconf, here and now."""
    return (addresses.script_prefix(), get_script_prefix()), (addresses.urlconf(), get_urlconf())


def assert_same() -> tuple:
    (prefix, djangos_prefix), (conf, djangos_conf) = both()
    assert prefix == djangos_prefix
    assert conf == djangos_conf
    return prefix, conf


def test_the_site_reads_them_in_one_step():
    assert addresses._LOCALS_AS_READ


def test_they_answer_as_djangos_when_set_changed_and_removed():
    seen = [assert_same()]
    try:
        set_script_prefix("/mounted")
        seen.append(assert_same())
        set_urlconf("tests.core.urls_mounted")
        seen.append(assert_same())
        set_script_prefix("/other/")
        seen.append(assert_same())
        set_urlconf(None)
        seen.append(assert_same())
        clear_script_prefix()
        seen.append(assert_same())
    finally:
        clear_script_prefix()
        set_urlconf(None)
    assert seen == [
        ("/", None),
        ("/mounted/", None),
        ("/mounted/", "tests.core.urls_mounted"),
        ("/other/", "tests.core.urls_mounted"),
        ("/other/", None),
        ("/", None),
    ]


def test_a_thread_sees_only_its_own():
    answers = []

    def work():
        answers.append(assert_same())
        set_script_prefix("/in-thread/")
        answers.append(assert_same())

    try:
        set_script_prefix("/main/")
        set_urlconf("tests.core.urls_mounted")
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        assert assert_same() == ("/main/", "tests.core.urls_mounted")
    finally:
        clear_script_prefix()
        set_urlconf(None)
    assert answers == [("/", None), ("/in-thread/", None)]


def test_they_answer_as_djangos_in_tasks_and_across_sync_and_async():
    async def task(prefix):
        set_script_prefix(prefix)
        await asyncio.sleep(0)
        return assert_same()

    async def tasks():
        return await asyncio.gather(task("/a/"), task("/b/")), assert_same()

    def sync_part():
        inside = assert_same()
        set_urlconf("tests.core.urls_mounted")
        return inside

    async def async_part():
        set_script_prefix("/async/")
        inside = await sync_to_async(sync_part)()
        return inside, assert_same()

    try:
        answers, after = asyncio.run(tasks())
        assert answers == [("/a/", None), ("/b/", None)]
        assert after == ("/", None)
        inside, after = async_to_sync(async_part)()
        assert inside == ("/async/", None)
        assert after == ("/async/", "tests.core.urls_mounted")
        assert_same()
    finally:
        clear_script_prefix()
        set_urlconf(None)


def seen_in_view(request):
    (prefix, djangos_prefix), (conf, djangos_conf) = both()
    return HttpResponse(f"{prefix}|{djangos_prefix}|{conf}|{djangos_conf}")


urlpatterns = [path("seen/", seen_in_view)]


class SetsUrlconf:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.urlconf = "tests.core.test_locals"
        return self.get_response(request)


def test_inside_a_request_with_a_script_name_and_a_urlconf_of_its_own(settings):
    settings.ROOT_URLCONF = "tests.core.test_locals"
    # given a site mounted under a prefix (WSGIHandler sets it from SCRIPT_NAME; the test client
    # does not) and Django's handler setting ROOT_URLCONF for each request
    try:
        set_script_prefix("/mounted/")
        answer = Client().get("/seen/").content.decode()
    finally:
        clear_script_prefix()
    assert answer == "/mounted/|/mounted/|tests.core.test_locals|tests.core.test_locals"
    # and a middleware that sets the request's own URLconf (Django calls set_urlconf)
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.core.test_locals.SetsUrlconf"]
    settings.ROOT_URLCONF = "tests.core.urls_mounted"
    try:
        answer = Client().get("/seen/").content.decode()
    finally:
        set_urlconf(None)  # the test client leaves the request's URLconf set
    assert answer == "/|/|tests.core.test_locals|tests.core.test_locals"


def test_local_value_is_getattr_for_any_name_and_default():
    local = Local()
    assert is_as_read(local)
    assert local_value(local, "value", "default") == getattr(local, "value", "default")
    local.value = 0
    local.other = None
    for name in ("value", "other", "missing"):
        assert local_value(local, name, "default") == getattr(local, name, "default")
    del local.value
    assert local_value(local, "value", 1) == getattr(local, "value", 1) == 1


def test_a_local_laid_out_otherwise_is_not_read_so():
    class Other:
        value = None

    assert not is_as_read(Other())
    assert not is_as_read(object())
    assert not is_as_read(Local(thread_critical=True))
