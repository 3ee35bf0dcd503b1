"""Log-in rate limits: the site's log-in page and the admin's share allauth's limits, one budget
per account and per address, and a refused attempt answers 429 "Too many attempts"."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-at-all"


def admin_log_in(client: Client, email: str, password: str):
    return client.post(
        reverse("admin:login"),
        {"username": email, "password": password, "next": reverse("admin:index")},
    )


def site_log_in(client: Client, email: str, password: str):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def assert_too_many_attempts(response) -> None:
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def test_the_admin_locks_an_account_after_five_wrong_passwords(client):
    # given: a staff account and five wrong guesses at its password on the admin's log-in page
    staff = UserFactory(is_staff=True)
    for _ in range(5):
        response = admin_log_in(client, staff.email, WRONG)
        assert response.status_code == 200
        assert not is_logged_in(client)

    # when: the right password comes next
    response = admin_log_in(client, staff.email, DEFAULT_PASSWORD)

    # then: refused, as on the site's log-in page, until the window passes
    assert_too_many_attempts(response)
    assert not is_logged_in(client)


def test_the_admin_and_the_site_count_failures_of_an_account_together(client):
    # given: three wrong guesses on the admin's page and two on the site's, from two addresses
    staff = UserFactory(is_staff=True)
    for _ in range(3):
        admin_log_in(Client(REMOTE_ADDR="10.0.0.1"), staff.email.upper(), WRONG)
    for _ in range(2):
        site_log_in(Client(REMOTE_ADDR="10.0.0.2"), staff.email, WRONG)

    # when / then: the account is locked on both pages
    assert_too_many_attempts(site_log_in(client, staff.email, DEFAULT_PASSWORD))
    assert_too_many_attempts(admin_log_in(client, staff.email, DEFAULT_PASSWORD))
    assert not is_logged_in(client)


def test_the_admin_limits_failed_logins_per_address():
    # given: ten wrong guesses from one address, each at a different account (10/m/ip)
    guesser = Client(REMOTE_ADDR="10.0.0.7")
    for _ in range(10):
        admin_log_in(guesser, UserFactory(is_staff=True).email, WRONG)
    staff = UserFactory(is_staff=True)

    # when: an account nobody guessed at, with its right password, from the same address
    response = admin_log_in(guesser, staff.email, DEFAULT_PASSWORD)

    # then: refused; from another address it logs in
    assert_too_many_attempts(response)
    other = Client(REMOTE_ADDR="10.0.0.8")
    assert admin_log_in(other, staff.email, DEFAULT_PASSWORD).status_code == 302
    assert is_logged_in(other)


@override_settings(ACCOUNT_RATE_LIMITS={"login": "3/m/ip"})
def test_the_admin_limits_log_in_attempts_per_address(client):
    # given: allauth's limit on log-in attempts per address, lowered to three a minute
    staff = UserFactory(is_staff=True)
    for _ in range(3):
        admin_log_in(client, UserFactory(is_staff=True).email, DEFAULT_PASSWORD)
        client.logout()

    # when / then: the fourth is refused whatever it sends
    assert_too_many_attempts(admin_log_in(client, staff.email, DEFAULT_PASSWORD))


def test_a_good_admin_login_still_works_and_a_learner_is_not_let_in(client):
    # given
    staff, learner = UserFactory(is_staff=True), UserFactory()

    # when / then: staff get in; a learner with the right password gets the admin's refusal
    refused = admin_log_in(Client(), learner.email, DEFAULT_PASSWORD)
    assert refused.status_code == 200
    assert "staff account" in refused.content.decode()
    response = admin_log_in(client, staff.email, DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
