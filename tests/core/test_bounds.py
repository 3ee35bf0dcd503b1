"""core.bounds: every number a person gives has an upper bound in the form or the API
field that reads it and, for the admin, on the model field; a huge number is refused with a
message, never a database error or a date past the year 9999."""

from __future__ import annotations

import pytest
from django import forms
from django.apps import apps
from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse
from rest_framework import serializers

from api import serializers as api_serializers
from certifications.models import LearnerCertification
from tests.accounts.factories import UserFactory
from tests.api.conftest import make_api_learner
from tests.portfolio.factories import JobApplicationFactory
from tests.project import PROJECT_PACKAGES
from tests.proof.test_fuzz_forms import _imported, project_form_classes

HUGE = "99999999999999999999999999"
# Model integers nobody types as a quantity: an order, a counter. The database's own range
# (Django's backend validators) bounds them in the admin.
UNBOUNDED_MODEL_FIELDS = {"position", "attempts", "status_code", "consecutive_failures"}


def _has_max_validator(field: models.Field) -> bool:
    return any(isinstance(v, MaxValueValidator) for v in field._validators)


def test_every_number_field_of_every_form_has_an_upper_bound():
    unbounded = []
    for path in sorted(project_form_classes()):
        form_class = _imported(path)
        # A model form also validates the model field (its validators run in full_clean).
        model = getattr(getattr(form_class, "_meta", None), "model", None)
        for name, field in form_class.base_fields.items():
            if isinstance(field, forms.DecimalField):
                bounded = field.max_value is not None or field.max_digits is not None
            elif isinstance(field, forms.IntegerField):
                bounded = field.max_value is not None or (
                    model is not None and _has_max_validator(model._meta.get_field(name))
                )
            else:
                continue
            if not bounded:
                unbounded.append(f"{path}.{name}")
    assert not unbounded, f"give these a max_value (core.bounds): {unbounded}"


def _input_serializers():
    for value in vars(api_serializers).values():
        if (
            isinstance(value, type)
            and issubclass(value, api_serializers.StrictInputSerializer)
            and value is not api_serializers.StrictInputSerializer
        ):
            yield value


def test_every_number_the_api_reads_has_an_upper_bound():
    unbounded = []
    for serializer in _input_serializers():
        for name, field in serializer().fields.items():
            field = getattr(field, "child", field)
            if isinstance(field, serializers.IntegerField) and field.max_value is None:
                unbounded.append(f"{serializer.__name__}.{name}")
    assert list(_input_serializers()), "no input serializer found"
    assert not unbounded, f"give these a max_value (core.bounds): {unbounded}"


def test_every_integer_a_model_stores_for_a_person_has_an_upper_bound():
    unbounded = []
    for config in apps.get_app_configs():
        if not config.name.startswith(PROJECT_PACKAGES):
            continue
        for model in config.get_models():
            for field in model._meta.get_fields():
                if (
                    isinstance(field, models.IntegerField)
                    and not isinstance(field, models.AutoField)
                    and field.editable
                    and not field.choices
                    and field.name not in UNBOUNDED_MODEL_FIELDS
                    and not _has_max_validator(field)
                ):
                    unbounded.append(f"{model._meta.label}.{field.name}")
    assert not unbounded, f"give these a MaxValueValidator (core.bounds): {unbounded}"


@pytest.mark.django_db
@pytest.mark.parametrize("months", [HUGE, "100000"])
def test_a_huge_validity_is_refused_with_a_message(client, months):
    # given
    learner = UserFactory()
    client.force_login(learner)

    # when
    response = client.post(
        reverse("certifications:track_custom"),
        {"name": "Forever", "validity_months": months},
        follow=True,
    )

    # then
    assert response.status_code == 200
    assert "Nothing changed" in response.content.decode()
    assert not LearnerCertification.objects.exists()


@pytest.mark.django_db
def test_a_huge_salary_is_refused_by_the_form_and_the_api(client):
    # given
    learner = make_api_learner()
    application = JobApplicationFactory(learner=learner.learner, salary_min=None)
    client.force_login(learner.learner)

    # when
    page = client.post(
        reverse("portfolio:application_new"),
        {"company": "Acme", "role": "PM", "status": "saved", "salary_min": HUGE},
    )
    api = learner.patch(f"/api/v1/applications/{application.pk}/", {"salary_min": int(HUGE)})

    # then
    assert page.status_code == 200 and "errorlist" in page.content.decode()
    assert api.status_code == 400 and "salary_min" in api.json()
    application.refresh_from_db()
    assert application.salary_min is None
