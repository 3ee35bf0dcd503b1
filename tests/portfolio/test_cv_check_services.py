"""CV check services and selectors: a run keeps its analysis with the application; bad input and
other learners' objects change nothing."""

import pytest
from django.core.exceptions import ValidationError

from portfolio.cv_check import MAX_CHARS
from portfolio.models import CVCheck
from portfolio.selectors.cv_checks import (
    cv_check_prefill,
    cv_checks_for,
    cv_checks_for_application,
)
from portfolio.services.cv_checks import cv_check_delete, cv_check_run
from tests.accounts.factories import UserFactory
from tests.portfolio.factories_practice import CV, JOB, CVCheckFactory, JobApplicationFactory

pytestmark = pytest.mark.django_db


def test_a_run_keeps_the_texts_and_the_analysis_with_the_application():
    # given
    application = JobApplicationFactory()

    # when
    check = cv_check_run(
        learner=application.learner, cv_text=f"  {CV}  ", job_text=JOB, application=application
    )

    # then
    check.refresh_from_db()
    assert check.application == application and check.learner == application.learner
    assert check.cv_text == CV.strip() and check.job_text == JOB.strip()
    assert check.result["missing"][0]["slug"] == "artificial-intelligence"
    assert check.result["score"] == check.score == 54
    assert [r["key"] for r in check.result["reasons"]][0] == "coverage"


@pytest.mark.parametrize(
    ("cv_text", "job_text", "message"),
    [
        ("", JOB, "Paste your CV or upload it."),
        ("   \n\t ", JOB, "Paste your CV or upload it."),
        (CV, "", "Paste the job description or upload it."),
        ("x" * (MAX_CHARS + 1), JOB, "Your CV is 50,001 characters long; the check reads at most"),
        (CV, "y" * 60_000, "The job description is 60,000 characters long"),
    ],
)
def test_empty_or_over_long_texts_are_refused_with_their_length(cv_text, job_text, message):
    learner = UserFactory()
    with pytest.raises(ValidationError) as caught:
        cv_check_run(learner=learner, cv_text=cv_text, job_text=job_text)
    assert any(message in m for m in caught.value.messages), caught.value.messages
    assert not CVCheck.objects.exists()


def test_a_text_at_the_cap_is_accepted_after_trimming():
    text = "  " + "a" * MAX_CHARS + "\n"
    check = cv_check_run(learner=UserFactory(), cv_text=text, job_text=JOB)
    assert len(check.cv_text) == MAX_CHARS


def test_both_texts_wrong_gives_both_messages():
    with pytest.raises(ValidationError) as caught:
        cv_check_run(learner=UserFactory(), cv_text="", job_text="")
    assert caught.value.messages == [
        "Paste your CV or upload it.",
        "Paste the job description or upload it.",
    ]


def test_another_learners_application_is_refused():
    # given
    someone_elses = JobApplicationFactory()

    # when / then
    with pytest.raises(ValidationError, match="not yours"):
        cv_check_run(learner=UserFactory(), cv_text=CV, job_text=JOB, application=someone_elses)
    assert not CVCheck.objects.exists()


def test_nul_characters_and_lone_surrogates_are_dropped_before_storing():
    # PostgreSQL cannot store NUL; an extracted PDF text can contain one
    check = cv_check_run(learner=UserFactory(), cv_text="Scrum\x00 master \ud800", job_text=JOB)
    check.refresh_from_db()
    assert check.cv_text == "Scrum master ?"
    assert "scrum" in [t["slug"] for t in check.result["present"]]


def test_a_check_is_deleted_only_by_its_learner():
    check = CVCheckFactory()
    with pytest.raises(ValidationError):
        cv_check_delete(learner=UserFactory(), check=check)
    assert CVCheck.objects.filter(pk=check.pk).exists()

    cv_check_delete(learner=check.learner, check=check)
    assert not CVCheck.objects.exists()


def test_selectors_return_only_the_learners_own_checks():
    # given
    application = JobApplicationFactory()
    learner = application.learner
    older = CVCheckFactory(learner=learner, application=application)
    newer = CVCheckFactory(learner=learner, application=application)
    unattached = CVCheckFactory(learner=learner)
    CVCheckFactory(application=JobApplicationFactory())  # someone else's

    # then
    assert cv_checks_for_application(learner=learner, application=application) == [newer, older]
    assert cv_checks_for_application(learner=UserFactory(), application=application) == []
    assert list(cv_checks_for(learner=learner)) == [unattached, newer, older]


def test_prefill_starts_from_the_latest_cv_and_the_applications_last_job_text():
    # given
    application = JobApplicationFactory()
    learner = application.learner
    CVCheckFactory(learner=learner, application=application, job_text="The advert.")
    latest = CVCheckFactory(learner=learner, cv_text="My newest CV.", job_text="Other job.")

    # then
    for_application = cv_check_prefill(learner=learner, application=application)
    assert (for_application.cv_text, for_application.job_text) == ("My newest CV.", "The advert.")
    assert for_application.application == application
    again = cv_check_prefill(learner=learner, again=latest)
    assert (again.cv_text, again.job_text, again.application) == (
        "My newest CV.",
        "Other job.",
        None,
    )
    assert cv_check_prefill(learner=UserFactory()).cv_text == ""
