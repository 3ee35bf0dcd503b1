"""/health/ reports the database, the cache and whether a Celery worker ran the heartbeat lately."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from core.tasks import HEARTBEAT_CACHE_KEY, heartbeat

pytestmark = pytest.mark.django_db


def test_health_without_a_worker_heartbeat(client):
    # given: no worker has run the heartbeat
    cache.delete(HEARTBEAT_CACHE_KEY)

    # when
    response = client.get(reverse("health"))

    # then: still healthy (the web can serve), but the worker is reported missing
    assert response.status_code == 200
    assert response.json() == {
        "database": "ok",
        "cache": "ok",
        "worker": "no heartbeat in the last 5 minutes",
    }
    assert "no-cache" in response.headers["Cache-Control"]


def test_health_reports_the_worker_after_a_heartbeat(client):
    # given: the heartbeat task ran (as the worker runs it every minute for beat)
    heartbeat()

    # when
    response = client.get(reverse("health"))

    # then
    assert response.status_code == 200
    assert response.json()["worker"] == "ok"


def test_health_reports_a_stale_heartbeat(client):
    # given: the last heartbeat is six minutes old
    with time_machine.travel(timezone.now() - timedelta(minutes=6), tick=False):
        heartbeat()

    # when
    response = client.get(reverse("health"))

    # then
    assert response.json()["worker"] == "no heartbeat in the last 5 minutes"


def test_health_costs_one_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        client.get(reverse("health"))


def test_health_fails_when_the_cache_is_unreachable(client, settings):
    # given: the cache points at a Redis port where nothing listens
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }

    # when
    response = client.get(reverse("health"))

    # then: a load balancer takes this process out of rotation
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["cache"].startswith("error: ")
