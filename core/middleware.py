"""Project-wide middleware: the Content-Security-Policy header, the request's language (and
`get_language`, Django's read of it in fewer steps), the learner's timezone and the messages'
storage (made only when a request has messages); and what every page with a form pays for the
CSRF token: its masking (`mask_csrf_secret`) and its cookie's renewal
(`CsrfCookieRenewalMiddleware`)."""

import os
import time
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.messages.storage.base import BaseStorage
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse
from django.middleware import csrf
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import LazyObject, cached_property
from django.utils.module_loading import import_string
from django.utils.translation import trans_real

from core.locals import is_as_read, local_value


class ContentSecurityPolicyMiddleware:
    """Sends CONTENT_SECURITY_POLICY on every response (Django 5.2 has no built-in CSP)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


# Settings the middleware below reads on every request, read when it is made and again whenever
# a setting changes (override_settings sends setting_changed): each read of django.conf.settings
# is two Python calls (LazyObject.__getattribute__), and a request made some seven.
_ROOT_URLCONF: str = ""
_LANGUAGE_COOKIE_NAME: str = ""
_CSRF_USE_SESSIONS: bool = False
_CSRF_COOKIE_NAME: str = ""
_MESSAGE_STORAGE: type = FallbackStorage

# (language cookie, Accept-Language) -> the language Django's get_language_from_request finds for
# them, and what translation.get_language() answers once it is active (request.LANGUAGE_CODE),
# in this process. Bounded: both come from the request, so anyone can send new ones.
LANGUAGES_KEPT = 1_000
_language_asked_for: dict[tuple[str | None, str], tuple[str, str]] = {}


def _read_settings() -> None:
    global _ROOT_URLCONF, _LANGUAGE_COOKIE_NAME, _CSRF_USE_SESSIONS, _CSRF_COOKIE_NAME
    global _MESSAGE_STORAGE
    _ROOT_URLCONF = settings.ROOT_URLCONF
    _LANGUAGE_COOKIE_NAME = settings.LANGUAGE_COOKIE_NAME
    _CSRF_USE_SESSIONS = settings.CSRF_USE_SESSIONS
    _CSRF_COOKIE_NAME = settings.CSRF_COOKIE_NAME
    _MESSAGE_STORAGE = import_string(settings.MESSAGE_STORAGE)


def _settings_changed(**kwargs) -> None:
    _read_settings()
    # The languages follow LANGUAGES, LANGUAGE_CODE, the cookie's name and the catalogs found.
    _language_asked_for.clear()


setting_changed.connect(_settings_changed)


def language_asked_for(request: HttpRequest) -> tuple[str, str]:
    """translation.get_language_from_request(request) for an address that names no language,
    and the code translation.get_language() gives once that language is active: what the
    language cookie and Accept-Language ask for, worked out once per process for each pair (a
    cookie's lookup, a LookupError raised and caught, then the header's languages one by one,
    and a lookup of the active language in its asgiref Local, on every request otherwise)."""
    key = (
        request.COOKIES.get(_LANGUAGE_COOKIE_NAME),
        request.META.get("HTTP_ACCEPT_LANGUAGE", ""),
    )
    found = _language_asked_for.get(key)
    if found is None:
        language = translation.get_language_from_request(request)
        with translation.override(language):
            found = (language, translation.get_language())
        if len(_language_asked_for) >= LANGUAGES_KEPT:
            _language_asked_for.clear()
        _language_asked_for[key] = found
    return found


def _has_vary(response: HttpResponse) -> bool:
    """response.has_header("Vary") without its Python calls (a Mapping's __contains__, a
    __getitem__ raising KeyError): the headers' own store, keyed by lower-case name."""
    return "vary" in response.headers._store


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's LocaleMiddleware, which reads a language from the address twice a request (in
    process_request and process_response) and uses it only when the URLconf has i18n_patterns.
    Ours has none, so without them the language is the one the cookie and Accept-Language ask
    for (`language_asked_for`), and the response gets Django's Vary and Content-Language; with
    them, Django's own code runs. tests/core/test_locale_middleware.py compares the two."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        super().__init__(get_response)
        _read_settings()

    def process_request(self, request: HttpRequest) -> None:
        urlconf = getattr(request, "urlconf", _ROOT_URLCONF)
        if is_language_prefix_patterns_used(urlconf)[0]:
            return super().process_request(request)
        language, request.LANGUAGE_CODE = language_asked_for(request)
        translation.activate(language)
        return None

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        urlconf = getattr(request, "urlconf", _ROOT_URLCONF)
        if is_language_prefix_patterns_used(urlconf)[0]:
            return super().process_response(request, response)
        # What patch_vary_headers(response, ("Accept-Language",)) does, cut short when there is
        # no Vary yet (a split, a set and a join of nothing otherwise).
        if _has_vary(response):
            patch_vary_headers(response, ("Accept-Language",))
        else:
            response.headers["Vary"] = "Accept-Language"
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


