"""The digest's "Applications to follow up" section: what it lists, on whose date, in one query
per batch, and that it reaches the rendered email."""

import datetime as dt

import pytest

from portfolio.reminders import application_digest_sections
from reminders.services import preview, registry
from tests.accounts.factories import UserFactory
from tests.portfolio.factories import JobApplicationFactory

pytestmark = pytest.mark.django_db

# Noon UTC on Tuesday 10 March 2026: already 1:00 on Wednesday 11 March in Auckland (UTC+13).
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


def test_the_app_registers_its_section_provider():
    assert application_digest_sections in registry.DIGEST_SECTION_PROVIDERS


def test_the_section_lists_open_follow_ups_due_within_a_week_overdue_first():
    # given
    learner = UserFactory()
    overdue = JobApplicationFactory(
        learner=learner, company="Acme", role="AI PM", status="applied",
        next_action="Chase the recruiter", next_action_on=TODAY - dt.timedelta(days=2),
    )  # fmt: skip
    JobApplicationFactory(
        learner=learner, company="Globex", role="Delivery lead", next_action="",
        next_action_on=TODAY + dt.timedelta(days=7),
    )  # fmt: skip
    JobApplicationFactory(learner=learner, next_action_on=TODAY + dt.timedelta(days=8))
    JobApplicationFactory(learner=learner, status="rejected", next_action_on=TODAY)
    JobApplicationFactory(learner=learner, next_action_on=None)

    # when
    sections = application_digest_sections([learner], NOW)

    # then
    [section] = sections[learner.pk]
    assert section.title == "Applications to follow up"
    first, second = section.items
    assert first.text == "Chase the recruiter: AI PM at Acme"
    assert first.note == "was due 8 Mar 2026"
    assert first.url == f"http://testserver{overdue.get_absolute_url()}"
    assert second.text == "Follow up: Delivery lead at Globex"
    assert second.note == "due 17 Mar 2026"


def test_each_learner_is_judged_on_their_own_date():
    # given: the same follow-up date, 8 days after UTC's date and 7 after Auckland's
    in_utc = UserFactory(timezone="UTC")
    in_auckland = UserFactory(timezone="Pacific/Auckland")
    for learner in (in_utc, in_auckland):
        JobApplicationFactory(learner=learner, next_action_on=TODAY + dt.timedelta(days=8))
    today_for_auckland = JobApplicationFactory(
        learner=in_auckland, next_action_on=TODAY + dt.timedelta(days=1)
    )

    # when
    sections = application_digest_sections([in_utc, in_auckland], NOW)

    # then
    assert in_utc.pk not in sections
    items = sections[in_auckland.pk][0].items
    assert len(items) == 2
    assert items[0].note == "due today"
    assert today_for_auckland.company in items[0].text


@pytest.mark.parametrize("n", [3, 30])
def test_one_query_for_the_whole_batch(n, django_assert_num_queries):
    # given: n learners with two follow-ups each, and one with none
    learners = [UserFactory() for _ in range(n)]
    for learner in learners:
        JobApplicationFactory.create_batch(2, learner=learner, next_action_on=TODAY)
    quiet = UserFactory()

    # when
    with django_assert_num_queries(1):
        sections = application_digest_sections([*learners, quiet], NOW)

    # then
    assert len(sections) == n and quiet.pk not in sections
    assert all(len(s[0].items) == 2 for s in sections.values())


def test_no_learners_no_queries(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert application_digest_sections([], NOW) == {}


def test_the_section_appears_in_the_rendered_digest(monkeypatch):
    # given: an enrolled learner with a follow-up due tomorrow, and only this provider
    from tests.roadmap.factories import build_roadmap, enrolled_learner

    monkeypatch.setattr(registry, "DIGEST_SECTION_PROVIDERS", [])
    registry.digest_section_provider_register(application_digest_sections)
    learner = enrolled_learner(build_roadmap(steps=1, milestones_per_step=2))
    JobApplicationFactory(
        learner=learner, company="Acme", role="AI PM", next_action="Send the portfolio link",
        next_action_on=TODAY + dt.timedelta(days=1),
    )  # fmt: skip

    # when
    email = preview.reminder_preview(learner=learner, now=NOW)

    # then: both parts carry it
    for part in (email.text, email.html):
        assert "Applications to follow up" in part
        assert "Send the portfolio link: AI PM at Acme" in part
