"""Delete my account: after entering the password again and typing a confirmation, the learner
and every row that is theirs go in one transaction; nobody else's rows change."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse

from accounts import services
from accounts.models import User
from accounts.ownership import LEARNER_OWNED
from portfolio.models import PublicPortfolio
from tests.accounts.factories import DEFAULT_PASSWORD
from tests.accounts.learner_data import full_learner_data
from tests.roadmap.factories import build_roadmap
from tests.test_layout import assert_shared_layout, parse  # noqa: E402

pytestmark = pytest.mark.django_db

DELETE_URL = reverse("accounts:delete")
REAUTH_URL = reverse("account_reauthenticate")


def user_lookups(model, prefix: str = "", seen: frozenset = frozenset()) -> list[str]:
    """Every chain of foreign keys from `model` to the user model, as ORM lookups."""
    if model._meta.label == settings.AUTH_USER_MODEL:
        return [prefix.removesuffix("__") or "pk"]
    if model in seen:
        return []
    found = []
    for field in model._meta.concrete_fields:
        if field.is_relation and (field.many_to_one or field.one_to_one):
            found += user_lookups(field.related_model, f"{prefix}{field.name}__", seen | {model})
    return found


def rows_reaching(user_pk: int) -> dict[str, int]:
    """Rows of every installed model that lead to this user by any chain of foreign keys."""
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        for lookup in user_lookups(model):
            count = model._base_manager.filter(**{lookup: user_pk}).count()
            if count:
                counts[f"{model._meta.label} via {lookup}"] = count
    return counts


def snapshot_except(user_pk: int) -> dict[str, list[dict]]:
    """Every row of every table (sessions aside), except the rows that are this user's."""
    owned = {t.model_label: t for t in LEARNER_OWNED}
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label
        if label == "sessions.Session":
            continue
        qs = model._base_manager.order_by("pk")
        if label in owned:
            qs = qs.exclude(**{owned[label].lookup: user_pk})
        tables[label] = list(qs.values())
    return tables


def reauthenticate(client) -> None:
    response = client.post(REAUTH_URL, {"password": DEFAULT_PASSWORD, "next": DELETE_URL})
    assert response.status_code == 302 and response.url == DELETE_URL


@pytest.fixture
def two_learners():
    path = build_roadmap(steps=1, milestones_per_step=3)
    return full_learner_data(path=path), full_learner_data(path=path)


def test_anonymous_visitors_are_sent_to_log_in(client):
    for method in (client.get, client.post):
        response = method(DELETE_URL)
        assert response.status_code == 302
        assert response.url == f"{reverse('account_login')}?next={DELETE_URL}"


def test_the_page_asks_for_the_password_first(client, two_learners):
    # given: a learner logged in earlier (no recent password entry)
    mine, _other = two_learners
    client.force_login(mine.learner)

    # when
    response = client.get(DELETE_URL)

    # then: sent to allauth's reauthentication, coming back here afterwards
    assert response.status_code == 302
    assert response.url == f"{REAUTH_URL}?next={DELETE_URL.replace('/', '%2F')}"
    page = client.get(response.url).content.decode()
    assert 'name="password"' in page


def test_a_wrong_password_does_not_open_the_page(client, two_learners):
    # given
    mine, _other = two_learners
    client.force_login(mine.learner)

    # when
    response = client.post(REAUTH_URL, {"password": "not-my-password", "next": DELETE_URL})

    # then
    assert response.status_code == 200  # the form again, with an error
    assert client.get(DELETE_URL).status_code == 302
    assert User.objects.filter(pk=mine.learner.pk).exists()


def test_a_delete_without_reauthentication_deletes_nothing(client, two_learners):
    # given
    mine, _other = two_learners
    client.force_login(mine.learner)

    # when: the confirmation is posted straight away
    response = client.post(DELETE_URL, {"confirmation": "DELETE"})

    # then: asked for the password, nothing gone
    assert response.status_code == 302 and response.url.startswith(REAUTH_URL)
    assert User.objects.filter(pk=mine.learner.pk).exists()


