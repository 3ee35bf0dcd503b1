"""`manage.py seedportfoliodemo`: projects, a published public page and job applications for the
demo learner that `seeddemo` creates.

Everything is written through the portfolio's own services (so a finished side project marks its
roadmap milestone done, as it would for a learner), in one transaction. Rerunning it replaces the
demo learner's portfolio and applications with a fresh copy of the same story, dated from today.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from portfolio.models import JobApplication, Project, PublicPortfolio
from portfolio.services import applications as application_services
from portfolio.services import projects as project_services
from roadmap.management.commands.seeddemo import DEMO_EMAIL, DEMO_PATH, dashboard_summary
from roadmap.models import Milestone

DEMO_SLUG = "demo-learner"
SIDE_PROJECT_MILESTONE = "side-project-ai-tool"


class Command(BaseCommand):
    help = (
        f"Give the demo learner ({DEMO_EMAIL}, made by seeddemo) three projects, a published "
        f"public page at /p/{DEMO_SLUG}/ and four job applications."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off: the demo account has a published password.",
        )

    def handle(self, *args, force: bool = False, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off, so this may be a real site: the demo learner's password is "
                "public. Pass --force if you really want the demo portfolio here."
            )
        learner = User.objects.filter(email=DEMO_EMAIL).first()
        if learner is None:
            raise CommandError("There is no demo learner yet: run `manage.py seeddemo` first.")
        today = timezone.localdate(timezone=learner.zone)
        now = timezone.now()
        with transaction.atomic():
            Project.objects.filter(learner=learner).delete()
            JobApplication.objects.filter(learner=learner).delete()
            PublicPortfolio.objects.filter(learner=learner).delete()
            projects = self._projects(learner, today=today, now=now)
            applications = self._applications(learner, now=now, today=today)
            project_services.public_portfolio_update(
                learner=learner,
                data={
                    "slug": DEMO_SLUG,
                    "headline": "Operations lead becoming an AI project manager",
                    "summary": (
                        "Eight years running operations teams; now shipping small AI tools "
                        "and learning to lead machine-learning projects end to end."
                    ),
                    "show_progress": True,
                    "show_certifications": True,
                    "is_published": True,
                },
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo portfolio ready: {len(projects)} projects "
                f"({sum(p.is_public for p in projects)} public) at /p/{DEMO_SLUG}/, "
                f"{len(applications)} applications on the board."
            )
        )
        # The finished side project marked its milestone done: say what the dashboard shows now.
        self.stdout.write(self.style.SUCCESS(f"Dashboard now: {dashboard_summary(learner)}"))

    def _projects(self, learner: User, *, today: dt.date, now: dt.datetime) -> list[Project]:
        milestone = (
            Milestone.objects.active()
            .filter(slug=SIDE_PROJECT_MILESTONE, step__path__slug=DEMO_PATH)
            .filter(step__path__enrollments__learner=learner)
            .first()
        )
        stories = [
            {
                "title": "Support-ticket triage chatbot",
                "kind": "side_project",
                "role": "Built it on my own, with feedback from two support agents",
                "started_on": today - dt.timedelta(days=75),
                "ended_on": today - dt.timedelta(days=12),
                "context": "A small web shop's support inbox took two days to answer.",
                "what_i_did": (
                    "Scoped the problem with the support team, labelled 400 past tickets, "
                    "fine-tuned a small classifier and put it behind a chat widget."
                ),
                "outcome": "First replies within 2 hours instead of 2 days; 78% routed right.",
                "skills": "Scoping, Data labelling, Hugging Face, Stakeholder interviews",
                "milestones": [milestone.pk] if milestone else [],
                "is_public": True,
            },
            {
                "title": "Food bank volunteer rota",
                "kind": "volunteer",
                "role": "Volunteer coordinator",
                "started_on": today - dt.timedelta(days=400),
                "ended_on": today - dt.timedelta(days=150),
                "context": "A food bank with 40 volunteers and a paper rota.",
                "what_i_did": "Moved the rota to a shared tool, ran a weekly ten-minute check-in.",
                "outcome": "Unfilled shifts down from 12 to 2 a month.",
                "skills": "Planning, Change management",
                "is_public": True,
            },
            {
                "title": "Labelling vendor selection",
                "kind": "job",
                "role": "Operations lead",
                "started_on": today - dt.timedelta(days=30),
                "context": "Choosing a data-labelling vendor for the churn-model pilot.",
                "skills": "Vendor management, Budgeting",
                "is_public": False,
            },
        ]
        projects = [
            project_services.project_create(learner=learner, data=data, today=today, now=now)
            for data in stories
        ]
        for url, label in (
            ("https://github.com/careerpath-demo/ticket-triage", "Code"),
            ("https://careerpath-demo.example/ticket-triage-case-study", "Case study"),
        ):
            project_services.project_link_add(
                learner=learner, project=projects[0], url=url, label=label
            )
        return projects

    def _applications(
        self, learner: User, *, now: dt.datetime, today: dt.date
    ) -> list[JobApplication]:
        def days_ago(n: int) -> dt.datetime:
            return now - dt.timedelta(days=n)

        stories = [
            ("Acme Robotics", "AI Project Manager", ["applied", "interviewing"],
             "Prepare the case-study presentation", today + dt.timedelta(days=2)),
            ("Globex", "Delivery Lead, Data Products", ["applied"],
             "Follow up with the recruiter", today - dt.timedelta(days=1)),
            ("Initech", "Technical Project Manager (ML)", [], "Ask Sam for an intro", None),
            ("Umbrella Health", "AI Programme Coordinator", ["applied", "rejected"], "", None),
        ]  # fmt: skip
        out = []
        for i, (company, role, moves, action, action_on) in enumerate(stories):
            application = application_services.application_create(
                learner=learner,
                data={
                    "company": company,
                    "role": role,
                    "source": "Referral" if i == 2 else "Job board",
                    "posting_url": f"https://jobs.example.com/{company.split()[0].lower()}",
                    "next_action": action,
                    "next_action_on": action_on,
                },
                now=days_ago(30 - i),
            )
            for n, status in enumerate(moves):
                application_services.application_move(
                    learner=learner,
                    application=application,
                    status=status,
                    now=days_ago(20 - 8 * n - i),
                )
            out.append(application)
        application_services.application_contact_add(
            learner=learner,
            application=out[0],
            data={"name": "Sam Lee", "title": "Talent partner", "email": "sam@acme.example"},
        )
        return out
