"""Factories for certifications, with the PMP and CSM renewal rules as the catalogue has them."""

import datetime as dt

import factory

from certifications.models import (
    Certification,
    CertificationRenewal,
    CertStatus,
    CreditActivity,
    LearnerCertification,
    RenewalCategory,
)
from tests.accounts.factories import UserFactory


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification

    slug = factory.Sequence(lambda n: f"cert-{n}")
    name = factory.Sequence(lambda n: f"Certification {n}")
    issuer = "Example Institute"
    url = factory.Sequence(lambda n: f"https://certs.example.com/{n}")
    cost_amount = 100
    cost_currency = "USD"
    prep_hours = 20
    source = "https://certs.example.com/rules"
    checked_on = dt.date(2026, 11, 1)


class RenewalCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RenewalCategory

    certification = factory.SubFactory(CertificationFactory)
    slug = factory.Sequence(lambda n: f"cat-{n}")
    name = factory.Sequence(lambda n: f"Category {n}")


def csm(**kwargs) -> Certification:
    return CertificationFactory(
        name="Certified ScrumMaster",
        validity_months=24,
        renewal_credits=20,
        credit_name="SEU",
        renewal_cycle_months=24,
        renewal_fee_amount=100,
        **kwargs,
    )


def pmp(**kwargs) -> Certification:
    cert = CertificationFactory(
        name="Project Management Professional",
        validity_months=36,
        renewal_credits=60,
        credit_name="PDU",
        renewal_cycle_months=36,
        renewal_fee_amount=150,
        **kwargs,
    )
    education = RenewalCategoryFactory(
        certification=cert, slug="education", name="Education", min_credits=35, position=0
    )
    for i, (slug, name) in enumerate(
        [
            ("ways-of-working", "Ways of Working"),
            ("power-skills", "Power Skills"),
            ("business-acumen", "Business Acumen"),
        ]
    ):
        RenewalCategoryFactory(
            certification=cert,
            slug=slug,
            name=name,
            min_credits=8,
            parent=education,
            position=i + 1,
        )
    RenewalCategoryFactory(
        certification=cert, slug="giving-back", name="Giving Back", max_credits=25, position=9
    )
    return cert


def category(cert: Certification, slug: str) -> RenewalCategory:
    return cert.categories.get(slug=slug)


class LearnerCertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearnerCertification

    learner = factory.SubFactory(UserFactory)
    certification = factory.SubFactory(CertificationFactory)
    status = CertStatus.PLANNED


class CreditActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditActivity

    learner_certification = factory.SubFactory(LearnerCertificationFactory)
    date = dt.date(2025, 1, 1)
    credits = 1
    description = factory.Sequence(lambda n: f"Webinar {n}")


class CertificationRenewalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificationRenewal

    learner_certification = factory.SubFactory(LearnerCertificationFactory)
    renewed_on = dt.date(2025, 12, 1)
    previous_expires_on = dt.date(2025, 12, 31)
    new_expires_on = dt.date(2027, 12, 31)
    previous_status = CertStatus.EARNED
