"""core.middleware.get_language: Django's trans_real.get_language read in fewer steps, put in its
place when MIDDLEWARE is loaded. It must answer as Django's does wherever a language can be made
active or not: activate(), override() (nested, and None), deactivate(), deactivate_all(), a new
Local after a settings change, another thread, asyncio tasks, sync_to_async and async_to_sync,
and inside a request whose view renders in another language (an email in the learner's)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.http import HttpResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.test import RequestFactory, override_settings
from django.utils import translation
from django.utils.translation import trans_real

from core import middleware
from core.locals import is_as_read
from core.middleware import LocaleMiddleware

djangos = middleware._django_get_language


def both() -> tuple[str | None, str | None]:
    """Ours and Django's answer, here and now."""
    return middleware.get_language(), djangos()


def assert_same() -> str | None:
    ours, django = both()
    assert ours == django
    return ours


def test_it_is_the_one_django_answers_with():
    # given the middleware module loaded (MIDDLEWARE is)
    # when Django's public function is called
    translation.get_language()
    # then it is ours that answers, for Django's own callers too
    assert trans_real.get_language is middleware.get_language
    assert translation._trans.get_language is middleware.get_language


def test_it_answers_as_djangos_for_activate_override_and_deactivate():
    seen = []
    with translation.override(None):
        seen.append(assert_same())  # nothing active: LANGUAGE_CODE
        translation.activate("fr")
        seen.append(assert_same())
        with translation.override("de"):
            seen.append(assert_same())
            with translation.override("pt-br"):
                seen.append(assert_same())
            with translation.override(None):
                seen.append(assert_same())
            seen.append(assert_same())
        seen.append(assert_same())
        translation.deactivate()
        seen.append(assert_same())
        translation.deactivate_all()
        seen.append(assert_same())  # NullTranslations: None
        translation.activate("en-gb")
        seen.append(assert_same())
    # override(None) is deactivate_all(): no language at all, as deactivate_all() itself
    assert seen == [None, "fr", "de", "pt-br", None, "de", "fr", "en-gb", None, "en-gb"]


def test_it_follows_a_new_local_after_a_settings_change():
    with translation.override("fr"):
        with override_settings(LANGUAGE_CODE="de"):  # Django makes trans_real._active anew
            assert assert_same() == "de"
            translation.activate("fr")
            assert assert_same() == "fr"
        assert assert_same() in {"fr", "en-gb"}


def test_another_thread_sees_no_language_of_this_one():
    answers = []
    with translation.override("fr"):
        thread = threading.Thread(target=lambda: answers.append(both()))
        thread.start()
        thread.join()
        assert assert_same() == "fr"
    assert answers == [("en-gb", "en-gb")]


def test_a_thread_sees_its_own_language():
    answers = []

    def work():
        translation.activate("de")
        answers.append(both())

    with translation.override("fr"):
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        assert assert_same() == "fr"
    assert answers == [("de", "de")]


def test_it_answers_as_djangos_in_asyncio_tasks_and_across_sync_and_async():
    async def in_task(language):
        translation.activate(language)
        await asyncio.sleep(0)
        return both()

    async def tasks():
        before = both()
        answers = await asyncio.gather(in_task("fr"), in_task("de"))
        return before, answers, both()

    with translation.override("pt-br"):
        before, answers, after = asyncio.run(tasks())
        assert assert_same() == "pt-br"
    assert before[0] == before[1]
    assert answers == [("fr", "fr"), ("de", "de")]
    assert after[0] == after[1]

    def sync_part():
        inside = both()
        translation.activate("de")
        return inside, both()

    async def async_part():
        translation.activate("fr")
        inside, changed = await sync_to_async(sync_part)()
        return both(), inside, changed

    with translation.override("en-gb"):
        outer, inside, changed = async_to_sync(async_part)()
        seen_after = assert_same()
    assert outer[0] == outer[1]
    assert inside == ("fr", "fr")
    assert changed == ("de", "de")
    assert seen_after == "de"  # asgiref carries the context back to the caller


def test_a_local_laid_out_otherwise_keeps_djangos():
    class Other:
        value = None

    assert is_as_read(trans_real._active)
    assert not is_as_read(Other())
    assert not is_as_read(object())


@pytest.mark.parametrize("language_in_view", [None, "fr", "de"])
@pytest.mark.parametrize("accept", ["", "fr", "de-DE,de;q=0.8"])
def test_a_request_that_renders_in_another_language_answers_as_djangos(language_in_view, accept):
    """A view that sends an email in the learner's language (override() inside the request): the
    view sees that language and then the request's again, and the response's Content-Language is
    the request's, as with Django's get_language and middleware."""
    languages = [("en-gb", "English"), ("fr", "French"), ("de", "German")]

    def answer(middleware_class, get_language):
        seen = []

        def view(request):
            seen.append(get_language())
            with translation.override(language_in_view):
                seen.append(get_language())
            seen.append(get_language())
            return HttpResponse("ok")

        headers = {"HTTP_ACCEPT_LANGUAGE": accept} if accept else {}
        request = RequestFactory().get("/", **headers)
        with translation.override(None):
            response = middleware_class(view)(request)
        return seen, sorted(response.headers.items())

    with override_settings(LANGUAGES=languages):
        ours = answer(LocaleMiddleware, translation.get_language)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(trans_real, "get_language", djangos)
            patch.setattr(translation._trans, "get_language", djangos)
            django = answer(DjangoLocaleMiddleware, translation.get_language)
    assert ours == django
    assert ours[0][1] == language_in_view  # override(None) deactivates all
