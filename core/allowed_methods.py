"""The HTTP methods the site's pages serve: GET, HEAD, POST and OPTIONS; anything else is a 405.

Pages are plain Django views, and a view without a method decorator runs for any method (the
start page rendered itself for TRACE, PUT and DELETE). One rule here, before any view, keeps every
page, allauth's and the admin's included, to the methods a browser form uses. The JSON API under
/api/ (careerpath/urls.py) serves PUT, PATCH and DELETE and refuses the rest itself (DRF).
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

SITE_METHODS = ("GET", "HEAD", "POST", "OPTIONS")
API_PREFIX = "/api/"


class AllowedMethodsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        if request.method not in SITE_METHODS:
            return HttpResponseNotAllowed(SITE_METHODS)
        if request.method == "OPTIONS":
            # What OPTIONS asks for is the list of methods; no page needs to run for that.
            response = HttpResponse()
            response["Allow"] = ", ".join(SITE_METHODS)
            return response
        return self.get_response(request)
