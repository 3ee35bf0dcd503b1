"""Pages for tests/core/test_messages.py: one that adds messages (how many and how long in its
address) and redirects, one that prints the request's messages, one that ignores them, one that
adds a message and prints them in the same request."""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path


def add(request, count, length):
    for number in range(count):
        messages.info(request, f"message {number} " + "x" * length, extra_tags=f"tag{number}")
    return HttpResponseRedirect("/show/")


def show(request):
    shown = [f"{m.level}:{m.tags}:{m}" for m in messages.get_messages(request)]
    return HttpResponse("\n".join(shown) or "no messages")


def ignore(request):
    return HttpResponse("a page that shows no messages")


def add_and_show(request):
    messages.warning(request, "added and shown at once")
    return show(request)


def count(request):
    return HttpResponse(str(len(messages.get_messages(request))))


urlpatterns = [
    path("add/<int:count>/<int:length>/", add),
    path("show/", show),
    path("ignore/", ignore),
    path("add-and-show/", add_and_show),
    path("count/", count),
]
