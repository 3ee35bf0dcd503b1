"""The site's URLconf mounted under /mounted/: a second URLconf (as a request's `urlconf` would
set) for tests of answers remembered per URLconf."""

from django.urls import include, path

urlpatterns = [path("mounted/", include("careerpath.urls"))]