@pytest.mark.parametrize("typed", ["", "delete", "someone@example.com", "DELETE ME"])
def test_a_wrong_confirmation_is_refused_and_nothing_is_deleted(client, two_learners, typed):
    # given
    mine, _other = two_learners
    client.force_login(mine.learner)
    reauthenticate(client)
    before = rows_reaching(mine.learner.pk)

    # when
    response = client.post(DELETE_URL, {"confirmation": typed})

    # then
    assert response.status_code == 400
    page = response.content.decode()
    if typed:
        assert "neither your email address nor the word DELETE. Nothing was deleted." in page
    else:
        assert "This field is required." in page
    assert rows_reaching(mine.learner.pk) == before


@pytest.mark.parametrize("confirmation", ["DELETE", "own-email", "OWN-EMAIL"])
def test_deleting_removes_every_row_of_the_learner_and_changes_nobody_elses(
    client, two_learners, confirmation
):
    # given: two learners with rows of every kind; the first enters their password again
    mine, other = two_learners
    client.force_login(mine.learner)
    reauthenticate(client)
    assert client.get(DELETE_URL).status_code == 200
    typed = {"own-email": mine.learner.email, "OWN-EMAIL": mine.learner.email.upper()}.get(
        confirmation, confirmation
    )
    owned_before = rows_reaching(mine.learner.pk)
    assert len(owned_before) >= len(LEARNER_OWNED)
    others_before = snapshot_except(mine.learner.pk)
    other_rows_before = rows_reaching(other.learner.pk)

    # when
    response = client.post(DELETE_URL, {"confirmation": typed}, follow=True)

    # then: logged out on the home page with a message
    assert response.redirect_chain == [(reverse("home"), 302)]
    assert "Your account and everything in it are deleted." in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    # no row of theirs remains, by the registry and by every foreign-key chain
    assert all(not t.rows_of(mine.learner).exists() for t in LEARNER_OWNED)
    assert rows_reaching(mine.learner.pk) == {}
    # every other row of every table is exactly as it was
    assert rows_reaching(other.learner.pk) == other_rows_before
    assert snapshot_except(mine.learner.pk) == others_before
    # the public portfolio, the calendar feed and the token are gone
    assert client.get(f"/p/{mine.public_slug}/").status_code == 404
    assert client.get(f"/calendar/{mine.calendar_secret}.ics").status_code == 404
    api = client.get("/api/v1/paths/", HTTP_AUTHORIZATION=f"Bearer {mine.access_token}")
    assert api.status_code == 401
    # while the other learner's still work
    assert PublicPortfolio.objects.filter(learner=other.learner).exists()
    assert client.get(f"/calendar/{other.calendar_secret}.ics").status_code == 200


def test_the_deleted_learner_cannot_log_in_again(client, two_learners):
    # given
    mine, _other = two_learners
    services.account_delete(user=mine.learner)

    # when
    response = client.post(
        reverse("account_login"), {"login": mine.learner.email, "password": DEFAULT_PASSWORD}
    )

    # then
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_delete_page_keeps_its_query_count(client, django_assert_max_num_queries):
    # given
    data = full_learner_data()
    client.force_login(data.learner)
    reauthenticate(client)
    with django_assert_max_num_queries(3):
        assert client.get(DELETE_URL).status_code == 200

    # when: much more data
    full_learner_data(data.learner, rows=20)

    # then
    with django_assert_max_num_queries(3):
        assert client.get(DELETE_URL).status_code == 200


def test_delete_and_password_pages_share_the_layout(client, two_learners):
    mine, _other = two_learners
    client.force_login(mine.learner)
    reauth_page = client.get(f"{REAUTH_URL}?next={DELETE_URL}").content.decode()
    assert_shared_layout(parse(reauth_page), logged_in=True)
    reauthenticate(client)
    assert_shared_layout(parse(client.get(DELETE_URL).content.decode()), logged_in=True)
    refused = client.post(DELETE_URL, {"confirmation": "nope"}).content.decode()
    assert_shared_layout(parse(refused), logged_in=True)
