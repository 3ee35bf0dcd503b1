"""Pages for tests/core/test_csrf_cookie_renewal.py: one that asks for a CSRF token (as every page
with a form does), one that also varies on a header of its own (as htmx fragments do), one that
rotates it (as a log-in does), one without a form, one that takes a POST (checked by
CsrfViewMiddleware)."""

from django.http import HttpResponse
from django.middleware.csrf import get_token, rotate_token
from django.urls import path


def form_page(request):
    get_token(request)
    return HttpResponse("a page with a form")


def varying_form_page(request):
    get_token(request)
    response = HttpResponse("a fragment with a form")
    response["Vary"] = "HX-Request"
    return response


def rotating_page(request):
    rotate_token(request)
    get_token(request)
    return HttpResponse("signed in")


def plain_page(request):
    return HttpResponse("no form")


def posted(request):
    return HttpResponse("taken")


urlpatterns = [
    path("form/", form_page),
    path("varying/", varying_form_page),
    path("rotate/", rotating_page),
    path("plain/", plain_page),
    path("post/", posted),
]
