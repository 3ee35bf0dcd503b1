"""Writes to job applications and the reads built on them: create, edit, move, contacts,
filters and the follow-ups that are due."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from portfolio.models import (
    ApplicationContact,
    ApplicationStatus,
    ApplicationStatusChange,
    JobApplication,
)
from portfolio.selectors import applications as selectors
from portfolio.services import applications as services
from tests.accounts.factories import UserFactory
from tests.portfolio.factories import ApplicationContactFactory, JobApplicationFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
TODAY = T0.date()


@pytest.fixture
def learner():
    return UserFactory()


def history(application) -> list[tuple]:
    return list(
        application.status_changes.order_by("changed_at", "id").values_list(
            "from_status", "to_status", "changed_at"
        )
    )


def create(learner, **data):
    return services.application_create(
        learner=learner, data={"company": "Acme", "role": "AI PM", **data}, now=T0
    )


# --- Create and edit ---------------------------------------------------------------------------


def test_an_application_starts_saved_with_its_first_history_entry(learner):
    # when
    application = create(
        learner,
        posting_url="https://jobs.example.com/42",
        source=" Referral ",
        salary_min="60000",
        salary_max=75000,
        salary_currency="eur",
        next_action="Ask Sam for an intro",
        next_action_on="2026-03-12",
        notes="Team of six.",
    )

    # then
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SAVED
    assert application.status_changed_at == T0
    assert (application.source, application.salary_currency) == ("Referral", "EUR")
    assert (application.salary_min, application.salary_max) == (60000, 75000)
    assert application.next_action_on == dt.date(2026, 3, 12)
    assert history(application) == [("", "saved", T0)]


def test_an_application_may_start_further_along(learner):
    application = create(learner, status="applied")

    assert application.status == "applied"
    assert history(application) == [("", "applied", T0)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"company": ""}, "Give the company"),
        ({"role": " "}, "Give the role"),
        ({"status": "ghosted"}, "“ghosted” is not an application status"),
        ({"posting_url": "jobs.example.com/42"}, "must start with http:// or https://"),
        ({"posting_url": "javascript:alert(1)"}, "must start with http:// or https://"),
        ({"salary_min": "-5"}, "whole number from 0"),
        ({"salary_min": "lots"}, "whole number from 0"),
        ({"salary_min": 80000, "salary_max": 60000}, "ends (60,000) below where it starts"),
        ({"salary_currency": "euro"}, "at most 3 characters"),
        ({"salary_currency": "E1R"}, "three-letter code"),
        ({"next_action_on": "next Friday"}, "must be a date"),
        ({"notes": "x" * 10_001}, "at most 10000 characters"),
        ({"learner_id": 3}, "cannot be set here: learner_id"),
    ],
)
def test_bad_input_gets_a_clear_message_and_writes_nothing(learner, data, message):
    with pytest.raises(ValidationError) as error:
        create(learner, **data)

    assert message in " ".join(error.value.messages)
    assert not JobApplication.objects.exists()
    assert not ApplicationStatusChange.objects.exists()


def test_an_update_changes_only_the_fields_given(learner):
    # given
    application = create(learner, source="Board", salary_min=50000)

    # when
    services.application_update(
        learner=learner,
        application=application,
        data={"next_action": "Send thank-you note", "salary_max": 65000},
    )

    # then
    application.refresh_from_db()
    assert application.next_action == "Send thank-you note"
    assert (application.salary_min, application.salary_max) == (50000, 65000)
    assert application.source == "Board"


def test_an_update_checks_the_salary_range_against_what_is_stored(learner):
    application = create(learner, salary_min=50000)

    with pytest.raises(ValidationError, match="below where it starts"):
        services.application_update(
            learner=learner, application=application, data={"salary_max": 40000}
        )

    application.refresh_from_db()
    assert application.salary_max is None


def test_an_update_does_not_change_the_status(learner):
    # given
    application = create(learner)

    # when / then: the same status passes (an API may send the whole object), another does not
    services.application_update(
        learner=learner, application=application, data={"status": "saved", "role": "PM"}
    )
    with pytest.raises(ValidationError, match="Move the application"):
        services.application_update(
            learner=learner, application=application, data={"status": "offer"}
        )
    application.refresh_from_db()
    assert (application.status, application.role) == ("saved", "PM")


# --- Moving ------------------------------------------------------------------------------------


def test_each_move_is_recorded_with_from_to_and_when(learner):
    # given
    application = create(learner)
    t1, t2 = T0 + dt.timedelta(days=2), T0 + dt.timedelta(days=9)

    # when
    services.application_move(learner=learner, application=application, status="applied", now=t1)
    services.application_move(
        learner=learner, application=application, status="interviewing", now=t2
    )

    # then
    application.refresh_from_db()
    assert (application.status, application.status_changed_at) == ("interviewing", t2)
    assert history(application) == [
        ("", "saved", T0),
        ("saved", "applied", t1),
        ("applied", "interviewing", t2),
    ]


def test_moving_to_the_same_status_changes_nothing(learner):
    application = create(learner, status="applied")

    services.application_move(
        learner=learner, application=application, status="applied", now=T0 + dt.timedelta(1)
    )

    application.refresh_from_db()
    assert application.status_changed_at == T0
    assert len(history(application)) == 1


def test_an_unknown_status_is_refused(learner):
    application = create(learner)

    with pytest.raises(ValidationError, match="not an application status"):
        services.application_move(learner=learner, application=application, status="hired")

    application.refresh_from_db()
    assert application.status == "saved" and len(history(application)) == 1


def test_any_status_can_follow_any_other(learner):
    # a rejection after an offer, or a withdrawn application reopened, both happen
    application = create(learner)
    for status in ("offer", "rejected", "saved", "withdrawn", "accepted"):
        services.application_move(learner=learner, application=application, status=status)
    assert [h[1] for h in history(application)] == [
        "saved",
        "offer",
        "rejected",
        "saved",
        "withdrawn",
        "accepted",
    ]


def test_someone_elses_application_is_refused_by_every_service(learner):
    # given
    theirs = JobApplicationFactory()

    # when / then
    for call in (
        lambda: services.application_update(
            learner=learner, application=theirs, data={"role": "Mine"}
        ),
        lambda: services.application_move(learner=learner, application=theirs, status="offer"),
        lambda: services.application_delete(learner=learner, application=theirs),
        lambda: services.application_contact_add(
            learner=learner, application=theirs, data={"name": "Sam"}
        ),
    ):
        with pytest.raises(PermissionDenied):
            call()
    theirs.refresh_from_db()
    assert (theirs.role, theirs.status) == ("AI Project Manager", "saved")
    assert not theirs.contacts.exists()


def test_deleting_takes_the_history_and_contacts_with_it(learner):
    application = create(learner)
    ApplicationContactFactory(application=application)

    services.application_delete(learner=learner, application=application)

    assert not JobApplication.objects.exists()
    assert not ApplicationStatusChange.objects.exists()
    assert not ApplicationContact.objects.exists()


# --- Contacts ----------------------------------------------------------------------------------


def test_contacts_are_added_checked_and_removed(learner):
    # given
    application = create(learner)

    # when
    contact = services.application_contact_add(
        learner=learner,
        application=application,
        data={"name": " Sam Lee ", "title": "Recruiter", "email": "sam@acme.example"},
    )

    # then
    assert (contact.name, contact.email) == ("Sam Lee", "sam@acme.example")
    with pytest.raises(ValidationError, match="Give the name"):
        services.application_contact_add(learner=learner, application=application, data={})
    with pytest.raises(ValidationError, match="is not an email address"):
        services.application_contact_add(
            learner=learner, application=application, data={"name": "X", "email": "sam at acme"}
        )
    other = ApplicationContactFactory()
    with pytest.raises(ApplicationContact.DoesNotExist):
        services.application_contact_remove(
            learner=learner, application=application, contact_id=other.pk
        )
    services.application_contact_remove(
        learner=learner, application=application, contact_id=contact.pk
    )
    assert list(ApplicationContact.objects.all()) == [other]


# --- Reads -------------------------------------------------------------------------------------


def test_application_get_answers_404_for_someone_elses(learner):
    mine, theirs = create(learner), JobApplicationFactory()

    assert selectors.application_get(learner=learner, pk=mine.pk) == mine
    with pytest.raises(Http404):
        selectors.application_get(learner=learner, pk=theirs.pk)


def test_applications_for_filters_by_status_state_text_and_due(learner):
    # given
    def app(company, role, status="saved", due=None):
        return JobApplicationFactory(
            learner=learner, company=company, role=role, status=status, next_action_on=due
        )

    overdue = app("Acme", "AI PM", "applied", TODAY - dt.timedelta(days=1))
    soon = app("Globex", "Delivery lead", "interviewing", TODAY + dt.timedelta(days=3))
    later = app("Initech", "AI PM", "saved", TODAY + dt.timedelta(days=30))
    closed = app("Acme Labs", "PMO analyst", "rejected", TODAY - dt.timedelta(days=2))
    JobApplicationFactory(company="Acme", role="AI PM")  # someone else's

    def found(**kwargs):
        qs = selectors.applications_for(
            learner=learner, filters=selectors.ApplicationFilters(**kwargs), today=TODAY
        )
        return set(qs)

    # then
    assert found() == {overdue, soon, later, closed}
    assert found(status="applied") == {overdue}
    assert set(selectors.applications_for(learner=learner, status="rejected")) == {closed}
    assert found(state="open") == {overdue, soon, later}
    assert found(state="closed") == {closed}
    assert found(q="acme") == {overdue, closed}
    assert found(q="ai pm") == {overdue, later}
    assert found(due="overdue") == {overdue}
    assert found(due="soon") == {soon}
    assert found(due="dated") == {overdue, soon, later}


def test_follow_ups_due_are_open_ones_within_the_window_earliest_first(learner):
    # given
    overdue = JobApplicationFactory(learner=learner, next_action_on=TODAY - dt.timedelta(1))
    today = JobApplicationFactory(learner=learner, next_action_on=TODAY, status="applied")
    in_a_week = JobApplicationFactory(learner=learner, next_action_on=TODAY + dt.timedelta(7))
    JobApplicationFactory(learner=learner, next_action_on=TODAY + dt.timedelta(8))
    JobApplicationFactory(learner=learner, next_action_on=TODAY, status="rejected")
    JobApplicationFactory(learner=learner, next_action_on=None)
    JobApplicationFactory(next_action_on=TODAY)  # someone else's

    # when
    due = list(selectors.follow_ups_due(learner=learner, today=TODAY))
    due_in_3 = list(selectors.follow_ups_due(learner=learner, today=TODAY, days_ahead=3))

    # then
    assert due == [overdue, today, in_a_week]
    assert due_in_3 == [overdue, today]


def test_the_board_has_one_column_per_status_in_pipeline_order(learner):
    # given
    applied = JobApplicationFactory(learner=learner, status="applied")
    offer = JobApplicationFactory(learner=learner, status="offer")

    # when
    columns = selectors.board_columns(learner=learner)

    # then
    assert [c.status for c in columns] == list(ApplicationStatus.values)
    by_status = {c.status: c.applications for c in columns}
    assert by_status["applied"] == [applied] and by_status["offer"] == [offer]
    assert by_status["saved"] == []
