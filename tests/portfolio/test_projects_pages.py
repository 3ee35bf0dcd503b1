"""Project pages and the public-page settings through HTTP: forms, messages, privacy, layout and
query counts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portfolio.models import Project, ProjectLink, PublicPortfolio
from roadmap.models import MilestoneProgress, ProgressStatus
from tests.portfolio.factories import ProjectFactory, ProjectLinkFactory, PublicPortfolioFactory
from tests.portfolio.layout import assert_page_layout
from tests.roadmap.factories import MilestoneFactory, build_roadmap, enrolled_learner
from tests.roadmap.factories import path_milestones as milestones_of

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"portfolio:{name}", args=args)


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


@pytest.fixture
def path():
    return build_roadmap(steps=2, milestones_per_step=3)


@pytest.fixture
def learner(path):
    return enrolled_learner(path)


@pytest.fixture
def logged_in(client, learner):
    client.force_login(learner)
    return client


def project_data(**overrides) -> dict:
    return {
        "title": "Food bank rota",
        "kind": "volunteer",
        "role": "Coordinator",
        "started_on": "2026-01-05",
        "ended_on": "",
        "context": "A food bank with 40 volunteers.",
        "what_i_did": "Planned the rota and ran a weekly check-in.",
        "outcome": "Gaps down from 12 to 2 a month.",
        "skills": "Planning, Stakeholder management",
        **overrides,
    }


# --- Access ------------------------------------------------------------------------------------


def test_every_page_needs_a_login(client):
    project = ProjectFactory()
    for address, method in [
        (url("project_list"), "get"),
        (url("project_new"), "get"),
        (url("project_new"), "post"),
        (url("project_detail", project.pk), "get"),
        (url("project_edit", project.pk), "post"),
        (url("project_delete", project.pk), "post"),
        (url("project_link_add", project.pk), "post"),
        (url("public_settings"), "get"),
        (url("public_publish"), "post"),
        (url("public_unpublish"), "post"),
    ]:
        response = getattr(client, method)(address)
        assert response.status_code == 302, address
        assert response.url.startswith(reverse("account_login")), address
    assert Project.objects.count() == 1


def test_another_learners_project_answers_404_at_every_address(logged_in):
    # given: someone else's project with a link
    theirs = ProjectFactory(title="Not yours")
    link = ProjectLinkFactory(project=theirs)

    # when / then
    for address, method, data in [
        (url("project_detail", theirs.pk), "get", {}),
        (url("project_edit", theirs.pk), "get", {}),
        (url("project_edit", theirs.pk), "post", project_data(title="Mine now")),
        (url("project_delete", theirs.pk), "post", {}),
        (url("project_link_add", theirs.pk), "post", {"url": "https://example.com"}),
        (url("project_link_delete", theirs.pk, link.pk), "post", {}),
    ]:
        assert getattr(logged_in, method)(address, data).status_code == 404, address
    theirs.refresh_from_db()
    assert theirs.title == "Not yours"
    assert list(theirs.links.all()) == [link]


def test_a_link_of_another_project_answers_404_on_ones_own(logged_in, learner):
    mine = ProjectFactory(learner=learner)
    theirs = ProjectLinkFactory()

    response = logged_in.post(url("project_link_delete", mine.pk, theirs.pk))

    assert response.status_code == 404
    assert ProjectLink.objects.filter(pk=theirs.pk).exists()


# --- Creating and editing ----------------------------------------------------------------------


def test_a_learner_adds_a_finished_project_that_completes_a_milestone(logged_in, learner, path):
    # given
    milestone = milestones_of(path)[1]
    form = logged_in.get(url("project_new"))
    assert milestone.title in form.content.decode()

    # when
    response = logged_in.post(
        url("project_new"),
        project_data(ended_on="2026-02-20", milestones=[milestone.pk], is_public="on"),
        follow=True,
    )

    # then
    project = Project.objects.get(learner=learner)
    assert response.redirect_chain == [(project.get_absolute_url(), 302)]
    assert "“Food bank rota” is in your portfolio." in messages_of(response)
    assert project.skills == ["Planning", "Stakeholder management"]
    assert project.is_public and project.ended_on == dt.date(2026, 2, 20)
    progress = MilestoneProgress.objects.get(learner=learner, milestone=milestone)
    assert progress.status == ProgressStatus.DONE
    html = response.content.decode()
    assert "Marked done when the project finished." in html and milestone.title in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "This field is required"),
        ({"kind": "hobby"}, "Select a valid choice"),
        ({"started_on": "2026-03-01", "ended_on": "2026-02-01"}, "cannot end"),
        ({"started_on": "yesterday"}, "Enter a date such as 2026-06-30"),
        ({"ended_on": "2099-01-01"}, "is in the future"),
    ],
)
def test_bad_input_keeps_the_form_with_a_message_and_writes_nothing(logged_in, overrides, message):
    # when
    response = logged_in.post(url("project_new"), project_data(**overrides))

    # then: the same page, what was typed kept, and the reason
    assert response.status_code == 200
    assert message in messages_of(response)
    assert "Nothing changed" in messages_of(response)
    assert 'value="Coordinator"' in response.content.decode()
    assert not Project.objects.exists()
    assert_page_layout(response.content.decode(), logged_in=True)


def test_a_milestone_of_a_path_not_followed_is_refused(logged_in, learner):
    # given: a crafted post naming a milestone the form did not offer
    elsewhere = MilestoneFactory()

    # when
    response = logged_in.post(
        url("project_new"), project_data(ended_on="2026-02-01", milestones=[elsewhere.pk])
    )

    # then
    assert response.status_code == 200
    assert "Choose milestones of the career paths you follow." in messages_of(response)
    assert not Project.objects.exists()
    assert not MilestoneProgress.objects.exists()


def test_editing_shows_what_is_stored_and_saves_changes(logged_in, learner, path):
    # given
    milestone = milestones_of(path)[0]
    project = ProjectFactory(learner=learner, skills=["Jira", "Risk"])
    project.milestones.add(milestone)

    # when
    form = logged_in.get(url("project_edit", project.pk))
    response = logged_in.post(
        url("project_edit", project.pk),
        project_data(title="Renamed", milestones=[milestone.pk], ended_on="2026-02-01"),
        follow=True,
    )

    # then
    html = form.content.decode()
    assert 'value="Jira, Risk"' in html
    assert f'value="{milestone.pk}" id="id_milestones_0_0" checked' in html
    assert "Project saved." in messages_of(response)
    project.refresh_from_db()
    assert project.title == "Renamed"
    assert MilestoneProgress.objects.get(learner=learner, milestone=milestone).status == "done"


def test_a_refused_edit_changes_nothing(logged_in, learner):
    project = ProjectFactory(learner=learner, title="Kept")

    response = logged_in.post(
        url("project_edit", project.pk), project_data(title="New", ended_on="2099-01-01")
    )

    assert response.status_code == 200 and "is in the future" in messages_of(response)
    project.refresh_from_db()
    assert (project.title, project.ended_on) == ("Kept", None)


def test_links_are_added_and_removed_with_messages(logged_in, learner):
    # given
    project = ProjectFactory(learner=learner)

    # when
    added = logged_in.post(
        url("project_link_add", project.pk),
        {"url": "https://github.com/me/rota", "label": "Code"},
        follow=True,
    )
    refused = logged_in.post(
        url("project_link_add", project.pk), {"url": "github.com/me/rota"}, follow=True
    )

    # then
    assert "Link added." in messages_of(added)
    assert "Nothing changed" in messages_of(refused) and "https://" in messages_of(refused)
    link = ProjectLink.objects.get(project=project)
    assert link.url == "https://github.com/me/rota"
    removed = logged_in.post(url("project_link_delete", project.pk, link.pk), follow=True)
    assert "Link removed." in messages_of(removed)
    assert not ProjectLink.objects.exists()


def test_deleting_a_project(logged_in, learner):
    project = ProjectFactory(learner=learner, title="Old")

    response = logged_in.post(url("project_delete", project.pk), follow=True)

    assert response.redirect_chain[-1][0] == url("project_list")
    assert "“Old” is deleted." in messages_of(response)
    assert not Project.objects.exists()


def test_the_list_shows_only_the_learners_own_projects(logged_in, learner):
    ProjectFactory(learner=learner, title="Mine", is_public=True)
    ProjectFactory(title="Someone else's")

    html = logged_in.get(url("project_list")).content.decode()

    assert "Mine" in html and "Someone else&#x27;s" not in html and "Someone else's" not in html
    assert "Set up your public page" in html


# --- Public page settings ----------------------------------------------------------------------


def test_the_learner_chooses_an_address_then_publishes(logged_in, learner):
    # when: saved first
    saved = logged_in.post(
        url("public_settings"),
        {"slug": "Grace-Hopper", "headline": "AI PM", "summary": "", "show_progress": "on"},
        follow=True,
    )

    # then: stored, not yet published
    portfolio = PublicPortfolio.objects.get(learner=learner)
    assert (portfolio.slug, portfolio.is_published, portfolio.show_progress) == (
        "grace-hopper",
        False,
        True,
    )
    assert "not published yet" in messages_of(saved)

    # when: published from the list page's button
    published = logged_in.post(url("public_publish"), {"back": "list"}, follow=True)

    # then
    assert published.redirect_chain[-1][0] == url("project_list")
    assert "online at http://testserver/p/grace-hopper/" in messages_of(published)
    assert PublicPortfolio.objects.get(learner=learner).is_published


def test_save_and_publish_in_one_go(logged_in, learner):
    response = logged_in.post(
        url("public_settings"), {"slug": "grace", "publish": "1"}, follow=True
    )

    assert "Saved. Your portfolio is online at http://testserver/p/grace/" in messages_of(response)
    assert PublicPortfolio.objects.get(learner=learner).is_published


def test_a_taken_or_reserved_address_is_refused_with_the_form_kept(logged_in, learner):
    PublicPortfolioFactory(slug="grace")

    for slug, message in [("GRACE", "is taken"), ("admin", "a word the site uses itself")]:
        response = logged_in.post(url("public_settings"), {"slug": slug, "headline": "Kept"})
        assert response.status_code == 200
        assert message in messages_of(response)
        assert 'value="Kept"' in response.content.decode()
    assert not PublicPortfolio.objects.filter(learner=learner).exists()


def test_publishing_without_an_address_says_what_to_do(logged_in, learner):
    response = logged_in.post(url("public_publish"), follow=True)

    assert "Choose the address of your page before publishing it." in messages_of(response)
    assert not PublicPortfolio.objects.exists()


def test_unpublishing(logged_in, learner):
    PublicPortfolioFactory(learner=learner, slug="grace")

    response = logged_in.post(url("public_unpublish"), follow=True)

    assert "Your portfolio is offline" in messages_of(response)
    assert not PublicPortfolio.objects.get(learner=learner).is_published


# --- Layout and query counts -------------------------------------------------------------------


def _portfolio_of(learner, path, n: int):
    milestones = milestones_of(path)
    for i in range(n):
        project = ProjectFactory(learner=learner, is_public=i % 2 == 0)
        project.milestones.set(milestones[:3])
        ProjectLinkFactory.create_batch(2, project=project)
    PublicPortfolioFactory(learner=learner, slug="grace")
    return Project.objects.filter(learner=learner).first()


@pytest.mark.parametrize("n", [3, 30])
def test_pages_run_a_fixed_number_of_queries_and_share_the_layout(
    logged_in, learner, path, n, django_assert_max_num_queries
):
    # given: n projects, each with three milestones and two links
    project = _portfolio_of(learner, path, n)

    # when / then: session + user, then each page's own reads
    for address, limit in [
        (url("project_list"), 2 + 4),  # projects, links, milestones, public page
        (url("project_new"), 2 + 1),  # milestones of enrolled paths
        (url("project_detail", project.pk), 2 + 4),
        (url("project_edit", project.pk), 2 + 4),
        (url("public_settings"), 2 + 1),
    ]:
        with django_assert_max_num_queries(limit):
            response = logged_in.get(address)
        assert response.status_code == 200, address
        assert_page_layout(response.content.decode(), logged_in=True)


def test_the_nav_marks_the_portfolio_as_the_current_page(logged_in):
    html = logged_in.get(url("project_list")).content.decode()

    assert f'<a href="{url("project_list")}" aria-current="page">Portfolio</a>' in html
    assert f'<a href="{url("application_board")}">Applications</a>' in html


def test_dates_show_as_a_range_and_ongoing_projects_say_so(logged_in, learner):
    ProjectFactory(learner=learner, started_on=dt.date(2025, 9, 1), ended_on=None)
    ProjectFactory(learner=learner, started_on=dt.date(2025, 1, 6), ended_on=timezone.localdate())

    html = logged_in.get(url("project_list")).content.decode()

    assert "Sep 2025 – now" in html
    assert f"Jan 2025 – {timezone.localdate():%b %Y}" in html
