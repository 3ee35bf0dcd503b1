"""Factories for CV checks and interview practice, and known texts for the CV check."""

import factory

from portfolio.cv_check import analyse
from portfolio.models import CVCheck, InterviewQuestion, PracticeAnswer, QuestionCategory
from tests.accounts.factories import UserFactory
from tests.portfolio.factories import JobApplicationFactory

__all__ = [
    "CV",
    "JOB",
    "CVCheckFactory",
    "InterviewQuestionFactory",
    "JobApplicationFactory",
    "PracticeAnswerFactory",
    "QuestionCategoryFactory",
]

# A job description and a CV whose overlap is known: the tests name the terms one lacks.
JOB = """\
AI Project Manager, Health Data team

We are looking for an AI project manager to lead the delivery of machine learning products
from prototype to production. You will manage stakeholders across clinical, legal and data
science teams, and run Scrum ceremonies with the engineers.

What you will do
- Plan and track delivery in Jira; report status to the steering committee.
- Own the project budget and the risk register.
- Work with data engineers on data pipelines and with ML engineers on MLOps and model monitoring.
- Make sure the product meets GDPR and our responsible AI principles.

What you bring
- Agile delivery experience (Scrum or Kanban) and stakeholder management.
- Some Python or SQL, enough to read a notebook and query data.
- PMP or PRINCE2 certification is a plus.
- Experience with clinical trials or clinical trials data.
"""

CV = """\
Sam Example, Project Manager

Experience
- Led a team of 8 engineers delivering a customer-churn ML model to production.
- Managed a £2m budget and reported monthly to the steering committee.
- Responsible for sprint planning and backlog refinement in Jira.
- Reduced release time by 30% by automating the test plan.
- Worked on stakeholder updates for finance and legal.

Skills: Python, SQL, Confluence, Excel.
"""

# What analyse(cv_text=CV, job_text=JOB) finds missing, heaviest first (the test pins it).
CV_LACKS = [
    "artificial-intelligence",
    "proof-of-concept",
    "risk-management",
    "data-pipeline",
    "mlops",
    "data-privacy",
    "responsible-ai",
    "agile",
    "pmp-or-prince2",
]


class QuestionCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuestionCategory

    slug = factory.Sequence(lambda n: f"category-{n}")
    name = factory.Sequence(lambda n: f"Category {n}")
    position = factory.Sequence(lambda n: n)


class InterviewQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InterviewQuestion

    slug = factory.Sequence(lambda n: f"question-{n}")
    category = factory.SubFactory(QuestionCategoryFactory)
    text = factory.Sequence(lambda n: f"How would you handle situation {n}?")
    guidance = "Use a real example and say what changed."
    position = factory.Sequence(lambda n: n)


class PracticeAnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticeAnswer

    learner = factory.SubFactory(UserFactory)
    question = factory.SubFactory(InterviewQuestionFactory)
    situation = "Our data pipeline failed the night before a release."
    task = "I had to decide whether the release could go ahead."
    action = "I brought the data engineers and the product owner together and agreed a plan."
    result = "We released a day later with the previous model; no customer was affected."
    confidence = 3


class CVCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CVCheck

    learner = factory.SubFactory(UserFactory)
    application = None
    cv_text = CV
    job_text = JOB
    result = factory.LazyAttribute(
        lambda o: analyse(cv_text=o.cv_text, job_text=o.job_text).to_dict()
    )
    score = factory.LazyAttribute(lambda o: o.result["score"])
