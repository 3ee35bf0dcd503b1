"""API rate limits in the deployed app: 1,010 parallel requests of one token, spread over
gunicorn's worker processes on Redis, are counted exactly."""

from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from accounts.services import access_token_create
from bench.load.kit import Browser
from tests.accounts.factories import UserFactory

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"),
        reason="needs REDIS_URL: the processes' counters are shared only in Redis",
    ),
]

LIMIT = 100
REQUESTS = 1010


def test_parallel_requests_of_one_token_are_counted_exactly(live_app):
    # given: a token with a budget of LIMIT an hour, and the app in five worker processes
    _row, token = access_token_create(learner=UserFactory(), name="load", lifetime_days=None)
    app = live_app(workers=5, API_RATE_TOKEN=f"{LIMIT}/hour")
    headers = {"Authorization": f"Bearer {token}"}

    def one(_n: int) -> int:
        return Browser(app.base_url).get("/api/v1/paths/", headers=headers).status

    # when: REQUESTS of them, 40 at a time
    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = Counter(pool.map(one, range(REQUESTS)))

    # then: exactly the budget served, every other one refused with 429
    assert statuses == {200: LIMIT, 429: REQUESTS - LIMIT}, app.log()[-2000:]
