"""loadcertifications: the real data file loads, links milestones, and a rerun changes nothing."""

import copy
import datetime as dt

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from certifications.content import DATA_FILE, ContentError, certifications_load
from certifications.models import Certification
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
    for cert in Certification.objects.all():
        assert cert.source.startswith("https://") and cert.checked_on, cert.slug


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
    changed["certifications"][0]["checked_on"] = dt.date(2027, 1, 1)
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


def test_the_command_loads_the_file(roadmap, capsys):
    call_command("loadcertifications")
    assert "created" in capsys.readouterr().out
    assert Certification.objects.filter(slug="ethics-of-ai").exists()


def test_the_command_fails_clearly_without_the_roadmap(tmp_path):
    with pytest.raises(CommandError, match="loadroadmap"):
        call_command("loadcertifications")
