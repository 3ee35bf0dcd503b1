"""Application pages through HTTP: add, edit, the filtered list, the detail page with its
history and contacts, privacy, layout and query counts (the board has its own tests)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portfolio.models import ApplicationContact, ApplicationStatusChange, JobApplication
from tests.accounts.factories import UserFactory
from tests.portfolio.factories import (
    ApplicationContactFactory,
    ApplicationStatusChangeFactory,
    JobApplicationFactory,
)
from tests.portfolio.layout import assert_page_layout

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"portfolio:{name}", args=args)


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


@pytest.fixture
def learner():
    return UserFactory()


@pytest.fixture
def logged_in(client, learner):
    client.force_login(learner)
    return client


def application_data(**overrides) -> dict:
    return {
        "company": "Acme",
        "role": "AI Project Manager",
        "status": "saved",
        "posting_url": "https://jobs.acme.example/42",
        "source": "Referral",
        "salary_min": "60000",
        "salary_max": "75000",
        "salary_currency": "eur",
        "next_action": "Ask Sam for an intro",
        "next_action_on": "2026-03-12",
        "notes": "Team of six.",
        **overrides,
    }


# --- Access ------------------------------------------------------------------------------------


def test_every_page_needs_a_login(client):
    application = JobApplicationFactory()
    for address, method in [
        (url("application_board"), "get"),
        (url("application_list"), "get"),
        (url("application_new"), "get"),
        (url("application_new"), "post"),
        (url("application_detail", application.pk), "get"),
        (url("application_edit", application.pk), "post"),
        (url("application_move", application.pk), "post"),
        (url("application_delete", application.pk), "post"),
        (url("application_contact_add", application.pk), "post"),
    ]:
        response = getattr(client, method)(address, {"status": "offer"})
        assert response.status_code == 302, address
        assert response.url.startswith(reverse("account_login")), address
    application.refresh_from_db()
    assert application.status == "saved"


def test_another_learners_application_answers_404_at_every_address(logged_in):
    # given
    theirs = JobApplicationFactory(role="Theirs")
    contact = ApplicationContactFactory(application=theirs)

    # when / then
    for address, method, data in [
        (url("application_detail", theirs.pk), "get", {}),
        (url("application_edit", theirs.pk), "get", {}),
        (url("application_edit", theirs.pk), "post", application_data(role="Mine")),
        (url("application_move", theirs.pk), "post", {"status": "offer"}),
        (url("application_delete", theirs.pk), "post", {}),
        (url("application_contact_add", theirs.pk), "post", {"name": "Me"}),
        (url("application_contact_delete", theirs.pk, contact.pk), "post", {}),
    ]:
        assert getattr(logged_in, method)(address, data).status_code == 404, address
    theirs.refresh_from_db()
    assert (theirs.role, theirs.status) == ("Theirs", "saved")
    assert list(theirs.contacts.all()) == [contact]


def test_a_contact_of_another_application_answers_404_on_ones_own(logged_in, learner):
    mine = JobApplicationFactory(learner=learner)
    theirs = ApplicationContactFactory()

    response = logged_in.post(url("application_contact_delete", mine.pk, theirs.pk))

    assert response.status_code == 404
    assert ApplicationContact.objects.filter(pk=theirs.pk).exists()


# --- Adding and editing ------------------------------------------------------------------------


def test_a_learner_adds_an_application(logged_in, learner):
    # when
    response = logged_in.post(url("application_new"), application_data(), follow=True)

    # then
    application = JobApplication.objects.get(learner=learner)
    assert response.redirect_chain == [(application.get_absolute_url(), 302)]
    assert "“AI Project Manager at Acme” is on your board." in messages_of(response)
    assert (application.salary_currency, application.salary_max) == ("EUR", 75000)
    html = response.content.decode()
    assert "Added as Saved" in html and "Ask Sam for an intro" in html
    assert "60,000–75,000 EUR" in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"company": ""}, "This field is required"),
        ({"status": "ghosted"}, "Select a valid choice"),
        ({"posting_url": "acme.example/jobs"}, "must start with http:// or https://"),
        ({"salary_min": "90000"}, "below where it starts"),
        ({"salary_min": "-1"}, "greater than or equal to 0"),
        ({"next_action_on": "soon"}, "Enter a date such as 2026-06-30"),
    ],
)
def test_bad_input_keeps_the_form_with_a_message_and_writes_nothing(logged_in, overrides, message):
    response = logged_in.post(url("application_new"), application_data(**overrides))

    assert response.status_code == 200
    assert message in messages_of(response) and "Nothing changed" in messages_of(response)
    assert 'value="Referral"' in response.content.decode()
    assert not JobApplication.objects.exists()
    assert_page_layout(response.content.decode(), logged_in=True)


def test_editing_changes_the_fields_but_not_the_status(logged_in, learner):
    # given
    application = JobApplicationFactory(learner=learner, status="applied", source="Board")

    # when
    form = logged_in.get(url("application_edit", application.pk))
    response = logged_in.post(
        url("application_edit", application.pk),
        application_data(source="Referral", status="offer"),
        follow=True,
    )

    # then: the edit form has no status field; a posted one is ignored
    assert 'name="status"' not in form.content.decode()
    assert 'value="Board"' in form.content.decode()
    assert "Application saved." in messages_of(response)
    application.refresh_from_db()
    assert (application.source, application.status) == ("Referral", "applied")


def test_a_refused_edit_changes_nothing(logged_in, learner):
    application = JobApplicationFactory(learner=learner, company="Kept")

    response = logged_in.post(
        url("application_edit", application.pk),
        application_data(company="New", salary_currency="12"),
    )

    assert response.status_code == 200 and "three-letter code" in messages_of(response)
    application.refresh_from_db()
    assert application.company == "Kept"


def test_contacts_are_added_and_removed(logged_in, learner):
    # given
    application = JobApplicationFactory(learner=learner)

    # when
    added = logged_in.post(
        url("application_contact_add", application.pk),
        {"name": "Sam Lee", "title": "Recruiter", "email": "sam@acme.example"},
        follow=True,
    )
    refused = logged_in.post(
        url("application_contact_add", application.pk),
        {"name": "X", "email": "not an email"},
        follow=True,
    )

    # then
    assert "Contact added." in messages_of(added)
    assert "Sam Lee" in added.content.decode() and "mailto:sam@acme.example" in (
        added.content.decode()
    )
    assert "Nothing changed" in messages_of(refused)
    contact = ApplicationContact.objects.get()
    removed = logged_in.post(
        url("application_contact_delete", application.pk, contact.pk), follow=True
    )
    assert "Contact removed." in messages_of(removed)
    assert not ApplicationContact.objects.exists()


def test_deleting_an_application(logged_in, learner):
    application = JobApplicationFactory(learner=learner, role="PM", company="Acme")

    response = logged_in.post(url("application_delete", application.pk), follow=True)

    assert response.redirect_chain[-1][0] == url("application_board")
    assert "“PM at Acme” is deleted." in messages_of(response)
    assert not JobApplication.objects.exists()


def test_the_detail_page_moves_without_javascript_and_shows_the_history(logged_in, learner):
    # given
    application = JobApplicationFactory(learner=learner)
    ApplicationStatusChangeFactory(application=application, to_status="saved")
    detail = application.get_absolute_url()

    # when
    response = logged_in.post(
        url("application_move", application.pk),
        {"status": "applied", "next": detail},
        follow=True,
    )

    # then
    assert response.redirect_chain == [(detail, 302)]
    assert "is now in Applied" in messages_of(response)
    html = response.content.decode()
    assert "Added as Saved" in html and "Saved → Applied" in html
    assert ApplicationStatusChange.objects.filter(application=application).count() == 2


def test_the_detail_page_offers_a_cv_check_for_this_application(logged_in, learner):
    application = JobApplicationFactory(learner=learner)

    html = logged_in.get(application.get_absolute_url()).content.decode()

    cv_new = reverse("portfolio:cv_check_new")
    assert f'href="{cv_new}?application={application.pk}">Run a CV check</a>' in html


# --- The list ----------------------------------------------------------------------------------


def test_the_list_filters_by_status_state_text_and_due(logged_in, learner):
    # given
    today = timezone.localdate()
    overdue = JobApplicationFactory(
        learner=learner, company="Acme", role="AI PM", status="applied",
        next_action_on=today - dt.timedelta(days=2),
    )  # fmt: skip
    closed = JobApplicationFactory(learner=learner, company="Globex", status="rejected")
    JobApplicationFactory(company="Acme")  # someone else's

    def listed(**params):
        response = logged_in.get(url("application_list"), params)
        assert response.status_code == 200
        return set(response.context["page"].object_list)

    # then
    assert listed() == {overdue, closed}
    assert listed(status="applied") == {overdue}
    assert listed(state="closed") == {closed}
    assert listed(q="acme") == {overdue}
    assert listed(due="overdue") == {overdue}
    assert listed(q="nothing-like-it") == set()
    html = logged_in.get(url("application_list")).content.decode()
    assert "overdue by 2 days" in html


def test_filters_that_are_not_understood_show_everything_with_the_reason(logged_in, learner):
    application = JobApplicationFactory(learner=learner)

    response = logged_in.get(url("application_list"), {"status": "ghosted"})

    assert list(response.context["page"].object_list) == [application]
    assert "Some filters were not understood" in response.content.decode()


def test_the_list_is_paginated_and_keeps_the_filters(logged_in, learner):
    # given: 30 open applications
    JobApplicationFactory.create_batch(30, learner=learner, status="applied")

    # when
    first = logged_in.get(url("application_list"), {"state": "open"})
    second = logged_in.get(url("application_list"), {"state": "open", "page": "2"})

    # then
    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5
    assert 'href="?state=open&amp;page=2"' in first.content.decode()
    assert "Page 2 of 2" in second.content.decode()


# --- Layout and query counts -------------------------------------------------------------------


@pytest.mark.parametrize("n", [5, 50])
def test_pages_run_a_fixed_number_of_queries_and_share_the_layout(
    logged_in, learner, n, django_assert_max_num_queries
):
    # given: n applications with a history entry and a contact each
    statuses = ["saved", "applied", "interviewing", "offer", "rejected"]
    for i in range(n):
        application = JobApplicationFactory(
            learner=learner,
            status=statuses[i % 5],
            next_action_on=timezone.localdate() + dt.timedelta(days=i % 10 - 3),
            next_action="Follow up",
        )
        ApplicationStatusChangeFactory.create_batch(2, application=application)
        ApplicationContactFactory.create_batch(2, application=application)
    application = JobApplication.objects.filter(learner=learner).first()

    # when / then: session + user, then each page's own reads
    for address, limit in [
        (url("application_board"), 2 + 1),
        (url("application_list"), 2 + 2),  # count, page
        (url("application_list") + "?q=Company&state=open&due=soon", 2 + 2),
        (url("application_new"), 2),
        (application.get_absolute_url(), 2 + 4),  # application, contacts, history, CV checks
        (url("application_edit", application.pk), 2 + 1),
    ]:
        with django_assert_max_num_queries(limit):
            response = logged_in.get(address)
        assert response.status_code == 200, address
        assert_page_layout(response.content.decode(), logged_in=True)


def test_the_nav_marks_applications_as_the_current_page(logged_in):
    html = logged_in.get(url("application_list")).content.decode()

    assert f'<a href="{url("application_board")}" aria-current="page">Applications</a>' in html
    assert f'<a href="{url("application_list")}" aria-current="page">List</a>' in html
