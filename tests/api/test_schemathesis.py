"""Property-based tests of the API against its own published OpenAPI schema (schemathesis,
in-process through the WSGI app): no generated request, valid or not, gets a server error, and
every answer matches the schema's status codes, content types and shapes."""

from __future__ import annotations

import copy

import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from careerpath.wsgi import application
from certifications.models import CertStatus
from portfolio.services.applications import application_create
from roadmap.services.plan import plan_settings_set
from roadmap.services.progress import milestone_status_set
from tests.api.conftest import make_api_learner
from tests.certifications.factories import LearnerCertificationFactory, pmp

# Generated requests come fast; the throttle is tested on its own (test_throttling.py).
NO_THROTTLE = copy.deepcopy(settings.REST_FRAMEWORK)
NO_THROTTLE["DEFAULT_THROTTLE_RATES"] = dict.fromkeys(
    NO_THROTTLE["DEFAULT_THROTTLE_RATES"], "100000/minute"
)


@pytest.fixture(autouse=True)
def _in_process_requests():
    """The WSGI handler closes the database connection after each request; inside a test that
    would close the test's transaction. Django's own test client disconnects it the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        with override_settings(REST_FRAMEWORK=NO_THROTTLE):
            yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def learner_with_data(db):
    learner = make_api_learner()
    milestone_status_set(
        learner=learner.learner, milestone=learner.milestones[0], status="in_progress"
    )
    LearnerCertificationFactory(
        learner=learner.learner,
        certification=pmp(),
        status=CertStatus.EARNED,
        earned_on="2025-01-01",
    )
    application_create(
        learner=learner.learner, data={"company": "Acme", "role": "AI PM", "status": "applied"}
    )
    plan_settings_set(learner=learner.learner, hours_per_week=6, weekdays=[0, 2, 4])
    return learner


# Loaded once, when the module is collected: the schema is built from code, without the database.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


@schema.parametrize()
@schema.given(data=st.data())
@hypothesis_settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same cases on every run: CI never flakes on a lucky draw
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_generated_request_gets_a_server_error(case, data, learner_with_data):
    # given: the learner's token on every request (a case may add its own headers too), and,
    # in most cases, the id of one of the learner's own objects (a random id is only a 404)
    headers = {"Authorization": f"Bearer {learner_with_data.token}"}
    own = {
        "plan": [],
        "milestones": [m.pk for m in learner_with_data.milestones],
        "certifications": list(
            learner_with_data.learner.certifications.values_list("pk", flat=True)
        ),
        "paths": [learner_with_data.path.slug],
        "applications": list(
            learner_with_data.learner.job_applications.values_list("pk", flat=True)
        ),
    }[case.path.split("/")[3]]
    for name in ("id", "slug"):
        if case.path_parameters and name in case.path_parameters:
            case.path_parameters[name] = data.draw(
                st.sampled_from(own) | st.just(case.path_parameters[name])
            )

    # when
    response = case.call(headers=headers)

    # then
    case.validate_response(
        response,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
