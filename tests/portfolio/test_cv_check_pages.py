"""CV check pages through HTTP: run a check, read the result in the order a learner acts on it,
list and delete checks; bad input, other learners' objects, anonymous visitors, query counts."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from portfolio.cv_check import MAX_CHARS
from portfolio.models import CVCheck
from portfolio.selectors.cv_checks import cv_checks_for_application
from tests.accounts.factories import UserFactory
from tests.portfolio.factories_practice import CV, JOB, CVCheckFactory, JobApplicationFactory
from tests.portfolio.layout import assert_page_layout

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"portfolio:{name}", args=args)


def text_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def learner(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_cv_check_pages_need_a_login(client):
    check = CVCheckFactory()
    for address in (
        url("cv_check_list"),
        url("cv_check_new"),
        url("cv_check_detail", check.pk),
    ):
        response = client.get(address)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(url("cv_check_delete", check.pk))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(url("cv_check_new"), {"cv_text": CV, "job_text": JOB})
    assert "/accounts/login/" in response["Location"]
    assert CVCheck.objects.count() == 1


def test_run_a_check_for_an_application_and_act_on_the_result(client, learner):
    # given: an application in the interviewing column
    application = JobApplicationFactory(learner=learner, status="interviewing")

    # when: the learner opens the form from the application
    response = client.get(url("cv_check_new"), {"application": application.pk})

    # then: the application is selected
    assert response.status_code == 200
    assert response.context["form"]["application"].value() == application.pk
    assert_page_layout(text_of(response), logged_in=True)

    # when: they paste their CV and the job description
    response = client.post(
        url("cv_check_new"), {"application": application.pk, "cv_text": CV, "job_text": JOB}
    )

    # then: the check is kept with the application and the result page opens
    check = CVCheck.objects.get(learner=learner)
    assert check.application == application
    assert response.status_code == 302 and response["Location"] == check.get_absolute_url()
    response = client.get(response["Location"])
    html = text_of(response)
    assert "Your CV scored 54 out of 100" in html
    assert_page_layout(html, logged_in=True)

    # and it reads in the order a learner acts on it: missing terms (heaviest first, each with
    # a hint), then present ones, then verbs, then the reasons for the score
    order = [
        "9 key terms your CV lacks",
        "Artificial intelligence (AI)",
        "The job names it 3 times, e.g. “AI”.",
        "Name the AI systems you delivered",
        "MLOps",
        "9 key terms your CV already shows",
        "your CV: “ML model”; the job: “machine learning”",
        "Worth considering",
        "owned",
        "the job uses it",
        "Phrases to rewrite",
        "“responsible for”",
        "Why this score: 54/100",
        "+35 of 70",
    ]
    positions = [html.index(part) for part in order]
    assert positions == sorted(positions)
    assert "“clinical trials”" in html

    # and the application's own list of checks shows it
    checks = cv_checks_for_application(learner=learner, application=application)
    snippet = render_to_string(
        "portfolio/_cv_checks_for_application.html",
        {"application": application, "cv_checks": checks},
    )
    assert check.get_absolute_url() in snippet and "54/100" in snippet
    assert f"?application={application.pk}" in snippet


def test_the_application_include_works_with_a_prefetched_application(learner):
    # given: the application page prefetches its checks (only id, score and date)
    application = JobApplicationFactory(learner=learner)
    check = CVCheckFactory(learner=learner, application=application)
    from portfolio.selectors.applications import application_get

    fetched = application_get(learner=learner, pk=application.pk)

    # then
    snippet = render_to_string(
        "portfolio/_cv_checks_for_application.html", {"application": fetched}
    )
    assert check.get_absolute_url() in snippet
    empty = render_to_string(
        "portfolio/_cv_checks_for_application.html",
        {"application": JobApplicationFactory(learner=learner)},
    )
    assert "Check your CV against this job" in empty


def test_check_again_starts_from_the_previous_texts(client, learner):
    application = JobApplicationFactory(learner=learner)
    check = CVCheckFactory(learner=learner, application=application, cv_text="Old CV.")

    response = client.get(url("cv_check_new"), {"again": check.pk})

    form = response.context["form"]
    assert form["cv_text"].value() == "Old CV."
    assert form["job_text"].value() == JOB
    assert form["application"].value() == application.pk


def test_a_new_check_starts_from_the_latest_cv(client, learner):
    CVCheckFactory(learner=learner, cv_text="My latest CV.")
    CVCheckFactory(cv_text="Someone else's CV.")
    response = client.get(url("cv_check_new"))
    assert response.context["form"]["cv_text"].value() == "My latest CV."
    assert response.context["form"]["job_text"].value() == ""


@pytest.mark.parametrize(
    ("data", "messages"),
    [
        ({"cv_text": "", "job_text": ""}, ["Paste your CV", "Paste the job description"]),
        ({"cv_text": CV, "job_text": "   "}, ["Paste the job description or upload it."]),
        (
            {"cv_text": "x" * (MAX_CHARS + 5), "job_text": JOB},
            ["Your CV is 50,005 characters long; the check reads at most 50,000."],
        ),
        ({"cv_text": "Scrum \x00", "job_text": JOB}, ["Null characters are not allowed."]),
        ({"cv_text": CV, "job_text": JOB, "application": "999999"}, None),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(client, learner, data, messages):
    response = client.post(url("cv_check_new"), {"application": "", **data})

    if messages is None:  # an application id that is not the learner's: not found
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        html = text_of(response)
        assert "Nothing was checked yet" in html
        for message in messages:
            assert message in html
        # what the learner typed is kept
        assert response.context["form"]["cv_text"].value() == data["cv_text"]
    assert not CVCheck.objects.exists()


def test_another_learners_checks_and_applications_answer_404(client, learner):
    # given: someone else's application with a check
    theirs = JobApplicationFactory()
    check = CVCheckFactory(learner=theirs.learner, application=theirs)

    # then: every address naming them is a 404, and nothing changes
    assert client.get(url("cv_check_detail", check.pk)).status_code == 404
    assert client.get(url("cv_check_new"), {"again": check.pk}).status_code == 404
    assert client.get(url("cv_check_new"), {"application": theirs.pk}).status_code == 404
    assert client.get(url("cv_check_new"), {"application": "abc"}).status_code == 404
    assert client.post(url("cv_check_delete", check.pk)).status_code == 404
    response = client.post(
        url("cv_check_new"), {"application": theirs.pk, "cv_text": CV, "job_text": JOB}
    )
    assert response.status_code == 404
    assert list(CVCheck.objects.all()) == [check]
    assert check.get_absolute_url() not in text_of(client.get(url("cv_check_list")))


def test_delete_a_check_and_return_to_its_application_or_the_list(client, learner):
    application = JobApplicationFactory(learner=learner)
    attached = CVCheckFactory(learner=learner, application=application)
    loose = CVCheckFactory(learner=learner)

    response = client.post(url("cv_check_delete", attached.pk))
    assert response["Location"] == url("application_detail", application.pk)
    response = client.post(url("cv_check_delete", loose.pk), follow=True)
    assert response.redirect_chain[-1][0] == url("cv_check_list")
    assert "The CV check is deleted." in text_of(response)
    assert not CVCheck.objects.exists()
    assert client.get(url("cv_check_delete", loose.pk)).status_code == 405


def test_the_list_shows_the_learners_checks_newest_first(client, learner):
    application = JobApplicationFactory(learner=learner, company="Acme Health")
    older = CVCheckFactory(learner=learner)
    newer = CVCheckFactory(learner=learner, application=application)

    response = client.get(url("cv_check_list"))

    assert list(response.context["page"].object_list) == [newer, older]
    html = text_of(response)
    assert "Acme Health" in html and "54/100" in html
    assert_page_layout(html, logged_in=True)


def _fill(learner, n: int):
    applications = [JobApplicationFactory(learner=learner) for _ in range(n)]
    checks = [CVCheckFactory(learner=learner, application=a) for a in applications]
    CVCheckFactory.create_batch(n, learner=learner)
    return checks[-1], applications[-1]


@pytest.mark.parametrize("n", [2, 25])
def test_pages_run_a_fixed_number_of_queries(client, learner, n, django_assert_max_num_queries):
    # given: n applications with a check each, and n checks without one (25: two list pages)
    check, application = _fill(learner, n)
    for address, limit in [
        # session, user, the applications for the select, the latest CV to start from
        (url("cv_check_new"), 4),
        # ... and the application, its latest job description
        (url("cv_check_new") + f"?application={application.pk}", 6),
        # ... and the check to run again (no other query: its texts are the prefill)
        (url("cv_check_new") + f"?again={check.pk}", 4),
        # session, user, the check with its application
        (url("cv_check_detail", check.pk), 3),
        # session, user, count, a page of checks with their applications
        (url("cv_check_list"), 4),
        (url("cv_check_list") + "?page=2", 4),
    ]:
        with django_assert_max_num_queries(limit):
            response = client.get(address)
        assert response.status_code == 200, address

    # and a run: session, user, the application (twice: ownership, then the form's choice),
    # the insert in its transaction (a savepoint pair inside the test's transaction)
    with django_assert_max_num_queries(7):
        response = client.post(
            url("cv_check_new"), {"application": application.pk, "cv_text": CV, "job_text": JOB}
        )
    assert response.status_code == 302


def test_an_advert_not_in_english_shows_no_score_but_its_reasons(client, learner):
    # given: a French advert
    from tests.portfolio.test_cv_check import FRENCH_ADVERT

    application = JobApplicationFactory(learner=learner)

    # when
    response = client.post(
        url("cv_check_new"),
        {"application": application.pk, "cv_text": CV, "job_text": FRENCH_ADVERT},
    )
    response = client.get(response["Location"])
    html = text_of(response)

    # then: the page says why there is no score instead of showing one, and keeps the reasons
    check = CVCheck.objects.get(learner=learner)
    assert check.result["score_caveat"]
    assert "No score: the job description does not look like English" in html
    assert f"<strong>{check.score}</strong>" not in html and "Why this score" not in html
    assert "No score: how the points would add up" in html and "Key terms:" in html
    assert "no score" in text_of(client.get(url("cv_check_list")))
    application_page = text_of(client.get(application.get_absolute_url()))
    assert "No score on" in application_page and f"{check.score}/100" not in application_page
    assert_page_layout(html, logged_in=True)
