"""Rate limits: each access token has its own budget; a browser session has one per learner;
requests without credentials one per IP address."""

from __future__ import annotations

import copy

import pytest
from django.conf import settings
from django.test import Client, override_settings

from accounts import services

pytestmark = pytest.mark.django_db


def rates(**rates) -> dict:
    config = copy.deepcopy(settings.REST_FRAMEWORK)
    config["DEFAULT_THROTTLE_RATES"].update(rates)
    return config


def test_each_token_has_its_own_budget(api_learner):
    # given: a second token of the same learner
    _row, second = services.access_token_create(
        learner=api_learner.learner, name="second", lifetime_days=None
    )

    with override_settings(REST_FRAMEWORK=rates(token="3/minute")):
        # when: the first token is used four times
        statuses = [api_learner.get("/api/v1/paths/").status_code for _ in range(4)]
        # then: the fourth is refused with a Retry-After ...
        assert statuses == [200, 200, 200, 429]
        refused = api_learner.get("/api/v1/paths/")
        assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
        assert "Request was throttled." in refused.json()["detail"]
        # ... while the second token still has its own budget
        response = Client().get("/api/v1/paths/", HTTP_AUTHORIZATION=f"Bearer {second}")
        assert response.status_code == 200


def test_a_session_has_a_budget_per_learner(api_learner, other_api_learner):
    first, second = Client(), Client()
    first.force_login(api_learner.learner)
    second.force_login(other_api_learner.learner)
    with override_settings(REST_FRAMEWORK=rates(session="2/minute")):
        assert [first.get("/api/v1/paths/").status_code for _ in range(3)] == [200, 200, 429]
        assert second.get("/api/v1/paths/").status_code == 200


def test_requests_without_credentials_are_limited_per_address(db):
    with override_settings(REST_FRAMEWORK=rates(anonymous="2/minute")):
        client = Client()
        assert [client.get("/api/v1/schema/").status_code for _ in range(3)] == [200, 200, 429]
        other = Client(REMOTE_ADDR="10.0.0.9")
        assert other.get("/api/v1/schema/").status_code == 200


@pytest.mark.parametrize(
    "credentials",
    [{}, {"HTTP_AUTHORIZATION": "Bearer cpat_not-a-real-token"}],
    ids=["no token", "bogus token"],
)
def test_refused_credentials_count_against_the_address(db, credentials):
    # given: an address's budget of two requests a minute
    with override_settings(REST_FRAMEWORK=rates(anonymous="2/minute")):
        client = Client(**credentials)

        # when: it keeps knocking without valid credentials
        statuses = [client.get("/api/v1/paths/").status_code for _ in range(3)]

        # then: refused for the credentials, then for the rate, with a Retry-After
        assert statuses == [401, 401, 429]
        refused = client.get("/api/v1/milestones/")
        assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
        # another address has its own budget
        assert (
            Client(REMOTE_ADDR="10.0.0.9", **credentials).get("/api/v1/paths/").status_code == 401
        )
