"""The application board: one column per status, moves with a plain form (no JavaScript) or in
place with htmx, and the same number of queries with 5 or 50 applications."""

import re

import pytest
from django.urls import reverse

from portfolio.models import ApplicationStatus, ApplicationStatusChange
from tests.accounts.factories import UserFactory
from tests.portfolio.factories import JobApplicationFactory
from tests.portfolio.layout import assert_page_layout

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
BOARD = reverse("portfolio:application_board")


def move_url(application) -> str:
    return reverse("portfolio:application_move", args=[application.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def column_of(html: str, application) -> str:
    """The status of the column whose section holds the application's card."""
    position = html.index(f'id="application-{application.pk}"')
    starts = [(m.start(), m.group(1)) for m in re.finditer(r'id="column-(\w+)"', html)]
    return [status for start, status in starts if start < position][-1]


@pytest.fixture
def learner():
    return UserFactory()


@pytest.fixture
def logged_in(client, learner):
    client.force_login(learner)
    return client


def test_the_board_has_a_column_per_status_and_a_move_form_on_each_card(logged_in, learner):
    # given
    saved = JobApplicationFactory(learner=learner, role="Delivery lead", company="Acme")
    offer = JobApplicationFactory(learner=learner, status="offer")
    JobApplicationFactory(role="Someone else's card")

    # when
    response = logged_in.get(BOARD)

    # then: seven columns in pipeline order, each card in its own
    html = response.content.decode()
    assert re.findall(r'id="column-(\w+)"', html) == list(ApplicationStatus.values)
    assert column_of(html, saved) == "saved" and column_of(html, offer) == "offer"
    assert "Someone else" not in html
    # a plain form that works without JavaScript, enhanced by htmx
    assert f'<form method="post" action="{move_url(saved)}" class="move-form"' in html
    assert f'hx-post="{move_url(saved)}" hx-target="#application-board"' in html
    assert f'<select id="move-{saved.pk}" name="status">' in html
    assert (
        f'<label for="move-{saved.pk}" class="visually-hidden">Move “Delivery lead at Acme” to'
        in html
    )
    assert '<script src="/static/js/board.js" defer></script>' in html
    assert_page_layout(html, logged_in=True)


def test_a_move_without_javascript_redirects_back_with_a_message(logged_in, learner):
    # given
    application = JobApplicationFactory(learner=learner, role="PM", company="Acme")

    # when
    response = logged_in.post(
        move_url(application), {"status": "interviewing", "next": BOARD}, follow=True
    )

    # then
    assert response.redirect_chain == [(BOARD, 302)]
    assert messages_of(response) == ["“PM at Acme” is now in Interviewing."]
    assert column_of(response.content.decode(), application) == "interviewing"
    application.refresh_from_db()
    assert application.status == "interviewing"
    change = ApplicationStatusChange.objects.get(application=application)
    assert (change.from_status, change.to_status) == ("saved", "interviewing")


def test_a_move_by_htmx_answers_with_the_board_and_announces_it(logged_in, learner):
    # given
    application = JobApplicationFactory(learner=learner, role="PM", company="Acme")

    # when
    response = logged_in.post(move_url(application), {"status": "applied", "next": BOARD}, **HTMX)

    # then: the board alone, the card in its new column, the news in the live region
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Vary"].count("HX-Request") == 1
    assert html.lstrip().startswith('<div id="application-board" class="board">')
    assert "<html" not in html
    assert column_of(html, application) == "applied"
    assert (
        '<p id="board-status" class="board-status" role="status" hx-swap-oob="true">'
        "“PM at Acme” is now in Applied.</p>"
    ) in html
    # the swapped cards still post back to the board without JavaScript
    assert f'name="next" value="{BOARD}"' in html
    # no message left over for the next full page
    assert messages_of(logged_in.get(BOARD)) == []


def test_an_unknown_status_changes_nothing(logged_in, learner):
    application = JobApplicationFactory(learner=learner)

    plain = logged_in.post(move_url(application), {"status": "hired", "next": BOARD}, follow=True)
    htmx = logged_in.post(move_url(application), {"status": "hired"}, **HTMX)

    assert messages_of(plain) == ["Nothing changed: “hired” is not an application status."]
    assert htmx.status_code == 400
    application.refresh_from_db()
    assert application.status == "saved"
    assert not ApplicationStatusChange.objects.exists()


def test_moving_to_the_same_column_records_nothing(logged_in, learner):
    application = JobApplicationFactory(learner=learner, status="applied")

    logged_in.post(move_url(application), {"status": "applied"}, **HTMX)

    assert not ApplicationStatusChange.objects.exists()


def test_next_must_be_a_local_address(logged_in, learner):
    application = JobApplicationFactory(learner=learner)

    response = logged_in.post(
        move_url(application), {"status": "applied", "next": "https://evil.example/"}
    )

    assert response.url == application.get_absolute_url()


def test_an_htmx_move_after_the_session_ended_sends_the_whole_page_to_the_login(client):
    application = JobApplicationFactory()

    response = client.post(move_url(application), {"status": "offer", "next": BOARD}, **HTMX)

    assert response.status_code == 401
    assert (
        response["HX-Redirect"] == f"{reverse('account_login')}?next=%2Fportfolio%2Fapplications%2F"
    )
    application.refresh_from_db()
    assert application.status == "saved"


@pytest.mark.parametrize("n", [5, 50])
def test_the_board_and_a_move_run_a_fixed_number_of_queries(
    logged_in, learner, n, django_assert_max_num_queries
):
    # given: n applications spread over every column
    statuses = list(ApplicationStatus.values)
    applications = [
        JobApplicationFactory(learner=learner, status=statuses[i % len(statuses)]) for i in range(n)
    ]

    # when / then: session + user + the applications
    with django_assert_max_num_queries(2 + 1):
        assert logged_in.get(BOARD).status_code == 200

    # and a move in place: the application, savepoint, lock, update, history row, release,
    # then the board again
    with django_assert_max_num_queries(2 + 7):
        response = logged_in.post(move_url(applications[0]), {"status": "offer"}, **HTMX)
    assert response.status_code == 200
    assert response.content.decode().count('class="board-card"') == n