_django_get_language = trans_real.get_language
_DjangoTranslation = trans_real.DjangoTranslation


def get_language() -> str | None:
    """django.utils.translation.trans_real.get_language, with the active translation read from
    its asgiref Local in one step (core/locals.py): Django's read goes through the Local's
    `__getattr__` (a lock taken and released), its storage's `__getattr__` and `_storage()`, then
    the translation's `to_language()`, six Python calls where this makes two; our pages ask some
    seventy times a loop turn (badges, rows, fragments, the heatmap, the frame's navigation).

    `trans_real._active` is read at each call, since Django makes a new Local when
    LANGUAGE_CODE, LANGUAGES or LOCALE_PATHS change. A translation that is not Django's own
    (deactivate_all()'s NullTranslations) is answered by Django's code.
    tests/core/test_get_language.py compares them."""
    translation_ = local_value(trans_real._active, "value", None)
    if translation_ is None:
        return settings.LANGUAGE_CODE
    if translation_.__class__ is _DjangoTranslation:
        return translation_._DjangoTranslation__to_language  # what its to_language() answers
    return _django_get_language()


def install_get_language() -> bool:
    """Put `get_language` in place of Django's (trans_real's, which its other functions call,
    and the one `django.utils.translation` answers with), when the Local is as it reads it."""
    if not is_as_read(trans_real._active):
        return False
    trans_real.get_language = get_language
    if "get_language" in translation._trans.__dict__:
        translation._trans.get_language = get_language
    return True


# Installed when MIDDLEWARE is loaded, before any request, as the CSRF masking below.
install_get_language()


