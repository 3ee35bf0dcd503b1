"""The public portfolio page: only what the learner chose to share, 404 the moment it is
unpublished, a print stylesheet, and a fixed number of queries."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portfolio.services import projects as services
from tests.accounts.factories import UserFactory
from tests.certifications.factories import LearnerCertificationFactory, csm
from tests.portfolio.factories import (
    JobApplicationFactory,
    ProjectFactory,
    ProjectLinkFactory,
    PublicPortfolioFactory,
)
from tests.portfolio.layout import assert_page_layout
from tests.roadmap.factories import (
    EnrollmentFactory,
    MilestoneProgressFactory,
    build_roadmap,
    content_snapshot_read,
    path_milestones,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner():
    return UserFactory(email="grace.hopper@example.com", display_name="Grace Hopper")


def public_url(slug: str) -> str:
    return reverse("portfolio_public", kwargs={"slug": slug})


def test_the_page_shows_the_public_projects_and_nothing_private(client, learner):
    # given: a published page, a public and a private project, and private data elsewhere
    portfolio = PublicPortfolioFactory(
        learner=learner, slug="grace", headline="AI project manager in the making"
    )
    shown = ProjectFactory(
        learner=learner,
        title="Food bank rota",
        outcome="Gaps down from 12 to 2 a month",
        skills=["Planning", "Risk"],
        is_public=True,
    )
    ProjectLinkFactory(project=shown, label="Case study", url="https://example.com/case")
    ProjectFactory(learner=learner, title="Secret side project", is_public=False)
    JobApplicationFactory(learner=learner, company="Acme", notes="Salary talk went badly")
    path = build_roadmap(steps=1, milestones_per_step=2)
    EnrollmentFactory(learner=learner, path=path)
    MilestoneProgressFactory(
        learner=learner, milestone=path_milestones(path)[0], status="done", notes="Private note"
    )
    LearnerCertificationFactory(
        learner=learner, certification=csm(), status="earned", earned_on=timezone.localdate()
    )

    # when: a visitor who is not logged in opens it
    response = client.get(portfolio.get_absolute_url())

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "Grace Hopper" in html and "AI project manager in the making" in html
    assert "Food bank rota" in html and "Gaps down from 12 to 2 a month" in html
    assert "Case study" in html and "https://example.com/case" in html
    assert "<li>Planning</li>" in html
    for private in (
        "Secret side project",
        "grace.hopper",  # not even the part of the email before the @
        "Acme",
        "Salary talk",
        "Private note",
        "Career path progress",
        "Certified ScrumMaster",
    ):
        assert private not in html, private
    assert_page_layout(html, logged_in=False, extra_navs=0)


def test_progress_and_certifications_appear_only_when_opted_in(client, learner):
    # given
    path = build_roadmap(steps=1, milestones_per_step=4)
    EnrollmentFactory(learner=learner, path=path)
    MilestoneProgressFactory(learner=learner, milestone=path_milestones(path)[0], status="done")
    today = timezone.localdate()
    LearnerCertificationFactory(
        learner=learner,
        certification=csm(),
        status="earned",
        earned_on=today - dt.timedelta(days=30),
        verification_url="https://verify.example/123",
    )
    expired = LearnerCertificationFactory(
        learner=learner, custom_name="Old cert", certification=None, status="earned",
        earned_on=today - dt.timedelta(days=800), custom_validity_months=12,
    )  # fmt: skip
    LearnerCertificationFactory(learner=learner, status="studying", custom_name="Planned one")
    PublicPortfolioFactory(
        learner=learner, slug="grace", show_progress=True, show_certifications=True
    )

    # when
    html = client.get(public_url("grace")).content.decode()

    # then
    assert "Career path progress" in html and "25% · 1 of 4 milestones" in html
    assert "Certified ScrumMaster" in html and "https://verify.example/123" in html
    assert expired.custom_name not in html and "Planned one" not in html


def test_without_a_display_name_the_page_has_a_neutral_title(client):
    learner = UserFactory(email="ada@example.com", display_name="")
    PublicPortfolioFactory(learner=learner, slug="ada-page", headline="")

    html = client.get(public_url("ada-page")).content.decode()

    assert "<h1>Portfolio</h1>" in html
    assert "ada@" not in html and ">ada<" not in html


def test_unpublishing_makes_the_address_answer_404_at_once(client, learner):
    # given: a visitor has the page open, and nothing may cache it
    PublicPortfolioFactory(learner=learner, slug="grace")
    first = client.get(public_url("grace"))
    assert first.status_code == 200
    cache_control = first["Cache-Control"]
    assert "no-cache" in cache_control and "no-store" in cache_control
    assert "max-age=0" in cache_control

    # when
    services.portfolio_unpublish(learner=learner)

    # then
    assert client.get(public_url("grace")).status_code == 404
    services.portfolio_publish(learner=learner)
    assert client.get(public_url("grace")).status_code == 200


def test_unknown_unpublished_and_inactive_pages_are_404(client):
    PublicPortfolioFactory(slug="draft", is_published=False)
    PublicPortfolioFactory(slug="gone", learner=UserFactory(is_active=False))

    for slug in ("nobody", "draft", "gone"):
        assert client.get(public_url(slug)).status_code == 404, slug


def test_the_address_is_found_whatever_its_case(client, learner):
    PublicPortfolioFactory(learner=learner, slug="grace-hopper")

    assert client.get("/p/Grace-Hopper/").status_code == 200


def test_the_page_prints_with_its_own_stylesheet_and_no_inline_styles(client, learner):
    PublicPortfolioFactory(learner=learner, slug="grace")
    ProjectFactory(learner=learner, is_public=True)

    html = client.get(public_url("grace")).content.decode()

    assert '<link rel="stylesheet" href="/static/css/print.css" media="print">' in html
    assert "style=" not in html and "<style" not in html
    assert client.get("/static/css/print.css").status_code == 200


def test_a_logged_in_visitor_sees_the_same_page(client, learner):
    PublicPortfolioFactory(learner=learner, slug="grace")
    ProjectFactory(learner=learner, title="Shown", is_public=True)
    client.force_login(UserFactory())

    response = client.get(public_url("grace"))

    assert response.status_code == 200 and "Shown" in response.content.decode()


def _published_page(learner, n: int) -> None:
    path = build_roadmap(steps=3, milestones_per_step=n)
    EnrollmentFactory(learner=learner, path=path)
    for milestone in path_milestones(path)[:n]:
        MilestoneProgressFactory(learner=learner, milestone=milestone, status="done")
    for i in range(n):
        project = ProjectFactory(learner=learner, is_public=i % 3 != 0)
        ProjectLinkFactory.create_batch(2, project=project)
        LearnerCertificationFactory(
            learner=learner,
            certification=None,
            custom_name=f"Cert {i}",
            status="earned",
            earned_on=timezone.localdate(),
        )
    PublicPortfolioFactory(
        learner=learner, slug="grace", show_progress=True, show_certifications=True
    )


@pytest.mark.parametrize("n", [3, 30])
def test_the_page_runs_a_fixed_number_of_queries(client, learner, n, django_assert_max_num_queries):
    # given: n projects with links, n certifications, progress on a path
    _published_page(learner, n)

    # when / then: the page and its owner, projects, links, certifications, and progress
    # (enrolments, milestones, progress rows)
    content_snapshot_read()  # the roadmap as most views find it (its reload has its own pin)
    with django_assert_max_num_queries(6):
        response = client.get(public_url("grace"))
    assert response.status_code == 200
    assert response.content.decode().count('class="public-project"') == n - (n + 2) // 3
