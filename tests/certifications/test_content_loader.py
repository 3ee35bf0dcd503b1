"""loadcertifications: the real data file loads, links milestones, and a rerun changes nothing."""

import copy
import datetime as dt

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from certifications.content import (
    DATA_FILE,
    ContentError,
    certifications_load,
    certifications_validate,
)
from certifications.models import Certification
from roadmap.models import Course
from roadmap.services.content import roadmap_load_file
from tests.accounts.factories import UserFactory
from tests.certifications.factories import LearnerCertificationFactory

pytestmark = pytest.mark.django_db

ROADMAP = DATA_FILE.parent.parent.parent / "roadmap" / "data" / "ai-project-manager.yaml"


@pytest.fixture
def roadmap():
    roadmap_load_file(path=ROADMAP)


def data() -> dict:
    return yaml.safe_load(DATA_FILE.read_text())


def test_the_catalogue_loads_with_rules_sources_and_milestones(roadmap):
    # when
    counts = certifications_load(data=data())

    # then
    assert counts["created"] >= 8
    pmp = Certification.objects.get(slug="pmp")
    assert (pmp.renewal_credits, pmp.credit_name, pmp.renewal_cycle_months) == (60, "PDU", 36)
    cats = {c.slug: c for c in pmp.categories.all()}
    assert cats["education"].min_credits == 35 and cats["giving-back"].max_credits == 25
    assert all(cats[s].parent_id == cats["education"].pk for s in ("power-skills",))
    assert pmp.member_cost_amount < pmp.cost_amount
    assert [m.slug for m in pmp.milestones.all()] == ["pmp-certification"]
    csm = Certification.objects.get(slug="csm")
    assert (csm.renewal_credits, csm.credit_name, csm.renewal_cycle_months) == (20, "SEU", 24)
    assert csm.renewal_fee_amount is not None
    psm = Certification.objects.get(slug="psm-1")
    assert psm.validity_months is None and not psm.renews_with_credits
    # an entry's check date is its facts' latest real check, or none when none is confirmed
    for spec in data()["certifications"]:
        cert = Certification.objects.get(slug=spec["slug"])
        checks = [f["checked_on"] for f in spec["facts"] if f.get("checked_on")]
        assert cert.source.startswith("https://"), cert.slug
        assert cert.checked_on == (max(checks) if checks else None), cert.slug
        assert all(f["source"].startswith("https://") for f in spec["facts"]), cert.slug


def test_the_catalogue_carries_the_2026_facts(roadmap):
    # when
    certifications_load(data=data())

    # then: AI-901 earns Azure AI Fundamentals; PMP's new exam; AWS renewal; PMI-ACP's rules
    azure = Certification.objects.get(slug="azure-ai-900")
    assert (azure.name, azure.abbreviation) == (
        "Microsoft Certified: Azure AI Fundamentals",
        "AI-901",
    )
    assert "30 June 2026" in azure.description
    assert [m.slug for m in azure.milestones.all()] == ["more-ai-certifications"]
    pmp = Certification.objects.get(slug="pmp")
    assert "9 July 2026: 240 minutes" in pmp.exam_format and "handbook" in pmp.exam_format.lower()
    aws = Certification.objects.get(slug="aws-ai-practitioner")
    assert "Machine Learning Engineer" in aws.renewal_notes and "50%" in aws.renewal_notes
    assert [m.slug for m in aws.milestones.all()] == ["more-ai-certifications"]
    acp = Certification.objects.get(slug="pmi-acp")
    cats = {c.slug: c for c in acp.categories.all()}
    assert (acp.renewal_credits, acp.renewal_cycle_months) == (30, 36)
    assert (cats["education"].min_credits, cats["giving-back"].max_credits) == (18, 12)
    assert {
        cats[s].min_credits for s in ("ways-of-working", "power-skills", "business-acumen")
    } == {4}
    assert "24 months" in acp.prerequisites and "28 hours" in acp.prerequisites
    assert [m.slug for m in acp.milestones.all()] == ["scrum-master-certification"]
    capm = Certification.objects.get(slug="capm")
    assert [m.slug for m in capm.milestones.all()] == ["pmp-certification"]


