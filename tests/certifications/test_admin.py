"""Admins curate the catalogue: list, add and change pages load, and a rule can be edited."""

import datetime as dt

import pytest
from django.urls import reverse

from certifications.models import Certification
from tests.accounts.factories import UserFactory
from tests.certifications.factories import CreditActivityFactory, LearnerCertificationFactory, pmp

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", ["certification", "learnercertification"])
def test_admin_pages_load(admin_client, model):
    cert = pmp()
    tracked = LearnerCertificationFactory(certification=cert, earned_on=dt.date(2025, 1, 1))
    CreditActivityFactory(learner_certification=tracked)
    obj = cert if model == "certification" else tracked
    for name, args in [("changelist", []), ("add", []), ("change", [obj.pk])]:
        response = admin_client.get(reverse(f"admin:certifications_{model}_{name}", args=args))
        assert response.status_code == 200, name


def test_an_admin_changes_a_renewal_rule(admin_client):
    # given
    cert = pmp()
    address = reverse("admin:certifications_certification_change", args=[cert.pk])
    form = admin_client.get(address).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "milestones"}
    data.update({"renewal_credits": 70, "checked_on": "2027-01-01", "milestones": []})
    for prefix in ("categories",):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": 0,
                f"{prefix}-INITIAL_FORMS": 0,
                f"{prefix}-MIN_NUM_FORMS": 0,
                f"{prefix}-MAX_NUM_FORMS": 1000,
            }
        )

    # when
    response = admin_client.post(address, data)

    # then
    assert response.status_code == 302, response.context["adminform"].form.errors
    cert.refresh_from_db()
    assert cert.renewal_credits == 70 and cert.checked_on == dt.date(2027, 1, 1)
    assert Certification.objects.count() == 1