class LearnerTimezoneMiddleware:
    """Shows times in the learner's own timezone; storage stays UTC."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if isinstance(user, LazyObject):
            # Every request reads its user here (for the timezone), so the lazy wrapper has
            # nothing left to put off: the request carries the user itself from now on. Each of
            # a page's reads of request.user (a hundred and more: the frame, the badges, the
            # views) otherwise goes through LazyObject.__getattribute__, which raises and catches
            # an AttributeError on every attribute. accounts.middleware sets no wrapper at all;
            # Django's AuthenticationMiddleware does. tests/core/test_learner_timezone_middleware.py
            # holds it.
            user.is_authenticated  # noqa: B018 (loads the user)
            request.user = user = user._wrapped
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class MessageStorage(FallbackStorage):
    """Django's FallbackStorage (MESSAGE_STORAGE), whose cookie and session storages are made only
    when a request has messages to read or to store.

    Django makes both on every request (the cookie storage with a signer: the signing backend
    imported, the secret key read, about 45 Python calls), though almost no request reads or adds
    a message: a page that prints messages finds none without a messages cookie, since Django's
    cookie storage then answers "not used" and the session storage is never asked. So the same:
    without a messages cookie (absent or empty, as the cookie storage reads it) no messages, and
    nothing read; with one, Django's code. Storing makes the storages: a message added, or a
    storage that held messages to flush. tests/core/test_messages.py compares it with Django's
    through whole requests."""

    def __init__(self, request, *args, **kwargs) -> None:
        BaseStorage.__init__(self, request, *args, **kwargs)
        self._used_storages = set()
        self._storage_arguments = (args, kwargs)
        if not hasattr(request, "session"):
            self.storages  # noqa: B018 (Django's ImproperlyConfigured, at once, as Django's)

    @cached_property
    def storages(self) -> list[BaseStorage]:
        args, kwargs = self._storage_arguments
        return [
            storage_class(self.request, *args, **kwargs) for storage_class in self.storage_classes
        ]

    def _get(self, *args, **kwargs):
        if self.storage_classes[0] is CookieStorage and not self.request.COOKIES.get(
            CookieStorage.cookie_name
        ):
            return [], True  # what Django's loop answers when the cookie storage was not used
        return super()._get(*args, **kwargs)

    def _store(self, messages, response, *args, **kwargs):
        if not messages and not self._used_storages:
            return messages  # Django's loop would neither store nor flush anything
        return super()._store(messages, response, *args, **kwargs)


class MessageMiddleware(DjangoMessageMiddleware):
    """Django's, with MESSAGE_STORAGE's class imported once (and again when the setting changes),
    not at every request (import_string and the settings read, some ten Python calls)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        super().__init__(get_response)
        _read_settings()

    def process_request(self, request: HttpRequest) -> None:
        request._messages = _MESSAGE_STORAGE(request)


