"""`manage.py seedportfoliodemo`: the demo learner's projects, public page and applications."""

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from portfolio.management.commands.seedportfoliodemo import DEMO_SLUG, SIDE_PROJECT_MILESTONE
from roadmap.management.commands.seeddemo import DEMO_EMAIL
from roadmap.models import MilestoneProgress

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seedportfoliodemo", force=True, stdout=out)
    return out.getvalue()


def test_it_needs_the_demo_learner_and_refuses_without_debug():
    with pytest.raises(CommandError, match="run `manage.py seeddemo` first"):
        seed()
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seedportfoliodemo", stdout=io.StringIO())


def test_the_demo_portfolio_is_complete_and_a_rerun_replaces_it(client):
    # given: the demo learner
    call_command("seeddemo", force=True, stdout=io.StringIO())
    learner = User.objects.get(email=DEMO_EMAIL)

    # when: seeded twice
    seed()
    output = seed()

    # then: the same story once, through the services
    assert "3 projects (2 public) at /p/demo-learner/, 4 applications" in output
    assert learner.projects.count() == 3
    statuses = sorted(learner.job_applications.values_list("status", flat=True))
    assert statuses == ["applied", "interviewing", "rejected", "saved"]
    acme = learner.job_applications.get(company="Acme Robotics")
    assert [c.to_status for c in acme.status_changes.all()] == ["saved", "applied", "interviewing"]
    progress = MilestoneProgress.objects.get(
        learner=learner, milestone__slug=SIDE_PROJECT_MILESTONE
    )
    assert progress.status == "done"
    response = client.get(f"/p/{DEMO_SLUG}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Support-ticket triage chatbot" in html and "Labelling vendor selection" not in html


def test_the_last_numbers_printed_are_the_ones_the_dashboard_shows(client):
    # given: the demo data as scripts/start loads it: the roadmap story, then the portfolio,
    # whose finished side project marks one more milestone done
    call_command("seeddemo", force=True, stdout=io.StringIO())
    out = io.StringIO()
    call_command("seedportfoliodemo", force=True, stdout=out)
    printed = out.getvalue().strip().splitlines()[-1]
    done, total, percent = re.search(r"(\d+) of (\d+) milestones done \((\d+)%\)", printed).groups()

    # when: the demo learner opens the dashboard
    client.login(email="demo@careerpath.local", password="demo-learner-2026!")
    html = client.get("/dashboard/").content.decode()

    # then: the same done count, total and percent
    assert f"{done} of {total} milestones done" in html
    assert f'data-testid="overall-percent">{percent}%<' in html