def test_the_csm_costs_one_figure_in_the_catalogue_and_on_the_roadmap(roadmap):
    certifications_load(data=data())
    csm = Certification.objects.get(slug="csm")
    course = Course.objects.get(url=csm.url)
    assert (course.cost_amount, course.cost_currency) == (csm.cost_amount, csm.cost_currency)


def test_a_rerun_changes_nothing_and_keeps_learners_trackers(roadmap):
    certifications_load(data=data())
    tracked = LearnerCertificationFactory(
        learner=UserFactory(), certification=Certification.objects.get(slug="pmp")
    )
    counts = certifications_load(data=data())
    assert counts["created"] == counts["updated"] == 0
    assert counts["unchanged"] == Certification.objects.count()
    tracked.refresh_from_db()


def test_a_changed_figure_updates_and_a_dropped_entry_is_unpublished(roadmap):
    certifications_load(data=data())
    changed = data()
    changed["certifications"][0]["renewal"]["credits"] = 25
    changed["certifications"][0]["facts"][0].update(
        checked_on=dt.date(2026, 12, 1), checked_against="https://example.com/stored-copy"
    )
    del changed["certifications"][-1]
    counts = certifications_load(data=changed)
    assert counts["updated"] == 1 and counts["unpublished"] == 1
    assert Certification.objects.get(slug="csm").renewal_credits == 25


def test_every_problem_is_reported_and_nothing_is_written(roadmap):
    bad = copy.deepcopy(data())
    bad["certifications"][0]["cost"]["amount"] = 19.99
    bad["certifications"][1]["url"] = "ftp://example.com"
    bad["certifications"][2]["renewal"]["cycle_months"] = None
    bad["certifications"][3]["milestones"] = ["ai-project-manager/no-such-milestone"]
    with pytest.raises(ContentError) as exc:
        certifications_load(data=bad)
    assert len(exc.value.errors) == 3  # the unknown milestone is checked once the rest is valid
    assert not Certification.objects.exists()
    bad = data()
    bad["certifications"][3]["milestones"] = ["ai-project-manager/no-such-milestone"]
    with pytest.raises(ContentError, match="no-such-milestone"):
        certifications_load(data=bad)


FACT = {"claim": "Costs 100 USD.", "source": "https://issuer.example/"}
READ = {"checked_against": "https://copy.example/"}


@pytest.mark.parametrize(
    ("fact", "error"),
    [
        (
            {"claim": "Costs 100 USD."},
            "facts[0].source: missing: every fact needs the address that publishes it",
        ),
        (
            {**FACT, "checked_on": dt.date(2026, 12, 1)},
            "facts[0].checked_against: a checked fact names the copy that was read",
        ),
        (
            {**FACT, **READ},
            "facts[0].checked_on: a fact checked against 'https://copy.example/' needs the date",
        ),
        (
            {**FACT, **READ, "checked_on": dt.date(2027, 1, 1)},
            "facts[0].checked_on: 2027-01-01 is in the future",
        ),
    ],
)
def test_a_fact_without_a_source_or_a_real_check_is_refused(roadmap, fact, error):
    bad = data()
    bad["certifications"][0]["facts"] = [fact]
    with pytest.raises(ContentError) as exc:
        certifications_validate_and_load(bad)
    assert exc.value.errors == [f"certifications[0].{error}"]
    assert not Certification.objects.exists()
    # and an entry without facts is refused too
    del bad["certifications"][0]["facts"]
    with pytest.raises(ContentError, match="missing required key 'facts'"):
        certifications_load(data=bad)


def certifications_validate_and_load(content):
    # the check date is compared with the day of the check, fixed here so the test never ages
    errors = certifications_validate(data=content, today=dt.date(2026, 12, 6))
    if errors:
        raise ContentError(errors)
    return certifications_load(data=content)


def test_the_command_loads_the_file(roadmap, capsys):
    call_command("loadcertifications")
    assert "created" in capsys.readouterr().out
    assert Certification.objects.filter(slug="ethics-of-ai").exists()


def test_the_command_fails_clearly_without_the_roadmap(tmp_path):
    with pytest.raises(CommandError, match="loadroadmap"):
        call_command("loadcertifications")
