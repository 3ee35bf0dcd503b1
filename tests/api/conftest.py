"""Fixtures for the API tests: a learner enrolled in a path, with a personal access token."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from accounts import services
from accounts.models import User
from roadmap.models import CareerPath, Milestone
from tests.roadmap.factories import build_roadmap, enrolled_learner, path_milestones


@dataclass
class ApiLearner:
    learner: User
    token: str
    path: CareerPath
    milestones: list[Milestone]
    client: Client

    def get(self, url: str, **params):
        return self.client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {self.token}")

    def patch(self, url: str, data, content_type: str = "application/json"):
        return self.client.patch(
            url, data, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {self.token}"
        )


def make_api_learner(*, path: CareerPath | None = None) -> ApiLearner:
    path = path or build_roadmap(steps=2, milestones_per_step=3)
    learner = enrolled_learner(path)
    _row, token = services.access_token_create(learner=learner, name="tests", lifetime_days=None)
    return ApiLearner(
        learner=learner, token=token, path=path, milestones=path_milestones(path), client=Client()
    )


@pytest.fixture
def api_learner(db) -> ApiLearner:
    return make_api_learner()


@pytest.fixture
def other_api_learner(db) -> ApiLearner:
    """A second learner on their own path."""
    return make_api_learner()
