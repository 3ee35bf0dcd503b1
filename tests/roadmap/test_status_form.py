"""A status change reads its status by StatusForm's own field without making the form
(roadmap/forms.py's posted_status): the same answer and the same messages for every input, and
the view makes no form."""

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import translation

from core.form_actions import form_errors_text
from roadmap.forms import StatusForm, posted_status
from roadmap.models import MilestoneProgress, ProgressStatus
from tests.roadmap.factories import build_roadmap, enrolled_learner, path_milestones

HTMX = {"HTTP_HX_REQUEST": "true"}

POSTS = [
    "",  # no status at all
    "status=",
    "status=%20",
    "status=done",
    "status=%20done",
    "status=DONE",
    "status=finished",
    "status=%3Cb%3E%22x%22%3C%2Fb%3E%20%26",  # markup, quotes and an ampersand
    "status=%25(value)s",
    "status=done&status=finished",  # two values: the last is read, as the form reads it
    "status=finished&status=done",
    "other=done",
    *(f"status={status.value}" for status in ProgressStatus),
]


def form_answer(data: QueryDict) -> tuple[bool, str]:
    form = StatusForm(data)
    if form.is_valid():
        return True, form.cleaned_data["status"]
    return False, form_errors_text(form)


def posted_answer(data: QueryDict) -> tuple[bool, str]:
    try:
        return True, posted_status(data)
    except ValidationError as error:
        return False, " ".join(error.messages)


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("post", POSTS)
def test_the_posted_status_is_the_forms_answer_with_its_messages(post, language):
    data = QueryDict(post)
    with translation.override(language):
        assert posted_answer(data) == form_answer(data)


def test_the_answers_cover_each_way_a_status_is_refused_and_each_status():
    with translation.override("en"):
        answers = [posted_answer(QueryDict(post)) for post in POSTS]
    refused = {text for valid, text in answers if not valid}
    assert "This field is required." in refused
    assert "“finished” is not a milestone status." in refused
    assert {text for valid, text in answers if valid} == set(ProgressStatus.values)


def test_reading_a_status_leaves_the_forms_field_as_it_was():
    field = StatusForm.base_fields["status"]
    choices, messages = list(field.choices), dict(field.error_messages)
    for post in POSTS:
        posted_answer(QueryDict(post))
    assert (list(field.choices), dict(field.error_messages)) == (choices, messages)
    assert StatusForm.base_fields["status"] is field


@pytest.mark.django_db
def test_a_status_change_makes_no_form_and_refuses_as_the_form_would(client, monkeypatch):
    # given: an enrolled learner, and every form made from here on counted
    path = build_roadmap(steps=1, milestones_per_step=2)
    learner = enrolled_learner(path)
    milestone = path_milestones(path)[0]
    client.force_login(learner)
    status_url = milestone.get_absolute_url() + "status/"
    made = []
    real = forms.BaseForm.__init__

    def counting(self, *args, **kwargs):
        made.append(type(self))
        real(self, *args, **kwargs)

    monkeypatch.setattr(forms.BaseForm, "__init__", counting)

    # when: a good change by htmx, and a bad one by htmx and as a plain form
    done = client.post(status_url, {"status": "done", "fragment": "row"}, **HTMX)
    refused = client.post(status_url, {"status": "finished", "fragment": "row"}, **HTMX)
    missing = client.post(status_url, {"fragment": "row"}, **HTMX)

    # then: no form was made; the refusals are the form's messages, and nothing changed
    assert made == []
    assert done.status_code == 200
    assert (refused.status_code, refused.content.decode()) == (
        400,
        "“finished” is not a milestone status.",
    )
    assert (missing.status_code, missing.content.decode()) == (400, "This field is required.")
    assert MilestoneProgress.objects.get(learner=learner, milestone=milestone).status == "done"
