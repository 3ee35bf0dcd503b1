"""The settings page: the profile (display name, timezone) is saved whole or not at all."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

SETTINGS_URL = reverse("accounts:settings")


def profile_post(display_name: str, timezone: str) -> dict[str, str]:
    return {
        "section": "profile",
        "profile-display_name": display_name,
        "profile-timezone": timezone,
    }


def test_settings_page_requires_login(client):
    # when
    response = client.get(SETTINGS_URL)

    # then
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={SETTINGS_URL}"


def test_settings_page_shows_the_learners_profile(client):
    # given
    user = UserFactory(display_name="Grace", timezone="Europe/Berlin")
    client.force_login(user)

    # when
    page = client.get(SETTINGS_URL).content.decode()

    # then
    assert 'value="Grace"' in page
    assert '<option value="Europe/Berlin" selected>' in page


def test_valid_profile_change_is_saved(client):
    # given
    user = UserFactory(display_name="Grace", timezone="UTC")
    client.force_login(user)

    # when
    response = client.post(SETTINGS_URL, profile_post("Grace H.", "America/New_York"), follow=True)

    # then
    assert response.redirect_chain == [(SETTINGS_URL, 302)]
    assert "Your profile is saved." in response.content.decode()
    user.refresh_from_db()
    assert (user.display_name, user.timezone) == ("Grace H.", "America/New_York")


def test_invalid_timezone_is_rejected_with_a_message_and_nothing_changes(client):
    # given
    user = UserFactory(display_name="Grace", timezone="Europe/London")
    client.force_login(user)

    # when: a new name together with a timezone that does not exist
    response = client.post(SETTINGS_URL, profile_post("Someone else", "Mars/Olympus_Mons"))

    # then: a clear message, and neither field changed
    assert response.status_code == 400
    page = response.content.decode()
    assert "“Mars/Olympus_Mons” is not a timezone we know" in page
    assert "Nothing was saved" in page
    user.refresh_from_db()
    assert (user.display_name, user.timezone) == ("Grace", "Europe/London")
    # the page still shows the header with the saved name, not the rejected one
    assert ">Grace</summary>" in page


def test_settings_page_keeps_its_query_count(client, django_assert_max_num_queries):
    # given: a learner with nothing, then a learner with many other learners around
    user = UserFactory()
    client.force_login(user)
    with django_assert_max_num_queries(3):
        assert client.get(SETTINGS_URL).status_code == 200
    UserFactory.create_batch(20)

    # then: the same count
    with django_assert_max_num_queries(3):
        assert client.get(SETTINGS_URL).status_code == 200


def test_model_rejects_an_unknown_timezone():
    # given
    user = UserFactory.build(timezone="Europe/Atlantis")

    # when / then
    with pytest.raises(ValidationError) as error:
        user.full_clean(exclude=["password"])
    assert "timezone" in error.value.message_dict
    assert "is not a timezone we know" in error.value.message_dict["timezone"][0]


def test_model_accepts_a_known_timezone():
    UserFactory.build(timezone="Asia/Kolkata").full_clean(exclude=["password"])


def test_profile_update_service_refuses_an_unknown_timezone_and_saves_nothing():
    # given
    user = UserFactory(display_name="Grace", timezone="UTC")

    # when
    with pytest.raises(ValidationError):
        services.profile_update(user=user, display_name="New", timezone="Nowhere/Land")

    # then: neither the database nor the caller's object took the change
    assert (user.display_name, user.timezone) == ("Grace", "UTC")
    user.refresh_from_db()
    assert (user.display_name, user.timezone) == ("Grace", "UTC")
