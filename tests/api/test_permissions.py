"""Who may use the API: credentials required (401 otherwise), session or token; another
learner's objects and milestones outside the learner's paths answer 404."""

from __future__ import annotations

import pytest
from django.test import Client

from certifications.models import LearnerCertification
from portfolio.models import JobApplication
from portfolio.services.applications import application_create
from roadmap.models import MilestoneProgress
from tests.api.conftest import make_api_learner
from tests.certifications.factories import LearnerCertificationFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "/api/v1/paths/",
    "/api/v1/paths/{path}/",
    "/api/v1/milestones/",
    "/api/v1/milestones/{milestone}/",
    "/api/v1/certifications/",
    "/api/v1/certifications/{certification}/",
    "/api/v1/applications/",
    "/api/v1/applications/{application}/",
]


def urls_of(api_learner, certification) -> list[str]:
    application = JobApplication.objects.get(learner=api_learner.learner)
    values = {
        "path": api_learner.path.slug,
        "milestone": api_learner.milestones[0].pk,
        "certification": certification.pk,
        "application": application.pk,
    }
    return [url.format(**values) for url in ENDPOINTS]


@pytest.fixture
def owner():
    learner = make_api_learner()
    certification = LearnerCertificationFactory(learner=learner.learner)
    application_create(learner=learner.learner, data={"company": "Acme", "role": "PM"})
    return learner, certification


def test_every_endpoint_refuses_requests_without_credentials(owner):
    learner, certification = owner
    client = Client()
    for url in urls_of(learner, certification):
        response = client.get(url)
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        assert response.json() == {"detail": "Authentication credentials were not provided."}
        assert client.patch(url, {}, content_type="application/json").status_code in (401, 405)


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer a b", "Bearer cpat_zzzzzzzz_" + "x" * 43, "Bearer nonsense", "Bearer é"],
)
def test_a_bad_token_is_a_401(owner, header):
    learner, _certification = owner
    response = Client().get("/api/v1/paths/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_token_with_the_right_prefix_but_a_wrong_secret_is_a_401(owner):
    learner, _certification = owner
    forged = learner.token[:14] + ("A" if learner.token[14] != "A" else "B") + learner.token[15:]
    assert Client().get("/api/v1/paths/", HTTP_AUTHORIZATION=f"Bearer {forged}").status_code == 401


def test_the_session_of_a_logged_in_learner_works_for_reads(owner):
    learner, certification = owner
    client = Client()
    client.force_login(learner.learner)
    for url in urls_of(learner, certification):
        assert client.get(url).status_code == 200, url


def test_a_session_write_needs_the_csrf_token(owner):
    # given: a browser session without the CSRF token (as a forged cross-site request has)
    learner, _certification = owner
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner.learner)

    # when
    response = client.patch(
        f"/api/v1/milestones/{learner.milestones[0].pk}/",
        {"status": "done"},
        content_type="application/json",
    )

    # then
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not MilestoneProgress.objects.exists()


def test_another_learners_objects_answer_404_for_reads_and_writes(owner):
    # given: a second learner with their own path and certification
    learner, certification = owner
    intruder = make_api_learner()

    # when / then: each of the first learner's objects is a 404 to the second
    object_urls = [
        u
        for u, pattern in zip(urls_of(learner, certification), ENDPOINTS, strict=True)
        if "{" in pattern
    ]
    assert len(object_urls) == 4
    for url in object_urls:
        assert intruder.get(url).status_code == 404, url
    for url, data in [
        (f"/api/v1/milestones/{learner.milestones[0].pk}/", {"status": "done"}),
        (f"/api/v1/certifications/{certification.pk}/", {"status": "studying"}),
        (object_urls[-1], {"status": "rejected"}),
    ]:
        response = intruder.patch(url, data)
        assert response.status_code == 404, url
        # the same answer as for an id that does not exist: nothing is learnt
        missing = intruder.patch(url.rsplit("/", 2)[0] + "/987654321/", data)
        assert response.json() == missing.json()
    assert not MilestoneProgress.objects.exists()
    certification.refresh_from_db()
    assert certification.status == "planned"
    # and their lists do not show them
    assert intruder.get("/api/v1/certifications/").json()["count"] == 0
    assert intruder.get("/api/v1/applications/").json()["count"] == 0
    assert JobApplication.objects.get(learner=learner.learner).status == "saved"
    milestone_ids = {m["id"] for m in intruder.get("/api/v1/milestones/").json()["results"]}
    assert milestone_ids.isdisjoint({m.pk for m in learner.milestones})


def test_unknown_addresses_and_huge_ids_are_json_404s(owner):
    learner, _certification = owner
    for url in [
        "/api/v1/nothing/",
        "/api/v1/milestones/-1/",
        "/api/v1/milestones/99999999999999999999/",
        f"/api/v1/milestones/{2**63}/",
        f"/api/v1/certifications/{2**63}/",
    ]:
        response = learner.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json", url


def test_other_methods_are_405(owner):
    learner, certification = owner
    response = learner.client.post(
        "/api/v1/milestones/", {}, HTTP_AUTHORIZATION=f"Bearer {learner.token}"
    )
    assert response.status_code == 405
    assert LearnerCertification.objects.count() == 1
