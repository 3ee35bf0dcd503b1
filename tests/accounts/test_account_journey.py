"""The account journeys over HTTP: sign up, verify, log in and out, reset and change things."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.accounts.mail import link_in_last_mail, mails_to

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase-for-2026"


def log_in(client, email: str, password: str):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_sign_up_verify_log_in_log_out_and_reset_the_password(client):
    email = "ada@example.com"

    # given: a visitor signs up
    response = client.post(
        reverse("account_signup"),
        {"email": email, "password1": DEFAULT_PASSWORD, "password2": DEFAULT_PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get(email=email)
    assert not EmailAddress.objects.get(user=user, email=email).verified

    # then: the account cannot be used before the address is verified
    assert not is_logged_in(client)
    assert client.get(reverse("roadmap:dashboard")).status_code == 302
    response = log_in(client, email, DEFAULT_PASSWORD)
    assert response.url == reverse("account_email_verification_sent")
    assert not is_logged_in(client)

    # when: they open the link from the mail; a GET alone (a mail scanner) confirms nothing
    confirm_path = link_in_last_mail(email, "/accounts/confirm-email/")
    page = client.get(confirm_path)
    assert page.status_code == 200
    assert not EmailAddress.objects.get(user=user, email=email).verified
    response = client.post(confirm_path)

    # then: the address is verified and they can log in
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user, email=email).verified
    response = log_in(client, email, DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("roadmap:dashboard")
    assert is_logged_in(client)
    assert client.get(reverse("roadmap:dashboard")).status_code == 200

    # when: they log out
    response = client.post(reverse("account_logout"))

    # then: they are back on the landing page, logged out
    assert response.url == reverse("home")
    assert not is_logged_in(client)
    assert client.get(reverse("roadmap:dashboard")).status_code == 302

    # when: they forget their password and ask for a reset
    response = client.post(reverse("account_reset_password"), {"email": email})
    assert response.status_code == 302
    reset_path = link_in_last_mail(email, "/accounts/password/reset/key/")
    # allauth moves the key into the session and redirects to a key-less address
    response = client.get(reset_path, follow=True)
    assert response.status_code == 200
    set_password_path = response.redirect_chain[-1][0]
    response = client.post(
        set_password_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_from_key_done")

    # then: the old password no longer works and the new one does
    response = log_in(client, email, DEFAULT_PASSWORD)
    assert response.status_code == 200
    assert not is_logged_in(client)
    response = log_in(client, email, NEW_PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(client)
    # and the owner was told their password changed
    assert any("password" in m.subject.lower() for m in mails_to(email)[1:])


def test_login_with_an_unverified_address_is_refused_and_sends_a_new_link(client):
    # given: an account whose only address was never verified
    user = UserFactory(verified=False)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)

    # when
    response = log_in(client, user.email, DEFAULT_PASSWORD)

    # then: not logged in, told to verify, and a verification link is on its way
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert not is_logged_in(client)
    assert link_in_last_mail(user.email, "/accounts/confirm-email/")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Sh0rt-pass", "at least 12 characters"),
        ("qwerty123456", "too common"),
        ("734912850367", "entirely numeric"),
    ],
)
def test_sign_up_rejects_weak_passwords_with_a_message(client, password, message):
    # when
    response = client.post(
        reverse("account_signup"),
        {"email": "weak@example.com", "password1": password, "password2": password},
    )

    # then: the form comes back with the reason, and no account exists
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(email="weak@example.com").exists()


def test_sign_up_with_a_taken_address_creates_nothing_and_reveals_nothing(client):
    # given
    existing = UserFactory()

    # when
    response = client.post(
        reverse("account_signup"),
        {"email": existing.email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    # then: the same answer as for a new address (no account enumeration), no second account,
    # and the owner is told by mail
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert User.objects.filter(email=existing.email).count() == 1
    assert mails_to(existing.email)


def test_change_email_takes_effect_only_once_the_new_address_is_verified(client):
    # given: a logged-in learner
    user = UserFactory(email="old@example.com")
    client.force_login(user)
    new = "new@example.com"

    # when: they ask to change their address
    response = client.post(reverse("account_email"), {"email": new, "action_add": ""})

    # then: nothing changes yet, the new address gets a verification link
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "old@example.com"
    assert not EmailAddress.objects.get(email=new).verified
    page = client.get(reverse("account_email")).content.decode()
    assert "pending verification" in page

    # when: they verify the new address
    client.post(link_in_last_mail(new, "/accounts/confirm-email/"))

    # then: it is the primary (and only) address, and the login
    user.refresh_from_db()
    assert user.email == new
    addresses = list(EmailAddress.objects.filter(user=user).values_list("email", "primary"))
    assert addresses == [(new, True)]
    client.post(reverse("account_logout"))
    assert log_in(client, "old@example.com", DEFAULT_PASSWORD).status_code == 200
    assert not is_logged_in(client)
    assert log_in(client, new, DEFAULT_PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_repeated_failed_logins_are_throttled_even_with_the_right_password(client):
    # given: an account, and five wrong guesses at its password (allauth's default limit)
    user = UserFactory()
    for _ in range(5):
        response = log_in(client, user.email, "not-the-password-at-all")
        assert response.status_code == 200
        assert "not correct" in response.content.decode()

    # when: the right password comes next
    response = log_in(client, user.email, DEFAULT_PASSWORD)

    # then: it is refused until the window passes, with the "Too many attempts" page and 429
    # like every other rate limit
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert not is_logged_in(client)


def test_the_other_accounts_logins_are_not_throttled_by_one_accounts_failures(client):
    # given: one account is locked out by failed guesses
    locked, other = UserFactory(), UserFactory()
    for _ in range(6):
        log_in(client, locked.email, "not-the-password-at-all")

    # when / then: another account on the same address still logs in
    assert log_in(client, other.email, DEFAULT_PASSWORD).status_code == 302