# The CSRF token's alphabet (Django's: 62 letters and digits).
_CSRF_CHARS = csrf.CSRF_ALLOWED_CHARS
_COUNT = len(_CSRF_CHARS)
# A random byte below this (4 x 62 = 248) stands for one of the 62 characters with the same
# chance each (its remainder by 62); a byte from 248 up is dropped, so no character is favoured.
_UNBIASED_BYTES = _COUNT * (256 // _COUNT)
# bytes.translate tables, so a mask is drawn and spelled in C: a random byte to its mask place
# (its remainder by 62; the bytes from 248 up are deleted), and a place to its character.
_BYTE_TO_PLACE = bytes(byte % _COUNT for byte in range(_UNBIASED_BYTES)).ljust(256, b"\0")
_BIASED_BYTES = bytes(range(_UNBIASED_BYTES, 256))
_PLACE_TO_CHAR = _CSRF_CHARS.encode("ascii").ljust(256, b"\0")
# A secret's character -> the 62 characters it ciphers to, by the mask's place (Django's cipher:
# the character at (secret's place + mask's place) modulo 62).
_CIPHERED = {
    char: _CSRF_CHARS[place:] + _CSRF_CHARS[:place] for place, char in enumerate(_CSRF_CHARS)
}


def mask_csrf_secret(secret: str) -> str:
    """Django's `_mask_cipher_secret`, in one call to the system's random source.

    Django draws the 32 characters of a token's mask one `secrets.choice` at a time (one
    os.urandom call each, some 230 Python calls a token: about 3 % of the CPU of a cached
    dashboard). Here the mask comes from one os.urandom read, each byte taken only below 248 and
    then by its remainder by 62, so each mask character is uniform over the same 62 characters
    from the same source; the cipher is Django's (secret plus mask, place by place, modulo 62),
    so Django's `_unmask_cipher_token` and its token check read the token unchanged. The bytes
    are turned into places and characters by `bytes.translate` and the cipher read from a table
    (no Python call per character: about 4 µs a token, where a loop over them took 7).
    tests/core/test_csrf_masking.py holds it."""
    length = csrf.CSRF_SECRET_LENGTH
    try:
        rows = list(map(_CIPHERED.__getitem__, secret))
    except KeyError:
        raise ValueError("a CSRF secret holds only letters and digits") from None
    if len(rows) != length:
        raise ValueError(f"a CSRF secret is {length} characters long")
    # 40 bytes give the 32 wanted but about once in a million draws.
    mask = os.urandom(40).translate(_BYTE_TO_PLACE, _BIASED_BYTES)
    while len(mask) < length:
        mask += os.urandom(40).translate(_BYTE_TO_PLACE, _BIASED_BYTES)
    mask = mask[:length]
    return mask.translate(_PLACE_TO_CHAR).decode("ascii") + "".join(
        map(str.__getitem__, rows, mask)
    )


# Django's get_token (the csrf_token of every page, Django's and Jinja2's, and core/pages.py's)
# masks with this module function; CsrfViewMiddleware itself must stay in MIDDLEWARE under
# Django's name (check --deploy looks for it), so the masking is put in its place here, when
# MIDDLEWARE is loaded, before any request.
csrf._mask_cipher_secret = mask_csrf_secret


# A CSRF cookie this process sent is not sent again for this long (its expiry, CSRF_COOKIE_AGE,
# is a year): see CsrfCookieRenewalMiddleware.
CSRF_COOKIE_RESENT_AFTER = 3600
# Bounded: the cookies come from requests. A cookie forgotten is only sent once more.
CSRF_COOKIES_KEPT = 20_000
# The CSRF secret (the cookie's value) -> when this process last let Django send it, time.time().
_csrf_cookie_sent_at: dict[str, float] = {}


class CsrfCookieRenewalMiddleware:
    """Django sends the CSRF cookie again on every response whose page asked for a token (every
    page with a form), only to renew its year-long expiry: a Set-Cookie line made and formatted
    (an expiry date, eight settings read, Vary patched), about 16 µs a response and some 60
    Python calls. Here a process lets Django send a cookie the request carried unchanged at
    most once an hour: the browser's copy then expires no sooner than a year less an hour after
    the learner's last page, where Django's expires a year after it.

    What it knows is what this process sent and when (`_csrf_cookie_sent_at`): a cookie's age in
    the browser cannot be known from the request, but the expiry a process gave it is at least
    the one it last sent. Every other case is Django's: a new cookie, one Django changes (a
    rotation at log-in, an old masked value stored again as its secret, a malformed one
    replaced), one this process has not sent within the hour, CSRF_USE_SESSIONS. When it holds
    the cookie back it adds Vary: Cookie, as Django does with the cookie.

    It sits right after CsrfViewMiddleware in MIDDLEWARE, so its answer runs just before
    Django's, which sends the cookie when CSRF_COOKIE_NEEDS_UPDATE is set; Django's middleware
    stays in MIDDLEWARE under its own name (check --deploy looks for it).
    tests/core/test_csrf_cookie_renewal.py holds it against Django's own responses."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        _read_settings()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        meta = request.META
        if not meta.get("CSRF_COOKIE_NEEDS_UPDATE") or _CSRF_USE_SESSIONS:
            return response
        secret = meta.get("CSRF_COOKIE")
        now = time.time()
        sent_at = _csrf_cookie_sent_at.get(secret)
        if (
            sent_at is not None
            and 0 <= now - sent_at < CSRF_COOKIE_RESENT_AFTER
            and request.COOKIES.get(_CSRF_COOKIE_NAME) == secret
        ):
            meta["CSRF_COOKIE_NEEDS_UPDATE"] = False
            # What Django adds with the cookie (patch_vary_headers, cut short when no Vary yet).
            if _has_vary(response):
                patch_vary_headers(response, ("Cookie",))
            else:
                response.headers["Vary"] = "Cookie"
            return response
        if len(_csrf_cookie_sent_at) >= CSRF_COOKIES_KEPT:
            _csrf_cookie_sent_at.clear()
        _csrf_cookie_sent_at[secret] = now  # sent now by CsrfViewMiddleware
        return response
