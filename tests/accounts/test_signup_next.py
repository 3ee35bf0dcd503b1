"""Sign-up in our own voice: the browser's timezone kept (the server checks it), logged in by
confirming the address in the same browser, then sent on to choose a path."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import DEFAULT_PASSWORD
from tests.accounts.mail import link_in_last_mail, mails_to

pytestmark = pytest.mark.django_db

EMAIL = "grace@example.com"


def sign_up(client, **extra):
    data = {"email": EMAIL, "password1": DEFAULT_PASSWORD, "password2": DEFAULT_PASSWORD}
    return client.post(reverse("account_signup"), {**data, **extra})


def test_the_timezone_chosen_at_sign_up_is_the_accounts(client):
    # when: a visitor signs up with the timezone their browser reported
    response = sign_up(client, timezone="Europe/Berlin")

    # then: the account has it, so "09:00" reminders come at nine in Berlin
    assert response.status_code == 302
    assert User.objects.get(email=EMAIL).timezone == "Europe/Berlin"


def test_an_unknown_timezone_is_refused_with_a_message_and_creates_nothing(client):
    response = sign_up(client, timezone="Mars/Olympus_Mons")

    assert response.status_code == 200
    assert "is not a timezone we know" in response.content.decode()
    assert not User.objects.filter(email=EMAIL).exists()


def test_the_sign_up_page_offers_the_timezone_list_for_the_browser_to_pre_select(client):
    html = client.get(reverse("account_signup")).content.decode()

    assert '<select name="timezone"' in html and "data-detect-timezone" in html
    assert '<option value="UTC" selected>' in html


def test_confirming_the_address_logs_in_and_leads_to_choosing_a_path(client):
    # given: a visitor signed up in this browser
    sign_up(client, timezone="UTC")
    assert "_auth_user_id" not in client.session

    # when: they confirm the address from the mail
    response = client.post(link_in_last_mail(EMAIL, "/accounts/confirm-email/"))

    # then: they are logged in and sent to choose a path to enrol in
    assert EmailAddress.objects.get(email=EMAIL).verified
    assert "_auth_user_id" in client.session
    assert response.status_code == 302 and response.url == reverse("roadmap:path_list")


STOCK_WORDING = (
    "Verify Your Email Address",
    "Confirm Access",
    "Please reauthenticate",
    "Please contact us",
    "Password Reset",
    "Sign Out",
    "Confirm Email Address",
    "Successfully signed in",
)


def test_allauth_pages_and_mails_speak_in_the_sites_voice(client):
    # given: the pages a visitor meets, then those a learner meets
    pages = [
        client.get("/accounts/password/reset/"),
        client.get("/accounts/password/reset/done/"),
        client.get("/accounts/password/reset/key/1-bad/"),
        client.get("/accounts/confirm-email/bad-key/"),
    ]
    sign_up(client)
    pages.append(client.get(reverse("account_email_verification_sent")))
    mail_text = mails_to(EMAIL)[-1]
    confirmed = client.post(link_in_last_mail(EMAIL, "/accounts/confirm-email/"), follow=True)
    pages += [
        confirmed,
        client.get("/accounts/logout/"),
        client.get("/accounts/password/change/"),
        client.get("/accounts/reauthenticate/"),
    ]

    # then: every page answers in the site's layout, with none of allauth's stock wording
    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200, page.request["PATH_INFO"]
        assert 'class="site-header"' in html, page.request["PATH_INFO"]
        for phrase in STOCK_WORDING:
            assert phrase not in html, (phrase, page.request["PATH_INFO"])
    assert mail_text.subject.endswith("Confirm your email address")
    assert "Next: choose your career path and enrol." in confirmed.content.decode()
