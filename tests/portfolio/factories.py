"""Factories for projects, the public portfolio and job applications ("practice" keeps its own
in factories_practice.py)."""

import datetime as dt

import factory
from django.utils import timezone

from portfolio.models import (
    ApplicationContact,
    ApplicationStatus,
    ApplicationStatusChange,
    JobApplication,
    Project,
    ProjectKind,
    ProjectLink,
    PublicPortfolio,
)
from tests.accounts.factories import UserFactory


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        skip_postgeneration_save = True

    learner = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Project {n}")
    kind = ProjectKind.SIDE_PROJECT
    role = "Project lead"
    started_on = dt.date(2025, 1, 6)
    context = "A community food bank needed a volunteer rota."
    what_i_did = "Planned the work, ran weekly stand-ups, tracked risks."
    outcome = "Rota gaps down from 12 to 2 a month."
    skills = factory.LazyFunction(lambda: ["Planning", "Stakeholder management"])


class ProjectLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectLink

    project = factory.SubFactory(ProjectFactory)
    label = "Write-up"
    url = factory.Sequence(lambda n: f"https://example.com/write-up/{n}")


class PublicPortfolioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PublicPortfolio

    learner = factory.SubFactory(UserFactory)
    slug = factory.Sequence(lambda n: f"learner-{n}")
    headline = "Aspiring AI project manager"
    summary = "Ten years in operations, now leading AI projects."
    is_published = True


class JobApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobApplication

    learner = factory.SubFactory(UserFactory)
    company = factory.Sequence(lambda n: f"Company {n}")
    role = "AI Project Manager"
    source = "Job board"
    status = ApplicationStatus.SAVED
    status_changed_at = factory.LazyFunction(timezone.now)


class ApplicationStatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApplicationStatusChange

    application = factory.SubFactory(JobApplicationFactory)
    from_status = ""
    to_status = ApplicationStatus.SAVED
    changed_at = factory.LazyFunction(timezone.now)


class ApplicationContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApplicationContact

    application = factory.SubFactory(JobApplicationFactory)
    name = factory.Sequence(lambda n: f"Recruiter {n}")
    title = "Talent partner"
    email = factory.Sequence(lambda n: f"recruiter{n}@company.example")
