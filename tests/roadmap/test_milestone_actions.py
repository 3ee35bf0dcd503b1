"""Milestone actions (roadmap/actions.py): the data file's `actions`, checked and stored by the
loader, and drawn on the milestone page as links or form buttons to the app's tools."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.urls import reverse

from certifications.milestone_actions import CERTIFICATION_ACTION
from roadmap import actions as registry
from roadmap.models import Milestone
from roadmap.services.content import ContentError, roadmap_load, roadmap_load_file
from tests.accounts.factories import UserFactory
from tests.roadmap.factories import EnrollmentFactory, MilestoneFactory, content_snapshot_read

pytestmark = pytest.mark.django_db

DATA_FILE = Path(settings.BASE_DIR) / "roadmap" / "data" / "ai-project-manager.yaml"
CATALOGUE = Path(settings.BASE_DIR) / "certifications" / "data" / "certifications.yaml"


@pytest.fixture
def data() -> dict:
    return yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))


def _milestone_spec(data: dict, slug: str) -> dict:
    return next(m for s in data["steps"] for m in s["milestones"] if m["slug"] == slug)


# --- The loader -----------------------------------------------------------------------------


def test_the_real_file_stores_each_action_with_its_target_name():
    # when: the file is loaded on an empty database (no catalogue, no questions yet, as on a
    # fresh site where scripts/start loads the roadmap first)
    roadmap_load_file(path=DATA_FILE)

    # then
    pmp = Milestone.objects.get(slug="pmp-certification")
    assert pmp.actions[0] == {"kind": "certification", "target": "pmp", "name": "PMP"}
    assert Milestone.objects.get(slug="tailor-cv-keywords").actions[0] == {
        "kind": "cv-check",
        "target": "",
        "name": "",
    }
    interview = Milestone.objects.get(slug="technical-interview-prep").actions[0]
    assert interview == {"kind": "interview", "target": "technical", "name": "Technical delivery"}
    assert Milestone.objects.get(slug="relevant-degree").actions == []


def test_every_certification_action_is_a_catalogue_entry_that_completes_that_milestone(data):
    # the roadmap's "Track X" and the catalogue's "Completes these milestones" say the same
    catalogue = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))["certifications"]
    completes = {c["slug"]: set(c.get("milestones") or []) for c in catalogue}
    offered = [
        (m["slug"], a["certification"])
        for s in data["steps"]
        for m in s["milestones"]
        for a in m.get("actions") or []
        if isinstance(a, dict) and "certification" in a
    ]
    assert len(offered) >= 5
    for milestone, certification in offered:
        assert f"ai-project-manager/{milestone}" in completes[certification], milestone


@pytest.mark.parametrize(
    ("actions", "message"),
    [
        (["cv-chek"], "unknown action kind 'cv-chek' (one of application-board, certification,"),
        ([{"certification": "pmpx"}], "unknown certification 'pmpx' (not in the certification"),
        ([{"interview": "juggling"}], "unknown interview 'juggling' (not in the interview"),
        (["certification"], "the certification action needs a target"),
        ([{"cv-check": "x"}], "the cv-check action takes no target, got 'x'"),
        (["cv-check", "cv-check"], "the same action twice: cv-check"),
        ([["cv-check"]], "must be a kind (- cv-check) or one kind with its target"),
        ("cv-check", "must be a list"),
        (["cv-check"] * 2 + ["application-board"] * 3, "at most 4 actions, got 5"),
    ],
)
def test_a_bad_action_is_a_clear_error_naming_the_milestone_and_nothing_is_written(
    data, actions, message
):
    # given: the PMP milestone with a bad action
    bad = copy.deepcopy(data)
    _milestone_spec(bad, "pmp-certification")["actions"] = actions

    # when
    with pytest.raises(ContentError) as raised:
        roadmap_load(data=bad)

    # then
    errors = [e for e in raised.value.errors if message in e]
    assert errors, raised.value.errors
    assert "('pmp-certification').actions" in errors[0]
    assert not Milestone.objects.exists()


def test_a_certification_an_admin_added_to_the_catalogue_is_a_valid_target(data):
    from tests.certifications.factories import CertificationFactory

    CertificationFactory(slug="my-own-cert", name="My own certification", abbreviation="MOC")
    _milestone_spec(data, "pmp-certification")["actions"] = [{"certification": "my-own-cert"}]

    roadmap_load(data=data)

    action = Milestone.objects.get(slug="pmp-certification").actions[0]
    assert action["name"] == "MOC"


def test_changing_a_milestones_actions_updates_it_and_a_rerun_writes_nothing(data):
    roadmap_load(data=copy.deepcopy(data))
    _milestone_spec(data, "relevant-degree")["actions"] = ["application-board"]

    report = roadmap_load(data=copy.deepcopy(data))
    again = roadmap_load(data=copy.deepcopy(data))

    assert report.milestones.updated == 1 and not again.changed
    assert Milestone.objects.get(slug="relevant-degree").actions[0]["kind"] == "application-board"


# --- The milestone page ---------------------------------------------------------------------


def _pmp_milestone(**actions) -> Milestone:
    return MilestoneFactory(
        slug="pmp-certification",
        title="Earn the PMP certification",
        actions=[
            {"kind": "certification", "target": "pmp", "name": "PMP"},
            {"kind": "cv-check", "target": "", "name": ""},
            {"kind": "interview", "target": "leadership", "name": "Leadership and stakeholders"},
            {"kind": "portfolio-project", "target": "", "name": ""},
            {"kind": "application-board", "target": "", "name": ""},
        ],
    )


def test_a_learner_gets_each_tool_one_click_away_with_the_way_back(client):
    # given
    milestone = _pmp_milestone()
    learner = UserFactory()
    EnrollmentFactory(learner=learner, path=milestone.step.path)
    client.force_login(learner)

    # when
    html = client.get(milestone.get_absolute_url()).content.decode()

    # then: "Track PMP" posts to the tracker with the milestone; the others are links with it
    tools = html[html.index('id="tools-heading"') :]
    assert re.search(
        r'<form method="post" action="/certifications/track/pmp/">.*?'
        rf'<input type="hidden" name="from" value="{milestone.pk}">'
        r'<button type="submit" class="secondary">Track PMP</button>',
        tools,
        re.S,
    )
    for address, label in [
        (f"/portfolio/cv-checks/new/?from={milestone.pk}", "Check your CV against a job ad"),
        (
            f"/portfolio/questions/?category=leadership&amp;from={milestone.pk}",
            "Practise these questions: Leadership and stakeholders",
        ),
        (f"/portfolio/projects/new/?from={milestone.pk}", "Start a portfolio project"),
        (f"/portfolio/applications/?from={milestone.pk}", "Open your application board"),
    ]:
        assert f'<a class="button secondary" href="{address}">{label}' in tools, label


def test_a_visitor_is_sent_to_the_catalogue_entry_instead_of_a_form(client):
    milestone = _pmp_milestone()

    html = client.get(milestone.get_absolute_url()).content.decode()

    assert '<a class="button secondary" href="/certifications/#cert-pmp">Track PMP</a>' in html
    assert "/certifications/track/pmp/" not in html


def test_an_action_whose_kind_is_no_longer_registered_is_left_out(client):
    # given: a stored action of a kind nobody registers any more, and a malformed one
    milestone = MilestoneFactory(
        actions=[{"kind": "retired-tool", "target": "", "name": ""}, "junk", {"kind": "cv-check"}]
    )

    response = client.get(milestone.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "retired-tool" not in html and "Check your CV against a job ad" in html


def test_the_registry_refuses_an_unknown_method_and_a_kind_registers_once():
    with pytest.raises(ValueError, match="Unknown method"):
        registry.milestone_action_kind_register(
            registry.MilestoneActionKind(name="x", label=str, address=str, method="put")
        )
    registry.milestone_action_kind_register(CERTIFICATION_ACTION)
    assert registry.milestone_action_kind("certification") is CERTIFICATION_ACTION
    assert "x" not in registry.milestone_action_kinds()


@pytest.mark.parametrize("signed_in", [True, False])
def test_the_tools_add_no_query_to_the_milestone_page(
    client, signed_in, django_assert_max_num_queries
):
    # given: the milestone page's pin in test_views.py (session, user and its own one read;
    # one for a visitor), with the content in the process's snapshot
    milestone = _pmp_milestone()
    if signed_in:
        learner = UserFactory()
        EnrollmentFactory(learner=learner, path=milestone.step.path)
        client.force_login(learner)
    content_snapshot_read()

    # when / then
    with django_assert_max_num_queries(2 + 1 if signed_in else 1):
        html = client.get(milestone.get_absolute_url()).content.decode()
    assert "Track PMP" in html and "Open your application board" in html


def test_the_admin_shows_a_milestones_tools_without_letting_them_be_edited(admin_client):
    milestone = _pmp_milestone()

    html = admin_client.get(f"/admin/roadmap/milestone/{milestone.pk}/change/").content.decode()

    assert "certification: pmp, cv-check, interview: leadership" in html
    assert 'name="actions"' not in html


def test_a_step_page_row_offers_its_milestones_tools_within_the_pages_pin(
    client, django_assert_max_num_queries
):
    # given: a learner on the path, and the PMP milestone among the step's rows
    milestone = _pmp_milestone()
    MilestoneFactory(step=milestone.step)
    learner = UserFactory()
    EnrollmentFactory(learner=learner, path=milestone.step.path)
    client.force_login(learner)
    content_snapshot_read()

    # when: the step page (pinned at session, user and two reads in test_views.py)
    with django_assert_max_num_queries(2 + 2):
        html = client.get(milestone.step.get_absolute_url()).content.decode()

    # then: the row carries the tools, and so does the row a status change swaps in
    row = html[html.index(f'id="milestone-{milestone.pk}"') :]
    assert '<ul class="action-chips"' in row and "Track PMP" in row
    assert f'href="/portfolio/applications/?from={milestone.pk}"' in row
    swapped = client.post(
        reverse(
            "roadmap:milestone_status",
            args=[milestone.step.path.slug, milestone.step.slug, milestone.slug],
        ),
        {"status": "done", "fragment": "row"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "Track PMP" in swapped
