"""Admin for projects, public pages and applications: read-mostly pages for support that load,
and the one change support needs (taking a public page offline)."""

import pytest
from django.urls import reverse

from portfolio.models import JobApplication, PublicPortfolio
from tests.accounts.factories import UserFactory
from tests.portfolio.factories import (
    ApplicationContactFactory,
    ApplicationStatusChangeFactory,
    ProjectLinkFactory,
    PublicPortfolioFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_pages_load_and_nothing_can_be_added(admin_client):
    # given
    link = ProjectLinkFactory()
    portfolio = PublicPortfolioFactory()
    contact = ApplicationContactFactory()
    ApplicationStatusChangeFactory(application=contact.application)

    # when / then
    for model, obj in [
        ("project", link.project),
        ("publicportfolio", portfolio),
        ("jobapplication", contact.application),
    ]:
        changelist = admin_client.get(reverse(f"admin:portfolio_{model}_changelist"))
        assert changelist.status_code == 200, model
        change = admin_client.get(reverse(f"admin:portfolio_{model}_change", args=[obj.pk]))
        assert change.status_code == 200, model
        assert admin_client.get(reverse(f"admin:portfolio_{model}_add")).status_code == 403
    search = admin_client.get(
        reverse("admin:portfolio_jobapplication_changelist"), {"q": contact.application.company}
    )
    assert list(search.context["cl"].result_list) == [contact.application]


def test_support_takes_a_public_page_offline(admin_client):
    # given
    portfolio = PublicPortfolioFactory(slug="abusive", is_published=True)

    # when
    response = admin_client.post(
        reverse("admin:portfolio_publicportfolio_change", args=[portfolio.pk]),
        {"slug": "abusive"},  # is_published unticked
    )

    # then
    assert response.status_code == 302
    assert not PublicPortfolio.objects.get(pk=portfolio.pk).is_published
    assert admin_client.get("/p/abusive/").status_code == 404


def test_applications_are_read_only_in_the_admin(admin_client):
    application = ApplicationContactFactory().application

    response = admin_client.post(
        reverse("admin:portfolio_jobapplication_change", args=[application.pk]),
        {"company": "Changed"},
    )

    assert response.status_code == 403
    assert JobApplication.objects.get(pk=application.pk).company != "Changed"
