"""A URLconf with its pages under i18n_patterns (the site has none), for
tests/core/test_locale_middleware.py: with them, core.middleware.LocaleMiddleware runs Django's
own code."""

from django.conf.urls.i18n import i18n_patterns
from django.http import HttpResponse
from django.urls import path
from django.utils import translation


def language_page(request):
    return HttpResponse(translation.get_language())


urlpatterns = i18n_patterns(path("page/", language_page, name="language_page"))
