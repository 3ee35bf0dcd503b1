"""Writes to projects and the public page: what each service stores, completes and refuses."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portfolio.models import Project, ProjectLink, PublicPortfolio
from portfolio.services import projects as services
from roadmap.models import MilestoneProgress, ProgressEvent, ProgressStatus
from tests.accounts.factories import UserFactory
from tests.portfolio.factories import ProjectFactory, ProjectLinkFactory, PublicPortfolioFactory
from tests.roadmap.factories import (
    MilestoneFactory,
    MilestoneProgressFactory,
    build_roadmap,
    enrolled_learner,
    path_milestones,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)
NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def path():
    return build_roadmap(steps=2, milestones_per_step=3)


@pytest.fixture
def learner(path):
    return enrolled_learner(path)


def status_of(learner, milestone) -> str | None:
    row = MilestoneProgress.objects.filter(learner=learner, milestone=milestone).first()
    return row.status if row else None


def create(learner, **data):
    return services.project_create(
        learner=learner, data={"title": "Rota app", "kind": "side_project", **data}, today=TODAY
    )


# --- Creating and changing a project ---------------------------------------------------------


def test_a_project_keeps_what_the_learner_wrote_with_skills_tidied(learner):
    # when
    project = create(
        learner,
        role="  Volunteer coordinator ",
        started_on="2026-01-05",
        context="Food bank",
        what_i_did="Ran the rota",
        outcome="Gaps down from 12 to 2 a month",
        skills=" Planning,  stakeholder   management , planning, Jira,,",
        is_public=True,
    )

    # then
    project.refresh_from_db()
    assert project.learner == learner
    assert project.role == "Volunteer coordinator"
    assert project.started_on == dt.date(2026, 1, 5)
    assert project.skills == ["Planning", "stakeholder management", "Jira"]
    assert project.is_public is True


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "  "}, "Give the title"),
        ({"kind": "hobby"}, "“hobby” is not a kind of project"),
        ({"title": "x" * 201}, "at most 200 characters"),
        ({"started_on": "5 March"}, "must be a date such as 2026-06-30"),
        ({"started_on": "2026-03-01", "ended_on": "2026-02-01"}, "cannot end"),
        ({"ended_on": "2026-03-11"}, "is in the future"),
        ({"skills": ["x" * 51]}, "A skill can be at most 50 characters"),
        ({"skills": [f"s{i}" for i in range(31)]}, "at most 30 skills"),
        ({"is_public": "yes"}, "must be true or false"),
        ({"milestones": ["one"]}, "by their ids"),
        ({"colour": "blue"}, "cannot be set here: colour"),
    ],
)
def test_bad_input_gets_a_clear_message_and_writes_nothing(learner, data, message):
    with pytest.raises(ValidationError) as error:
        create(learner, **data)

    assert message in " ".join(error.value.messages)
    assert not Project.objects.exists()


def test_only_milestones_of_enrolled_paths_can_be_linked(learner, path):
    # given: a milestone on a path the learner does not follow, and a retired one on theirs
    elsewhere = MilestoneFactory()
    retired = path_milestones(path)[0]
    retired.retired_at = NOW
    retired.save()

    # when / then
    for milestone in (elsewhere, retired):
        with pytest.raises(ValidationError, match="career paths you follow"):
            create(learner, milestones=[milestone.pk], ended_on=TODAY)
    assert not Project.objects.exists()
    assert not MilestoneProgress.objects.filter(learner=learner).exists()


def test_a_finished_project_marks_its_milestones_done_through_the_progress_service(learner, path):
    # given
    first, second = path_milestones(path)[:2]

    # when: a project created finished, linked to two milestones
    project = services.project_create(
        learner=learner,
        data={
            "title": "Rota app",
            "kind": "volunteer",
            "ended_on": TODAY,
            "milestones": [first.pk, second],
        },
        today=TODAY,
        now=NOW,
    )

    # then: both done, with the roadmap's own events (so streaks and the heatmap count them)
    assert set(project.milestones.all()) == {first, second}
    assert status_of(learner, first) == status_of(learner, second) == ProgressStatus.DONE
    events = ProgressEvent.objects.filter(learner=learner, to_status=ProgressStatus.DONE)
    assert {e.milestone_id for e in events} == {first.pk, second.pk}
    assert all(e.occurred_at == NOW for e in events)


def test_an_ongoing_project_completes_nothing_until_it_gets_an_end_date(learner, path):
    # given: an ongoing project linked to a milestone
    milestone = path_milestones(path)[0]
    project = create(learner, milestones=[milestone.pk])
    assert status_of(learner, milestone) is None

    # when: it is given an end date
    services.project_update(
        learner=learner, project=project, data={"ended_on": "2026-03-09"}, today=TODAY
    )

    # then
    assert status_of(learner, milestone) == ProgressStatus.DONE


def test_a_finished_project_completes_milestones_linked_later_but_not_reset_ones_again(
    learner, path
):
    # given: a finished project that completed one milestone, which the learner then reset
    first, second = path_milestones(path)[:2]
    project = create(learner, ended_on=TODAY, milestones=[first.pk])
    MilestoneProgress.objects.filter(learner=learner, milestone=first).update(
        status=ProgressStatus.NOT_STARTED
    )

    # when: they edit the title and link a second milestone
    services.project_update(
        learner=learner,
        project=project,
        data={"title": "Rota app v2", "milestones": [first.pk, second.pk]},
        today=TODAY,
    )

    # then: the new one is done; the reset one keeps the learner's choice
    assert status_of(learner, second) == ProgressStatus.DONE
    assert status_of(learner, first) == ProgressStatus.NOT_STARTED
    assert Project.objects.get().title == "Rota app v2"


def test_a_milestone_already_done_is_left_as_it_was(learner, path):
    # given
    milestone = path_milestones(path)[0]
    MilestoneProgressFactory(learner=learner, milestone=milestone, status=ProgressStatus.DONE)

    # when
    create(learner, ended_on=TODAY, milestones=[milestone.pk])

    # then: no second "done" event
    assert not ProgressEvent.objects.filter(learner=learner).exists()


def test_a_failed_update_changes_neither_the_project_nor_the_milestones(learner, path):
    # given
    milestone = path_milestones(path)[0]
    project = create(learner, milestones=[milestone.pk])

    # when: a valid end date together with a milestone of a path they do not follow
    with pytest.raises(ValidationError):
        services.project_update(
            learner=learner,
            project=project,
            data={"ended_on": TODAY, "milestones": [milestone.pk, MilestoneFactory().pk]},
            today=TODAY,
        )

    # then
    project.refresh_from_db()
    assert project.ended_on is None
    assert list(project.milestones.all()) == [milestone]
    assert status_of(learner, milestone) is None


def test_someone_elses_project_cannot_be_changed_or_deleted(learner):
    # given
    project = ProjectFactory()

    # when / then
    with pytest.raises(PermissionDenied):
        services.project_update(learner=learner, project=project, data={"title": "Mine now"})
    with pytest.raises(PermissionDenied):
        services.project_delete(learner=learner, project=project)
    with pytest.raises(PermissionDenied):
        services.project_link_add(learner=learner, project=project, url="https://example.com")
    project.refresh_from_db()
    assert project.title != "Mine now"


def test_deleting_a_project_keeps_the_milestones_it_completed(learner, path):
    milestone = path_milestones(path)[0]
    project = create(learner, ended_on=TODAY, milestones=[milestone.pk])

    services.project_delete(learner=learner, project=project)

    assert not Project.objects.exists()
    assert status_of(learner, milestone) == ProgressStatus.DONE


# --- Links -------------------------------------------------------------------------------------


def test_links_must_be_web_addresses_and_are_limited(learner):
    # given
    project = create(learner)

    # when
    link = services.project_link_add(
        learner=learner, project=project, url=" https://github.com/me/rota ", label="Code"
    )

    # then
    assert (link.url, link.label) == ("https://github.com/me/rota", "Code")
    for bad in ("", "github.com/me/rota", "javascript:alert(1)", "ftp://example.com/x"):
        with pytest.raises(ValidationError):
            services.project_link_add(learner=learner, project=project, url=bad)
    ProjectLinkFactory.create_batch(services.LINKS_MAX - 1, project=project)
    with pytest.raises(ValidationError, match="at most 20 links"):
        services.project_link_add(learner=learner, project=project, url="https://x.example")
    assert project.links.count() == services.LINKS_MAX


def test_a_link_is_removed_only_from_its_own_project(learner):
    project = create(learner)
    other = ProjectLinkFactory()

    with pytest.raises(ProjectLink.DoesNotExist):
        services.project_link_remove(learner=learner, project=project, link_id=other.pk)

    assert ProjectLink.objects.filter(pk=other.pk).exists()


# --- The public page's settings ----------------------------------------------------------------


def test_the_public_page_starts_unpublished_with_a_lower_case_address(learner):
    portfolio = services.public_portfolio_update(
        learner=learner, data={"slug": "  Ada-Lovelace ", "headline": "Hire me"}
    )

    assert (portfolio.slug, portfolio.headline, portfolio.is_published) == (
        "ada-lovelace",
        "Hire me",
        False,
    )


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("", "Give the address"),
        ("ab", "3 to 60 lower-case letters"),
        ("ada lovelace", "3 to 60 lower-case letters"),
        ("ada--lovelace", "3 to 60 lower-case letters"),
        ("-ada", "3 to 60 lower-case letters"),
        ("ada_lovelace", "3 to 60 lower-case letters"),
        ("adé", "3 to 60 lower-case letters"),
        ("x" * 61, "at most 60 characters"),
        ("admin", "a word the site uses itself"),
        ("Settings", "a word the site uses itself"),
        ("portfolio", "a word the site uses itself"),
        ("certifications", "a word the site uses itself"),  # a top-level address of the site
        ("dashboard", "a word the site uses itself"),  # inside roadmap's root include
    ],
)
def test_an_address_that_is_not_allowed_is_refused_and_nothing_is_saved(learner, slug, message):
    with pytest.raises(ValidationError) as error:
        services.public_portfolio_update(learner=learner, data={"slug": slug})

    assert message in " ".join(error.value.messages)
    assert not PublicPortfolio.objects.exists()


def test_an_address_is_unique_whatever_its_case(learner):
    # given
    PublicPortfolioFactory(slug="grace-hopper")

    # when / then
    with pytest.raises(ValidationError, match="“grace-hopper” is taken"):
        services.public_portfolio_update(learner=learner, data={"slug": "Grace-Hopper"})
    assert not PublicPortfolio.objects.filter(learner=learner).exists()


def test_keeping_ones_own_address_is_not_a_clash(learner):
    services.public_portfolio_update(learner=learner, data={"slug": "grace"})

    portfolio = services.public_portfolio_update(
        learner=learner, data={"slug": "grace", "headline": "New"}
    )

    assert portfolio.headline == "New"


def test_publishing_needs_an_address_and_unpublishing_is_immediate(learner):
    # given: no page yet
    with pytest.raises(ValidationError, match="Choose the address"):
        services.portfolio_publish(learner=learner)
    assert services.portfolio_unpublish(learner=learner) is None

    # when
    services.public_portfolio_update(learner=learner, data={"slug": "grace"})
    published = services.portfolio_publish(learner=learner)
    unpublished = services.portfolio_unpublish(learner=learner)

    # then
    assert published.is_published is True
    assert unpublished.is_published is False
    assert PublicPortfolio.objects.get(learner=learner).is_published is False


def test_visibility_settings_must_be_booleans(learner):
    with pytest.raises(ValidationError, match="must be true or false"):
        services.public_portfolio_update(
            learner=learner, data={"slug": "grace", "show_progress": "on"}
        )
    assert not PublicPortfolio.objects.exists()


def test_a_learner_with_a_page_elsewhere_is_not_affected(learner):
    # given: two learners, one with a page
    other = UserFactory()
    services.public_portfolio_update(learner=other, data={"slug": "other-page"})

    # when
    mine = services.public_portfolio_update(learner=learner, data={"slug": "my-page"})

    # then
    assert PublicPortfolio.objects.get(learner=other).slug == "other-page"
    assert mine.learner == learner
