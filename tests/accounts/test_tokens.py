"""Personal access tokens on the settings page: made with a name and a lifetime, shown once,
stored as a prefix and a SHA-256, revoked with one button; each learner sees only their own."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import PersonalAccessToken
from accounts.tokens import fingerprint
from tests.accounts.factories import UserFactory
from tests.test_layout import assert_shared_layout, parse  # noqa: E402

pytestmark = pytest.mark.django_db

TOKENS_URL = reverse("accounts:tokens")
API_URL = "/api/v1/paths/"


def revoke_url(pk: int) -> str:
    return reverse("accounts:token_revoke", kwargs={"pk": pk})


def api_get(client, token: str):
    return client.get(API_URL, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_anonymous_visitors_are_sent_to_log_in(client):
    token = PersonalAccessToken.objects.create(
        learner=UserFactory(), name="x", prefix="abcdef01", token_hash="0" * 64
    )
    for url, method in [(TOKENS_URL, client.get), (TOKENS_URL, client.post)]:
        response = method(url)
        assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    response = client.post(revoke_url(token.pk))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert PersonalAccessToken.objects.filter(pk=token.pk).exists()


def test_creating_a_token_shows_it_once_and_stores_only_its_fingerprint(client):
    # given
    learner = UserFactory()
    client.force_login(learner)

    # when
    response = client.post(TOKENS_URL, {"name": "backup script", "lifetime": "90"}, follow=True)

    # then: shown once in a read-only field
    page = response.content.decode()
    assert response.redirect_chain == [(TOKENS_URL, 302)]
    assert "Copy it now: it is shown only once." in page
    token = re.search(r'id="new-token" type="text" readonly value="([^"]+)"', page).group(1)
    assert re.fullmatch(r"cpat_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", token)
    row = PersonalAccessToken.objects.get(learner=learner)
    assert (row.name, row.prefix, row.token_hash) == (
        "backup script",
        token[5:13],
        fingerprint(token),
    )
    assert row.expires_at.date() == (timezone.now() + dt.timedelta(days=90)).date()
    assert token not in client.get(TOKENS_URL).content.decode()
    # and it works for the API
    assert api_get(client, token).status_code == 200


def test_a_token_without_a_name_is_refused_and_nothing_is_created(client):
    learner = UserFactory()
    client.force_login(learner)

    response = client.post(TOKENS_URL, {"name": "   ", "lifetime": "90"})

    assert response.status_code == 400
    assert "Nothing changed" in response.content.decode()
    assert not PersonalAccessToken.objects.exists()


def test_an_unknown_lifetime_is_refused(client):
    client.force_login(UserFactory())
    response = client.post(TOKENS_URL, {"name": "x", "lifetime": "forever-and-a-day"})
    assert response.status_code == 400
    assert not PersonalAccessToken.objects.exists()


def test_a_learner_has_at_most_twenty_tokens(client):
    # given
    learner = UserFactory()
    for index in range(services.ACCESS_TOKEN_LIMIT):
        services.access_token_create(learner=learner, name=f"t{index}", lifetime_days=None)
    client.force_login(learner)

    # when
    response = client.post(TOKENS_URL, {"name": "one more", "lifetime": "never"}, follow=True)

    # then
    assert "You have 20 tokens already." in response.content.decode()
    assert PersonalAccessToken.objects.filter(learner=learner).count() == 20


def test_revoking_a_token_locks_its_scripts_out(client):
    # given
    learner = UserFactory()
    row, token = services.access_token_create(learner=learner, name="ci", lifetime_days=None)
    keep, kept_token = services.access_token_create(learner=learner, name="keep", lifetime_days=1)
    client.force_login(learner)

    # when
    response = client.post(revoke_url(row.pk), follow=True)

    # then
    assert "The token is revoked" in response.content.decode()
    assert not PersonalAccessToken.objects.filter(pk=row.pk).exists()
    client.logout()
    assert api_get(client, token).status_code == 401
    assert api_get(client, kept_token).status_code == 200


def test_another_learners_token_answers_404_and_stays(client):
    # given
    owner = UserFactory()
    row, token = services.access_token_create(learner=owner, name="mine", lifetime_days=None)
    client.force_login(UserFactory())

    # when
    response = client.post(revoke_url(row.pk))

    # then
    assert response.status_code == 404
    assert PersonalAccessToken.objects.filter(pk=row.pk).exists()
    assert "mine" not in client.get(TOKENS_URL).content.decode()


def test_an_expired_token_is_refused(client):
    learner = UserFactory()
    _row, token = services.access_token_create(learner=learner, name="short", lifetime_days=1)
    with time_machine.travel(timezone.now() + dt.timedelta(days=1, minutes=1)):
        response = api_get(client, token)
    assert response.status_code == 401
    assert response.json() == {"detail": "The token is unknown, revoked or expired."}


def test_the_token_list_shows_last_use(client):
    # given
    learner = UserFactory()
    row, token = services.access_token_create(learner=learner, name="ci", lifetime_days=None)
    assert row.last_used_at is None

    # when
    api_get(client, token)

    # then
    row.refresh_from_db()
    assert row.last_used_at is not None
    client.force_login(learner)
    page = client.get(TOKENS_URL).content.decode()
    assert f"cpat_{row.prefix}_…" in page and "Never" in page  # never expires


def test_service_refuses_a_bad_lifetime_and_a_long_name():
    learner = UserFactory()
    with pytest.raises(ValidationError):
        services.access_token_create(learner=learner, name="x", lifetime_days=0)
    with pytest.raises(ValidationError):
        services.access_token_create(learner=learner, name="x" * 101, lifetime_days=None)
    assert not PersonalAccessToken.objects.exists()


def test_tokens_page_keeps_its_query_count(client, django_assert_max_num_queries):
    learner = UserFactory()
    client.force_login(learner)
    services.access_token_create(learner=learner, name="one", lifetime_days=None)
    with django_assert_max_num_queries(3):
        assert client.get(TOKENS_URL).status_code == 200
    for index in range(15):
        services.access_token_create(learner=learner, name=f"t{index}", lifetime_days=30)
    with django_assert_max_num_queries(3):
        assert client.get(TOKENS_URL).status_code == 200


def test_tokens_page_shares_the_layout_with_a_new_token_and_with_errors(client):
    client.force_login(UserFactory())
    shown = client.post(TOKENS_URL, {"name": "ci", "lifetime": "30"}, follow=True)
    assert 'id="new-token"' in shown.content.decode()
    assert_shared_layout(parse(shown.content.decode()), logged_in=True)
    refused = client.post(TOKENS_URL, {"name": "", "lifetime": "30"})
    assert_shared_layout(parse(refused.content.decode()), logged_in=True)


def test_staff_see_tokens_without_their_secrets_and_can_revoke(
    admin_client, django_assert_max_num_queries
):
    # given
    learner = UserFactory(email="owner@example.com")
    row, token = services.access_token_create(learner=learner, name="ci", lifetime_days=None)
    url = reverse("admin:accounts_personalaccesstoken_changelist")
    with django_assert_max_num_queries(7):
        page = admin_client.get(url, {"q": "owner@"}).content.decode()
    for index in range(10):
        services.access_token_create(learner=UserFactory(), name=f"t{index}", lifetime_days=None)

    # then: the list names the owner and the prefix, never the token or its hash
    with django_assert_max_num_queries(7):
        assert admin_client.get(url).status_code == 200
    assert "owner@example.com" in page and row.prefix in page
    assert token not in page and row.token_hash not in page
    detail = admin_client.get(
        reverse("admin:accounts_personalaccesstoken_change", args=[row.pk])
    ).content.decode()
    assert row.token_hash not in detail

    # when: staff revoke it
    admin_client.post(
        reverse("admin:accounts_personalaccesstoken_delete", args=[row.pk]), {"post": "yes"}
    )

    # then
    assert not PersonalAccessToken.objects.filter(pk=row.pk).exists()
