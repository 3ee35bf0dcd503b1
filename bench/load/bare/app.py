"""The bare page's URL, view and WSGI application: `gunicorn bench.load.bare.app`."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.load.bare.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

from django.shortcuts import render  # noqa: E402
from django.urls import path  # noqa: E402

from bench.load.bare.models import Fortune  # noqa: E402


def fortunes(request):
    rows = list(Fortune.objects.all())
    rows.append(Fortune(id=0, message="Additional fortune added at request time."))
    rows.sort(key=lambda f: f.message)
    return render(request, "fortunes.html", {"fortunes": rows})


urlpatterns = [path("fortunes/", fortunes)]
