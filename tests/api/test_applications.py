"""The applications endpoints: the learner's job applications, edited and moved on the board
through the portfolio services (each move kept in the history), with clear 400s."""

from __future__ import annotations

import pytest

from portfolio.models import ApplicationStatusChange, JobApplication
from portfolio.services.applications import application_contact_add, application_create
from tests.api.conftest import make_api_learner

pytestmark = pytest.mark.django_db

LIST = "/api/v1/applications/"


def detail(application) -> str:
    return f"{LIST}{application.pk}/"


@pytest.fixture
def application(api_learner):
    created = application_create(
        learner=api_learner.learner,
        data={"company": "Acme", "role": "AI PM", "status": "applied", "salary_min": 50_000},
    )
    application_contact_add(
        learner=api_learner.learner, application=created, data={"name": "Ada Recruiter"}
    )
    return created


def test_list_and_detail_show_the_learners_applications(api_learner, application):
    # given: a second application, saved
    saved = application_create(learner=api_learner.learner, data={"company": "B", "role": "PM"})

    # when
    body = api_learner.get(LIST).json()
    one = api_learner.get(detail(application)).json()

    # then: most recently moved first, each with its state
    assert [a["id"] for a in body["results"]] == [saved.pk, application.pk]
    assert body["results"][1]["status"] == "applied" and body["results"][1]["is_open"] is True
    assert api_learner.get(LIST, status="saved").json()["count"] == 1
    assert one["company"] == "Acme" and one["salary_min"] == 50_000
    assert one["history"][0]["to_status"] == "applied"
    assert one["contacts"][0]["name"] == "Ada Recruiter"
    assert one["url"] == "http://testserver" + application.get_absolute_url()


def test_an_unknown_status_filter_is_a_400(api_learner):
    response = api_learner.get(LIST, status="hired")
    assert response.status_code == 400 and list(response.json()) == ["status"]


def test_patch_edits_fields_and_moves_the_application_with_history(api_learner, application):
    # when
    response = api_learner.patch(
        detail(application),
        {"status": "interviewing", "next_action": "Prepare", "next_action_on": "2031-03-01"},
    )

    # then
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["next_action"], body["next_action_on"]) == (
        "interviewing",
        "Prepare",
        "2031-03-01",
    )
    assert [(h["from_status"], h["to_status"]) for h in body["history"]] == [
        ("", "applied"),
        ("applied", "interviewing"),
    ]
    application.refresh_from_db()
    assert application.status == "interviewing"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"status": "hired"}, "status", '"hired" is not a valid choice.'),
        ({"company": ""}, "company", "This field may not be blank."),
        ({"posting_url": "ftp://jobs"}, "posting_url", "is not a web address we can link to"),
        ({"salary_max": 10}, "salary_max", "The salary range ends (10) below where it starts"),
        ({"salary_currency": "E1"}, "salary_currency", "three-letter code"),
        ({"salary_min": -1}, "salary_min", "Ensure this value is greater than or equal to 0."),
        ({"learner": 1}, "learner", "Unknown field."),
        ({}, "non_field_errors", "Send at least one of"),
    ],
)
def test_bad_input_is_a_clear_400_and_changes_nothing(
    api_learner, application, data, field, message
):
    # given
    before = JobApplication.objects.values().get(pk=application.pk)

    # when: with a valid status change in the same request where it can be
    response = api_learner.patch(
        detail(application), {**data, "status": "offer"} if data and "status" not in data else data
    )

    # then
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert message in response.json()[field][0]
    assert JobApplication.objects.values().get(pk=application.pk) == before
    assert ApplicationStatusChange.objects.filter(application=application).count() == 1


def test_another_learners_application_is_a_404(application):
    intruder = make_api_learner()
    assert intruder.get(detail(application)).status_code == 404
    assert intruder.patch(detail(application), {"status": "rejected"}).status_code == 404
    assert intruder.get(LIST).json()["count"] == 0
    application.refresh_from_db()
    assert application.status == "applied"


def test_application_query_counts_do_not_grow(db, django_assert_max_num_queries):
    for count in (1, 15):
        learner = make_api_learner()
        for index in range(count):
            created = application_create(
                learner=learner.learner, data={"company": f"C{index}", "role": "PM"}
            )
            application_contact_add(
                learner=learner.learner, application=created, data={"name": "X"}
            )
        learner.get(LIST)
        # token, count, page
        with django_assert_max_num_queries(3):
            assert learner.get(LIST).status_code == 200
        # token, application, contacts, history, CV checks
        with django_assert_max_num_queries(5):
            assert learner.get(detail(created)).status_code == 200
