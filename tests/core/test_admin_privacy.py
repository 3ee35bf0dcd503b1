"""What the learner is told only they can see (milestone notes, application notes, a private
project's text and links, an unpublished portfolio page) never reaches the admin: not on a list
or change page, not through its search, not through a filter in the address. Staff and
superusers alike: the promise is made to learners."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from portfolio.models import Project
from tests.accounts.factories import UserFactory
from tests.portfolio.factories import (
    ApplicationContactFactory,
    JobApplicationFactory,
    ProjectFactory,
    ProjectLinkFactory,
    PublicPortfolioFactory,
)
from tests.roadmap.factories import MilestoneProgressFactory

pytestmark = pytest.mark.django_db

SECRET = "Zq7-only-the-learner"


@pytest.fixture(params=["staff", "superuser"])
def support(request, client):
    if request.param == "superuser":
        user = UserFactory(is_staff=True, is_superuser=True)
    else:
        user = UserFactory(is_staff=True)
        user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client.force_login(user)
    return client


@pytest.fixture
def private_records():
    """One record of each kind holding private text, every text field marked with SECRET."""
    progress = MilestoneProgressFactory(notes=f"{SECRET} note: my manager is leaving")
    application = JobApplicationFactory(notes=f"{SECRET} application: asking 90k")
    ApplicationContactFactory(application=application, notes=f"{SECRET} contact")
    project = ProjectFactory(
        is_public=False,
        role=f"{SECRET} role",
        context=f"{SECRET} context",
        what_i_did=f"{SECRET} what",
        outcome=f"{SECRET} outcome",
        skills=[f"{SECRET} skill"],
    )
    ProjectLinkFactory(project=project, label=f"{SECRET} link", url=f"https://x.example/{SECRET}")
    portfolio = PublicPortfolioFactory(
        is_published=False, headline=f"{SECRET} headline", summary=f"{SECRET} summary"
    )
    return {
        "roadmap_milestoneprogress": (progress, "notes"),
        "portfolio_jobapplication": (application, "notes"),
        "portfolio_project": (project, "context"),
        "portfolio_publicportfolio": (portfolio, "summary"),
    }


def test_private_text_appears_on_no_admin_page(support, private_records):
    for name, (record, _field) in private_records.items():
        # when
        changelist = support.get(reverse(f"admin:{name}_changelist"))
        change = support.get(reverse(f"admin:{name}_change", args=[record.pk]))

        # then: the pages load, the record is there, its private text is not
        assert changelist.status_code == 200 and change.status_code == 200, name
        assert list(changelist.context["cl"].result_list) == [record], name
        assert SECRET not in changelist.content.decode(), name
        assert SECRET not in change.content.decode(), name


def test_admin_search_does_not_read_private_text(support, private_records):
    for name in private_records:
        # when: searching for words only the private text holds
        search = support.get(reverse(f"admin:{name}_changelist"), {"q": SECRET})

        # then: nothing found
        assert search.status_code == 200, name
        assert list(search.context["cl"].result_list) == [], name


def test_a_filter_in_the_address_cannot_read_private_text(support, private_records):
    for name, (_record, field) in private_records.items():
        # when: guessing the text a letter at a time through the changelist's filters
        response = support.get(reverse(f"admin:{name}_changelist"), {f"{field}__startswith": "Z"})

        # then: refused, not answered
        assert response.status_code == 400, name


def test_a_public_project_and_a_published_page_still_show_their_text(support):
    # given: text the learner chose to publish (the pages above can show text when allowed)
    project = ProjectFactory(is_public=True, context=f"{SECRET} public context")
    ProjectLinkFactory(project=project, label="Public write-up")
    portfolio = PublicPortfolioFactory(is_published=True, summary=f"{SECRET} public summary")

    # when
    project_page = support.get(reverse("admin:portfolio_project_change", args=[project.pk]))
    portfolio_page = support.get(
        reverse("admin:portfolio_publicportfolio_change", args=[portfolio.pk])
    )

    # then
    assert f"{SECRET} public context" in project_page.content.decode()
    assert "Public write-up" in project_page.content.decode()
    assert f"{SECRET} public summary" in portfolio_page.content.decode()


def test_an_admin_can_hide_a_project_but_not_publish_a_private_one(client):
    # given
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    public = ProjectFactory(is_public=True)
    private = ProjectFactory(is_public=False)

    links = {"links-TOTAL_FORMS": 0, "links-INITIAL_FORMS": 0}  # the public one's link list

    # when: support hides the public one and tries to publish the private one
    for project, data in ((public, links), (private, {"is_public": "on"})):
        url = reverse("admin:portfolio_project_change", args=[project.pk])
        response = client.post(url, {"position": 0, **data})
        assert response.status_code == 302

    # and a hiding that fails (the link list's form is missing) shows the page again, no error
    again = ProjectFactory(is_public=True)
    url = reverse("admin:portfolio_project_change", args=[again.pk])
    assert client.post(url, {"position": 0}).status_code == 200

    # then: hidden, and still private
    assert not Project.objects.get(pk=public.pk).is_public
    assert not Project.objects.get(pk=private.pk).is_public
    assert Project.objects.get(pk=again.pk).is_public
