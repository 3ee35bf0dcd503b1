"""The learner's pages over HTTP: browsing, enrolling, changing progress, privacy, query counts."""

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from roadmap.models import (
    Enrollment,
    EvidenceLink,
    MilestoneProgress,
    ProgressEvent,
    ProgressStatus,
)
from roadmap.services import progress as services
from roadmap.services.plan import plan_settings_set
from tests.accounts.factories import UserFactory
from tests.roadmap.factories import (
    CareerPathFactory,
    CourseFactory,
    EnrollmentFactory,
    EvidenceLinkFactory,
    MilestoneProgressFactory,
    MilestoneResourceFactory,
    build_roadmap,
    content_snapshot_read,
    enrolled_learner,
    path_milestones,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def path():
    return build_roadmap(steps=3, milestones_per_step=4, slug="ai-pm")


@pytest.fixture
def milestone(path):
    return path_milestones(path)[0]


@pytest.fixture
def learner(path):
    return enrolled_learner(path)


def url(name: str, milestone, **extra) -> str:
    kwargs = {
        "path_slug": milestone.step.path.slug,
        "step_slug": milestone.step.slug,
        "milestone_slug": milestone.slug,
    }
    return reverse(f"roadmap:{name}", kwargs={**kwargs, **extra})


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def assert_csp_clean(html: str) -> None:
    """The strict CSP forbids inline scripts, inline styles and inline handlers."""
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


# --- Browsing as a visitor ----------------------------------------------------------------------


def test_a_visitor_browses_paths_steps_and_milestones_with_their_courses(client, path, milestone):
    # given: a milestone with a paid course and a plain link
    paid = CourseFactory(
        title="Delivery of ML systems",
        provider="Example University",
        is_free=False,
        cost_amount="49.00",
        cost_currency="USD",
        hours=12,
    )
    MilestoneResourceFactory(milestone=milestone, course=paid)
    MilestoneResourceFactory(
        milestone=milestone, course=None, title="A useful guide", url="https://guide.example"
    )
    CareerPathFactory(title="Hidden draft", is_published=False)

    # when / then: the list
    page = client.get(reverse("roadmap:path_list"))
    html = page.content.decode()
    assert page.status_code == 200
    assert path.title in html and "Hidden draft" not in html
    assert "12 milestones" in html

    # the path: steps and milestones, and an invitation to sign up
    html = client.get(path.get_absolute_url()).content.decode()
    assert "Step 1" in html and milestone.title in html
    assert "Sign up to track your progress" in html
    assert_csp_clean(html)

    # the step: its milestones and courses, no controls
    html = client.get(milestone.step.get_absolute_url()).content.decode()
    assert milestone.title in html
    assert "Example Academy" in html  # the step's course from build_roadmap
    assert "Mark done" not in html
    assert_csp_clean(html)

    # the milestone: why, how, kind, effort and resources with provider, cost and hours
    html = client.get(milestone.get_absolute_url()).content.decode()
    for text in (
        "Why it matters.",
        "<li>First.</li>",
        "Learn",
        "about 4 hours",
        "Delivery of ML systems",
        "Example University",
        "49.00 USD",
        "12 hours",
        "A useful guide",
        "Free",
    ):
        assert text in html, text
    assert "Mark done" not in html
    assert "Sign up to track your progress" in html
    assert_csp_clean(html)


@pytest.mark.parametrize(
    "address",
    [
        "/paths/nope/",
        "/paths/ai-pm/nope/",
        "/paths/ai-pm/s0/nope/",
        "/paths/ai-pm/s1/s0-m0/",  # a real milestone under the wrong step
    ],
)
def test_unknown_slugs_are_not_found(client, path, address):
    assert client.get(address).status_code == 404


def test_an_unpublished_path_and_a_retired_milestone_are_not_found(client, path, milestone):
    other = path_milestones(path)[1]
    other.retired_at = timezone.now()
    other.save()
    assert client.get(other.get_absolute_url()).status_code == 404

    path.is_published = False
    path.save()
    for address in (path.get_absolute_url(), milestone.get_absolute_url()):
        assert client.get(address).status_code == 404


def test_the_dashboard_needs_a_login(client):
    response = client.get(reverse("roadmap:dashboard"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


# --- Enrolment ----------------------------------------------------------------------------------


def test_a_logged_in_learner_enrols_with_one_post_and_can_join_several_paths(client, path):
    # given
    learner = UserFactory()
    client.force_login(learner)
    second = build_roadmap(steps=1, milestones_per_step=2, slug="second")
    assert "Enrol in" in client.get(path.get_absolute_url()).content.decode()

    # when
    response = client.post(reverse("roadmap:path_enrol", args=[path.slug]))
    client.post(reverse("roadmap:path_enrol", args=[path.slug]))  # a second click
    client.post(reverse("roadmap:path_enrol", args=[second.slug]))

    # then: the first enrolment leads to the plan's onboarding
    assert response.status_code == 302
    assert response.url == reverse("roadmap:plan_setup")
    assert Enrollment.objects.filter(learner=learner).count() == 2
    html = client.get(reverse("roadmap:dashboard")).content.decode()
    assert path.title in html and second.title in html


def test_enrolling_needs_a_post_and_a_login(client, path):
    assert client.get(reverse("roadmap:path_enrol", args=[path.slug])).status_code == 302
    client.force_login(UserFactory())
    assert client.get(reverse("roadmap:path_enrol", args=[path.slug])).status_code == 405
    assert client.post(reverse("roadmap:path_enrol", args=["nope"])).status_code == 404
    assert not Enrollment.objects.exists()


def test_enrolling_from_a_milestone_page_returns_there(client, path, milestone):
    # given: a learner who has a plan already (so no onboarding)
    learner = UserFactory()
    plan_settings_set(learner=learner, hours_per_week=6, weekdays=[0])
    client.force_login(learner)

    response = client.post(
        reverse("roadmap:path_enrol", args=[path.slug]),
        {"next": milestone.get_absolute_url()},
    )

    assert response.url == milestone.get_absolute_url()
    html = client.get(response.url).content.decode()
    assert "Mark done" in html


# --- Status changes -----------------------------------------------------------------------------


def test_a_status_change_without_javascript_redirects_back_with_a_message(
    client, learner, milestone
):
    client.force_login(learner)
    step_page = milestone.step.get_absolute_url()

    response = client.post(
        url("milestone_status", milestone), {"status": "done", "next": step_page}
    )

    assert response.status_code == 302
    assert response.url == step_page
    assert MilestoneProgress.objects.get(learner=learner, milestone=milestone).status == "done"
    assert messages_of(response) == [f"“{milestone.title}” is done. Well done!"]


def test_a_status_change_by_htmx_answers_with_the_row_and_the_steps_progress(
    client, learner, milestone
):
    client.force_login(learner)

    response = client.post(
        url("milestone_status", milestone),
        {"status": "done", "fragment": "row", "next": milestone.step.get_absolute_url()},
        **HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert response["Vary"].count("HX-Request") == 1
    assert html.lstrip().startswith(
        f'<li class="milestone-row status-done" id="milestone-{milestone.pk}"'
    )
    assert (
        f'id="step-progress-{milestone.step_id}" class="step-progress" hx-swap-oob="true"' in html
    )
    assert "25% · 1 of 4 done" in html
    assert "is done" in html  # announced in the live region
    assert "<html" not in html
    # no message left over for the next full page
    assert messages_of(response) == []


def test_a_status_change_by_htmx_on_the_milestone_page_answers_with_the_status_card(
    client, learner, milestone
):
    client.force_login(learner)

    response = client.post(
        url("milestone_status", milestone), {"status": "in_progress", "fragment": "card"}, **HTMX
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="milestone-status"')
    assert "In progress" in html and "Started" in html


def test_an_unknown_status_changes_nothing(client, learner, milestone):
    client.force_login(learner)

    response = client.post(url("milestone_status", milestone), {"status": "finished"})
    htmx = client.post(url("milestone_status", milestone), {"status": "finished"}, **HTMX)

    assert response.status_code == 302
    assert "is not a milestone status" in messages_of(response)[0]
    assert htmx.status_code == 400
    assert not MilestoneProgress.objects.exists()


def test_next_must_be_a_local_address(client, learner, milestone):
    client.force_login(learner)

    response = client.post(
        url("milestone_status", milestone), {"status": "done", "next": "https://evil.example/"}
    )

    assert response.url == milestone.get_absolute_url()


def test_a_learner_not_enrolled_cannot_change_progress_on_that_path(client, learner, milestone):
    # given: an enrolled learner's evidence, and another learner who is not enrolled
    evidence = EvidenceLinkFactory(
        progress=MilestoneProgressFactory(learner=learner, milestone=milestone)
    )
    outsider = UserFactory()
    client.force_login(outsider)

    # when / then: every progress address answers 404
    for name, data, extra in [
        ("milestone_status", {"status": "done"}, {}),
        ("milestone_target_date", {"target_date": "2099-01-01"}, {}),
        ("milestone_notes", {"notes": "hi"}, {}),
        ("milestone_evidence_add", {"url": "https://example.com"}, {}),
        ("milestone_evidence_delete", {}, {"evidence_id": evidence.pk}),
    ]:
        assert client.post(url(name, milestone, **extra), data).status_code == 404, name
    assert not MilestoneProgress.objects.filter(learner=outsider).exists()
    assert EvidenceLink.objects.filter(pk=evidence.pk).exists()


def test_progress_changes_need_a_login(client, milestone):
    response = client.post(url("milestone_status", milestone), {"status": "done"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_an_htmx_change_after_the_session_ended_sends_the_whole_page_to_the_login(
    client, milestone
):
    step_page = milestone.step.get_absolute_url()

    response = client.post(
        url("milestone_status", milestone), {"status": "done", "next": step_page}, **HTMX
    )

    assert response.status_code == 401
    assert response["HX-Redirect"] == f"{reverse('account_login')}?next=%2Fpaths%2Fai-pm%2Fs0%2F"
    assert not MilestoneProgress.objects.exists()


# --- Target date, notes, evidence ---------------------------------------------------------------


def test_a_target_date_in_the_past_gets_a_message_and_changes_nothing(client, learner, milestone):
    # given: a learner in Auckland, where it may already be tomorrow
    learner.timezone = "Pacific/Auckland"
    learner.save()
    client.force_login(learner)
    today = timezone.localdate(timezone=learner.zone)

    # when
    past = client.post(
        url("milestone_target_date", milestone),
        {"target_date": (today - dt.timedelta(days=1)).isoformat()},
    )

    # then
    assert past.status_code == 302
    assert "is in the past" in messages_of(past)[0]
    assert not MilestoneProgress.objects.filter(learner=learner).exists()

    # when: today (theirs) is fine, and clearing works
    client.post(url("milestone_target_date", milestone), {"target_date": today.isoformat()})
    assert MilestoneProgress.objects.get(learner=learner).target_date == today
    client.post(url("milestone_target_date", milestone), {"target_date": "", "clear": "1"})
    assert MilestoneProgress.objects.get(learner=learner).target_date is None


def test_a_malformed_target_date_gets_a_message(client, learner, milestone):
    client.force_login(learner)

    response = client.post(url("milestone_target_date", milestone), {"target_date": "soon"})

    assert "Enter a date such as" in messages_of(response)[0]
    assert not ProgressEvent.objects.exists()


def test_notes_are_saved_and_shown_only_to_their_author(client, path, learner, milestone):
    # given
    client.force_login(learner)
    client.post(url("milestone_notes", milestone), {"notes": "Ask Sam about the data."})

    # then: the author sees them
    assert "Ask Sam about the data." in client.get(milestone.get_absolute_url()).content.decode()

    # and another learner on the same path does not
    client.force_login(enrolled_learner(path))
    assert "Ask Sam" not in client.get(milestone.get_absolute_url()).content.decode()


def test_evidence_links_must_be_http_and_are_listed_on_the_milestone(client, learner, milestone):
    client.force_login(learner)

    bad = client.post(
        url("milestone_evidence_add", milestone), {"url": "javascript:alert(1)", "label": "x"}
    )
    assert "must start with http:// or https://" in messages_of(bad)[0]
    assert not EvidenceLink.objects.exists()
    client.get(milestone.get_absolute_url())  # shows, and so clears, the message

    good = client.post(
        url("milestone_evidence_add", milestone),
        {"url": "https://github.com/ada/eval", "label": "Evaluation notebook"},
    )
    assert messages_of(good) == ["Evidence link added."]
    assert list(EvidenceLink.objects.values_list("url", flat=True)) == [
        "https://github.com/ada/eval"
    ]
    html = client.get(milestone.get_absolute_url()).content.decode()
    assert 'href="https://github.com/ada/eval"' in html and "Evaluation notebook" in html
    assert "Evidence added: https://github.com/ada/eval" in html  # the history


# --- A learner sees and changes only their own progress -----------------------------------------


def test_another_learners_evidence_link_is_not_found(client, path, learner, milestone):
    # given: Ada's evidence link, and Bob enrolled in the same path with progress there too
    adas = EvidenceLinkFactory(
        progress=MilestoneProgressFactory(learner=learner, milestone=milestone)
    )
    bob = enrolled_learner(path)
    MilestoneProgressFactory(learner=bob, milestone=milestone)
    client.force_login(bob)

    # when
    response = client.post(url("milestone_evidence_delete", milestone, evidence_id=adas.pk))

    # then
    assert response.status_code == 404
    assert EvidenceLink.objects.filter(pk=adas.pk).exists()

    # and Ada can remove it, but only under its own milestone's address
    client.force_login(learner)
    other = path_milestones(path)[1]
    wrong = client.post(url("milestone_evidence_delete", other, evidence_id=adas.pk))
    assert wrong.status_code == 404
    right = client.post(url("milestone_evidence_delete", milestone, evidence_id=adas.pk))
    assert right.status_code == 302
    assert not EvidenceLink.objects.filter(pk=adas.pk).exists()


def test_a_learners_status_and_dates_are_not_shown_to_others(client, path, learner, milestone):
    # given: Ada has finished a milestone with a target date
    services.milestone_status_set(learner=learner, milestone=milestone, status="done")
    services.milestone_target_date_set(
        learner=learner,
        milestone=milestone,
        target_date=dt.date(2099, 1, 1),
        today=dt.date(2026, 1, 1),
    )
    bob = enrolled_learner(path)
    client.force_login(bob)

    # when / then: Bob's pages show his own (empty) progress
    for address in (
        milestone.get_absolute_url(),
        milestone.step.get_absolute_url(),
        path.get_absolute_url(),
        reverse("roadmap:dashboard"),
    ):
        html = client.get(address).content.decode()
        assert "status-done" not in html, address
        assert "2099" not in html, address


# --- Pages --------------------------------------------------------------------------------------


def test_the_dashboard_prompts_a_learner_without_a_path_to_browse(client):
    client.force_login(UserFactory())

    html = client.get(reverse("roadmap:dashboard")).content.decode()

    assert "Choose your first career path" in html
    assert reverse("roadmap:path_list") in html


def test_the_dashboard_shows_the_numbers_charts_and_their_text(client, path, learner):
    # given
    milestones = path_milestones(path)
    services.milestone_status_set(learner=learner, milestone=milestones[0], status="done")
    services.milestone_status_set(learner=learner, milestone=milestones[1], status="in_progress")
    client.force_login(learner)

    # when
    html = client.get(reverse("roadmap:dashboard")).content.decode()

    # then
    assert '<p class="stat-value" data-testid="overall-percent">8%</p>' in html
    assert "1 of 12 milestones done" in html
    assert html.count("<progress") == 1 + 1  # overall, the path
    # and the path's compact map: its three steps, a dot per milestone, each a link
    assert html.count('<li class="map-step') == 3
    assert html.count('<li class="map-node ') == 12
    assert html.count('class="map-node map-done') == 1
    assert html.count('class="map-node map-in_progress map-here') == 1  # the work started
    assert len(re.findall(r'<rect class="heat heat-\d"[^>]* data-day=', html)) == 84
    assert "<title>" in html and "2 changes on 1 of the last 84 days." in html
    assert "Not enough history yet" in html
    assert '<p class="stat-value" data-testid="streak">1 day</p>' in html
    assert_csp_clean(html)


def _progress_everywhere(learner, path) -> None:
    """Progress, evidence and events on every milestone of the path."""
    milestones = path_milestones(path)
    now = timezone.now()
    rows = MilestoneProgress.objects.bulk_create(
        MilestoneProgress(
            learner=learner,
            milestone=m,
            status=ProgressStatus.DONE if i % 2 else ProgressStatus.IN_PROGRESS,
            started_at=now,
            completed_at=now if i % 2 else None,
            target_date=timezone.localdate() + dt.timedelta(days=i % 10),
        )
        for i, m in enumerate(milestones)
    )
    EvidenceLink.objects.bulk_create(
        EvidenceLink(progress=p, url=f"https://example.com/{p.pk}/{n}")
        for p in rows
        for n in range(2)
    )
    ProgressEvent.objects.bulk_create(
        ProgressEvent(
            learner=learner,
            milestone=m,
            kind="status",
            to_status="done",
            occurred_at=now - dt.timedelta(days=i % 84, hours=n),
        )
        for i, m in enumerate(milestones)
        for n in range(3)
    )


@pytest.mark.parametrize(("steps", "per_step"), [(6, 5), (10, 30)], ids=["30", "300"])
def test_pages_run_a_fixed_number_of_queries(
    client, steps, per_step, django_assert_max_num_queries
):
    # given: a learner with progress, evidence and events everywhere, on two paths
    path = build_roadmap(steps=steps, milestones_per_step=per_step, courses_per_step=3)
    learner = enrolled_learner(path)
    EnrollmentFactory(learner=learner, path=build_roadmap(steps=2, milestones_per_step=3))
    _progress_everywhere(learner, path)
    client.force_login(learner)
    milestones = path_milestones(path)
    milestone = milestones[-1]
    step_milestones = [m for m in milestones if m.step_id == milestone.step_id]
    for m in step_milestones[:-1]:
        MilestoneResourceFactory(milestone=milestone, course=CourseFactory())
        MilestoneResourceFactory(milestone=m, course=None, url="https://guide.example")

    # when / then: session + user + the page's own reads. The dashboard reads its stamp, then
    # the learner's rows in one statement (the enrolments with the content version, progress,
    # activity, events). The step and milestone pages take the content from the process's
    # snapshot (read once per content version, below) and read the content version with the
    # learner's enrolment and their rows in one query: the step page the progress on its rows,
    # the milestone page the progress row with its evidence and the history.
    content_snapshot_read()
    pages_and_limits = [
        (reverse("roadmap:dashboard"), 2 + 2),
        (reverse("roadmap:path_list"), 2 + 4),
        (path.get_absolute_url(), 2 + 4),
        (milestone.step.get_absolute_url(), 2 + 1),
        (milestone.get_absolute_url(), 2 + 1),
    ]
    for address, limit in pages_and_limits:
        with django_assert_max_num_queries(limit):
            response = client.get(address)
        assert response.status_code == 200, address

    # and an in-place status change: the content version with the enrolment, the write
    # (savepoint, the learner's plan locked, the locked read with the learner's other rows on
    # the step, update, event, release); nothing read after it. On PostgreSQL, for a learner
    # without a plan, the whole write is one statement (the row locked and updated, the event,
    # the other rows on the step): 1 for the write, was 4.
    write = 1 if connection.vendor == "postgresql" else 6
    with django_assert_max_num_queries(2 + 1 + write):
        response = client.post(
            url("milestone_status", milestones[0]),
            {"status": "done", "fragment": "row"},
            **HTMX,
        )
    assert response.status_code == 200


@pytest.mark.parametrize(("steps", "per_step"), [(6, 5), (10, 30)], ids=["30", "300"])
def test_a_planned_learners_status_change_runs_a_fixed_number_of_queries(
    client, steps, per_step, django_assert_max_num_queries
):
    # given: a learner with a plan, so each status change re-plans their open milestones
    path = build_roadmap(steps=steps, milestones_per_step=per_step, courses_per_step=3)
    learner = enrolled_learner(path)
    plan_settings_set(learner=learner, hours_per_week=6, weekdays=[0, 1, 2, 3, 4])
    client.force_login(learner)
    milestones = path_milestones(path)
    content_snapshot_read()

    # when / then: session, user, the content version with the enrolment; the write (savepoint,
    # the plan locked whole, the locked read, update, event), the re-plan with the plan already
    # in hand (the overview's two reads, the exam dates, the rows' new weeks, the plan's row
    # only if its missed anchors change), release; the step's rows are the locked read's. On
    # PostgreSQL the plan and the row are locked by one statement, the update and the event
    # are one: 3 for the write.
    write = 3 if connection.vendor == "postgresql" else 5
    for status in ("in_progress", "done"):
        with django_assert_max_num_queries(3 + write + 4 + 1 + 1):
            response = client.post(
                url("milestone_status", milestones[1]),
                {"status": status, "fragment": "row"},
                **HTMX,
            )
        assert response.status_code == 200
    assert ProgressEvent.objects.filter(learner=learner, milestone=milestones[1]).count() == 2


@pytest.mark.parametrize(("steps", "per_step"), [(6, 5), (10, 30)], ids=["30", "300"])
def test_visitor_pages_run_a_fixed_number_of_queries(
    client, steps, per_step, django_assert_max_num_queries
):
    path = build_roadmap(steps=steps, milestones_per_step=per_step, courses_per_step=3)
    milestone = path_milestones(path)[-1]
    content_snapshot_read()

    # the step and milestone pages: the content version alone, the content from the snapshot
    for address, limit in (
        (reverse("roadmap:path_list"), 4),
        (path.get_absolute_url(), 4),
        (milestone.step.get_absolute_url(), 1),
        (milestone.get_absolute_url(), 1),
    ):
        with django_assert_max_num_queries(limit):
            assert client.get(address).status_code == 200


def test_the_milestone_page_knows_enrolment_per_learner_and_per_path(client, path, milestone):
    # given: a learner enrolled in the path, another enrolled only in another path, a visitor
    enrolled = enrolled_learner(path)
    elsewhere = enrolled_learner(build_roadmap(steps=1, milestones_per_step=1))
    status_url = url("milestone_status", milestone).encode()

    # when / then: only the enrolled learner gets the status controls and the target date
    client.force_login(enrolled)
    page = client.get(milestone.get_absolute_url())
    assert page.status_code == 200
    assert status_url in page.content and b'id="target-heading"' in page.content
    client.force_login(elsewhere)
    page = client.get(milestone.get_absolute_url())
    assert page.status_code == 200
    assert status_url not in page.content and b'id="target-heading"' not in page.content
    client.logout()
    page = client.get(milestone.get_absolute_url())
    assert page.status_code == 200
    assert status_url not in page.content and b'id="target-heading"' not in page.content
