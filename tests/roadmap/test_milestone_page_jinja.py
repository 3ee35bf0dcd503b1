"""The milestone page in Jinja2 (templates/jinja2/roadmap/): its status card offers what the shared
status_controls.html offers, and the card a status change swaps in is the page's card."""

import datetime as dt
import re

import pytest
from django.template import engines
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from roadmap.models import ProgressStatus
from roadmap.selectors import paths as path_selectors
from roadmap.services import progress as services
from tests.roadmap.factories import (
    MilestoneProgressFactory,
    build_roadmap,
    enrolled_learner,
    path_milestones,
)
from tests.roadmap.markup import squash

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def card_of(html: str) -> str:
    match = re.search(r'<section id="milestone-status".*?</section>', html, re.S)
    assert match, "no status card"
    return squash(match.group(0))


@pytest.mark.parametrize("status", [None, *ProgressStatus.values])
def test_the_status_card_offers_what_status_controls_html_offers(status):
    # given: a milestone in each status, with a target date
    path = build_roadmap(steps=1, milestones_per_step=2)
    learner = enrolled_learner(path)
    milestone = path_milestones(path)[1]
    today = dt.date(2026, 3, 10)
    if status:
        MilestoneProgressFactory(
            learner=learner, milestone=milestone, status=status, target_date=today
        )
    state = path_selectors.milestone_state(learner=learner, milestone=milestone)
    request = RequestFactory().get("/")
    context = {"state": state, "today": today, "next": "/back/?a=1&b=2"}

    # when: the card, and the shared form with the card's fragment and target
    card = squash(
        engines["jinja2"]
        .get_template("roadmap/partials/milestone_status.html")
        .render(context, request)
    )
    controls = squash(
        render_to_string(
            "roadmap/partials/status_controls.html",
            {**context, "fragment": "card", "target": "#milestone-status"},
            request=request,
        )
    )
    badge = squash(render_to_string("roadmap/partials/status_badge.html", context))

    # then
    assert controls in card
    assert f"Status: {badge}" in card


def test_the_card_a_status_change_swaps_in_is_the_pages_card(client):
    # given: a learner on a milestone page, the milestone with a target date
    path = build_roadmap(steps=1, milestones_per_step=3)
    learner = enrolled_learner(path)
    client.force_login(learner)
    milestone = path_milestones(path)[1]
    services.milestone_target_date_set(
        learner=learner,
        milestone=milestone,
        target_date=timezone.localdate() + dt.timedelta(days=3),
        today=timezone.localdate(),
    )
    page_url = milestone.get_absolute_url()

    # when: its status changes by htmx, and the page is loaded again
    swap = client.post(
        page_url + "status/",
        {"status": "in_progress", "fragment": "card", "next": page_url},
        **HTMX,
    ).content.decode()
    page = client.get(page_url).content.decode()

    # then: the swapped card is the page's card, and the change is announced out of band
    assert card_of(swap) == card_of(page)
    assert "badge-due" in card_of(page) and "Started" in card_of(page)
    assert '<div id="live-status" hx-swap-oob="innerHTML">' in swap
    assert "is in progress." in swap


def test_why_prints_its_lines_as_djangos_linebreaksbr():
    context = {"why": "Risks & <rewards>\nsecond line\r\nthird"}
    expected = engines["django"].from_string("{{ why|linebreaksbr }}").render(context)
    printed = engines["jinja2"].from_string("{{ why|linebreaksbr }}").render(context)
    assert printed == expected == "Risks &amp; &lt;rewards&gt;<br>second line<br>third"
