"""Creating the first admin with createsuperuser (by email) and using the learner admin."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "an-admin-passphrase-2026"


def test_createsuperuser_asks_for_an_email_and_the_admin_can_log_in(client, monkeypatch):
    # given: the non-interactive form of `manage.py createsuperuser`, as in a deploy script
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)

    # when
    call_command("createsuperuser", interactive=False, email="Admin@Example.com", verbosity=0)

    # then: the email (stored lowercased, as allauth does) is the login for the admin site,
    # whatever case it is typed in
    admin = User.objects.get()
    assert (admin.email, admin.is_staff, admin.is_superuser) == ("admin@example.com", True, True)
    response = client.post(
        reverse("admin:login"),
        {"username": "ADMIN@example.com", "password": PASSWORD, "next": reverse("admin:index")},
    )
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


def test_learner_admin_lists_and_finds_learners(admin_client, django_assert_max_num_queries):
    # given
    UserFactory.create_batch(3)
    target = UserFactory(email="find.me@example.com")

    # when
    with django_assert_max_num_queries(8):
        response = admin_client.get(reverse("admin:accounts_user_changelist"), {"q": "find.me"})

    # then
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [target]
