"""core.middleware.MessageStorage and MessageMiddleware: Django's FallbackStorage and middleware,
whose storages are made only when a request has messages. Whole journeys of requests must answer
as with Django's own (every status, body, header and cookie, and what the next request finds),
and a request without a messages cookie must make no storage."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory, override_settings

from core import middleware

pytestmark = pytest.mark.django_db

DJANGOS = {
    "MIDDLEWARE": [
        "django.contrib.messages.middleware.MessageMiddleware"
        if name == "core.middleware.MessageMiddleware"
        else name
        for name in settings.MIDDLEWARE
    ],
    "MESSAGE_STORAGE": "django.contrib.messages.storage.fallback.FallbackStorage",
}

# Each a journey of addresses one browser visits in turn; a cookie set by hand first when named.
JOURNEYS = [
    ["/ignore/", "/show/", "/count/"],
    ["/add/1/10/", "/show/", "/show/"],
    ["/add/1/10/", "/ignore/", "/count/", "/show/", "/show/"],
    ["/add/2/5/", "/add/1/5/", "/show/", "/count/"],
    # past the cookie's 2,048 bytes: the rest kept in the session
    ["/add/30/200/", "/ignore/", "/show/", "/show/"],
    ["/add/30/200/", "/count/", "/add/1/3/", "/show/", "/show/"],
    ["/add-and-show/", "/show/"],
    ["/add/1/10/", "/add-and-show/", "/show/"],
    ["cookie:", "/show/", "/ignore/"],
    ["cookie:not a signed value", "/show/", "/show/"],
    ["cookie:not a signed value", "/ignore/", "/count/"],
    ["cookie:not a signed value", "/add/1/10/", "/show/"],
]


def transcript(journey: list[str]) -> list:
    client = Client()
    seen = []
    for step in journey:
        if step.startswith("cookie:"):
            client.cookies["messages"] = step.removeprefix("cookie:")
            continue
        response = client.get(step)
        # the messages cookie's payload (its signature holds the second it was made), whether
        # the others are set or removed
        cookies = {
            name: (
                morsel.value.split(":")[0] if name == "messages" else bool(morsel.value),
                sorted((k, v) for k, v in morsel.items() if v and k != "expires"),
                morsel["expires"] if name == "messages" else "",
            )
            for name, morsel in response.cookies.items()
        }
        headers = sorted(
            (name, value) for name, value in response.headers.items() if name != "Set-Cookie"
        )
        seen.append((step, response.status_code, response.content, headers, cookies))
    return seen


@pytest.mark.parametrize("journey", JOURNEYS, ids=[" ".join(j) for j in JOURNEYS])
@override_settings(ROOT_URLCONF="tests.core.urls_messages")
def test_journeys_answer_as_with_djangos_storage_and_middleware(journey):
    ours = transcript(journey)
    with override_settings(**DJANGOS):
        djangos = transcript(journey)
    assert ours == djangos
    assert any(b"message" in step[2] or step[1] == 302 for step in ours)


def test_the_site_uses_them():
    assert "core.middleware.MessageMiddleware" in settings.MIDDLEWARE
    assert "django.contrib.messages.middleware.MessageMiddleware" not in settings.MIDDLEWARE
    assert middleware._MESSAGE_STORAGE is middleware.MessageStorage


@pytest.mark.parametrize("cookie", [None, ""])
def test_a_request_without_a_messages_cookie_makes_no_storage(cookie):
    # given a request without messages
    request = RequestFactory().get("/")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    if cookie is not None:
        request.COOKIES["messages"] = cookie
    storage = middleware.MessageStorage(request)
    # when its messages are read, and the response stored
    assert list(storage) == []
    storage.update(None)
    # then neither the cookie nor the session storage was made
    assert "storages" not in storage.__dict__
    # (Django's makes both, and finds the same nothing)
    djangos = FallbackStorage(request)
    assert list(djangos) == [] and len(djangos.storages) == 2


def test_a_request_without_a_session_is_refused_at_once_as_by_djangos():
    request = RequestFactory().get("/")
    for storage_class in (FallbackStorage, middleware.MessageStorage):
        with pytest.raises(ImproperlyConfigured, match="session middleware"):
            storage_class(request)


def test_a_storage_setting_is_followed():
    with override_settings(MESSAGE_STORAGE=DJANGOS["MESSAGE_STORAGE"]):
        assert middleware._MESSAGE_STORAGE is FallbackStorage
    assert middleware._MESSAGE_STORAGE is middleware.MessageStorage
