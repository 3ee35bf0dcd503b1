"""core.input_guard: a NUL character is refused at the edge (address, query string,
form field) with a clear 400 or message and nothing changed, and one-line fields lose their
control characters.
Run on PostgreSQL too (DATABASE_URL): it is the database that cannot hold a NUL."""

from __future__ import annotations

import pytest
from django import forms
from django.core import mail
from django.http import HttpResponse
from django.urls import reverse
from rest_framework import serializers

from api import serializers as api_serializers
from certifications.models import LearnerCertification
from core.input_guard import NulCharacterGuardMiddleware, _may_hold_nul, single_line
from portfolio.models import JobApplication
from tests.accounts.factories import UserFactory
from tests.api.conftest import make_api_learner
from tests.certifications.factories import pmp
from tests.portfolio.factories import JobApplicationFactory
from tests.proof.test_access_matrix import database_rows
from tests.proof.test_fuzz_forms import _imported, project_form_classes

pytestmark = pytest.mark.django_db


def test_a_nul_in_an_anonymous_query_string_is_a_clear_400(client):
    # given
    pmp()

    # when
    response = client.get("/certifications/compare/?c=%00&c=pmp")

    # then
    assert response.status_code == 400
    assert b"message message-error" in response.content
    assert "NUL character" in response.content.decode()


def test_a_nul_in_an_api_query_string_is_a_json_400():
    # given
    learner = make_api_learner()

    # when
    response = learner.get("/api/v1/milestones/", path="\x00")

    # then
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "NUL character" in response.json()["detail"]


def test_a_nul_in_a_query_parameter_name_is_refused_too(client):
    assert client.get("/certifications/?%00=1").status_code == 400


@pytest.mark.parametrize(
    "address", ["/calendar/%00.ics", "/api/v1/paths/%00/", "/reminders/unsubscribed/%00/"]
)
def test_a_nul_in_the_address_names_no_page(client, address):
    # when
    response = client.get(address)

    # then
    assert response.status_code == 404
    if address.startswith("/api/"):
        assert response.json() == {"detail": "Not found."}


def test_a_nul_in_a_form_field_is_refused_by_the_form_keeping_what_was_typed(client):
    # given
    learner = UserFactory()
    client.force_login(learner)
    before = database_rows()

    # when
    response = client.post(
        reverse("portfolio:application_new"),
        {"company": "Ac\x00me", "role": "AI PM", "status": "saved", "source": "Board"},
    )

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "Null characters are not allowed." in page and 'value="Board"' in page
    assert database_rows() == before


def test_single_line_turns_each_run_of_control_characters_into_one_space():
    assert single_line(" PMP\r\nBcc: x@example.com\t\x1b[31m\u2028ok\x7f ") == (
        "PMP Bcc: x@example.com [31m ok"
    )
    assert single_line("\x00") == "\x00"  # a NUL is refused elsewhere, never silently dropped


def test_a_custom_certification_name_with_a_line_break_is_stored_on_one_line(client):
    # given
    learner = UserFactory()
    client.force_login(learner)

    # when
    client.post(
        reverse("certifications:track_custom"),
        {"name": "Licence\r\nBcc: victim@example.com", "issuer": "Acme\n", "validity_months": "12"},
    )

    # then: stored on one line, so its expiry notice's subject is a valid header
    tracked = LearnerCertification.objects.get(learner=learner)
    assert (tracked.custom_name, tracked.custom_issuer) == (
        "Licence Bcc: victim@example.com",
        "Acme",
    )
    mail.EmailMessage(subject=f"{tracked.name} expires soon", to=["a@example.com"]).message()


def test_the_api_stores_one_line_fields_on_one_line():
    # given
    learner = make_api_learner()
    application = JobApplicationFactory(learner=learner.learner)

    # when
    response = learner.patch(
        f"/api/v1/applications/{application.pk}/",
        {"company": "Acme\r\nCorp", "next_action": "Call\u2028back", "notes": "line 1\nline 2"},
    )

    # then: multi-line notes keep their line break
    assert response.status_code == 200, response.json()
    application.refresh_from_db()
    assert (application.company, application.next_action, application.notes) == (
        "Acme Corp",
        "Call back",
        "line 1\nline 2",
    )


def test_a_one_line_field_of_control_characters_only_is_empty_and_so_refused_when_required():
    learner = make_api_learner()
    application = JobApplicationFactory(learner=learner.learner, company="Acme")

    response = learner.patch(f"/api/v1/applications/{application.pk}/", {"company": "\r\n\t"})

    assert response.status_code == 400 and "company" in response.json()
    assert JobApplication.objects.get(pk=application.pk).company == "Acme"


def test_a_cookie_holding_a_nul_is_ignored_as_if_expired(client):
    # when: a session cookie that would be looked up in the database
    response = client.get("/certifications/", HTTP_COOKIE="sessionid=abcdefgh\x00ijkl; a=b")

    # then: the page as for a visitor without a session
    assert response.status_code == 200
    assert response.wsgi_request.COOKIES == {"a": "b"}


def test_a_cookie_whose_quoted_value_spells_a_nul_as_an_escape_is_ignored_too(client):
    # when: a quoted value with an octal escape, which Django's cookie parsing turns into a NUL
    response = client.get("/certifications/", HTTP_COOKIE='sessionid="abc\\000def"; a=b')

    # then
    assert response.status_code == 200
    assert response.wsgi_request.COOKIES == {"a": "b"}


def test_a_request_without_a_nul_anywhere_is_passed_on_unparsed(rf):
    # given: cookies and a query string without a NUL, %00 or a backslash
    seen = {}

    def view(request):
        seen["parsed"] = {"GET", "COOKIES"} & set(request.__dict__)
        return HttpResponse("ok")

    request = rf.get("/certifications/?c=pmp&q=100%25", HTTP_COOKIE="sessionid=abc; a=b")

    # when
    response = NulCharacterGuardMiddleware(view)(request)

    # then: the guard judged from the raw text; parsing them is left to whoever needs them
    assert response.status_code == 200
    assert seen["parsed"] == set()


@pytest.mark.parametrize(
    "query, cookie",
    [("c=%00", ""), ("%00=1", ""), ("c=a\x00b", ""), ("", "s=a\x00b"), ("", 's="a\\000b"')],
)
def test_the_raw_check_never_lets_a_nul_the_parsed_request_holds_through(rf, query, cookie):
    # given: a request whose parsed query string or cookies hold a NUL
    request = rf.get("/certifications/", HTTP_COOKIE=cookie)
    request.META["QUERY_STRING"] = query
    parsed = rf.get("/certifications/", HTTP_COOKIE=cookie)
    parsed.META["QUERY_STRING"] = query
    holds_nul = any(
        "\x00" in text
        for text in [*parsed.GET.keys(), *parsed.GET.values(), *parsed.COOKIES.values()]
    )

    # then
    assert holds_nul
    assert _may_hold_nul(request)


def test_every_one_line_text_field_of_every_form_is_a_single_line_field():
    # given: the fields a browser shows as one line (not a text area, not hidden)
    one_line = [
        f"{path}.{name}"
        for path in sorted(project_form_classes())
        for name, field in _imported(path).base_fields.items()
        if type(field) is forms.CharField
        and not isinstance(field.widget, forms.Textarea | forms.HiddenInput)
    ]

    # then: each cleans control characters (core.form_fields.SingleLineField)
    assert not one_line, f"make these SingleLineField: {one_line}"


def test_every_text_the_api_reads_is_one_line_unless_it_is_notes():
    plain = [
        f"{serializer.__name__}.{name}"
        for serializer in vars(api_serializers).values()
        if isinstance(serializer, type)
        and issubclass(serializer, api_serializers.StrictInputSerializer)
        for name, field in serializer().fields.items()
        if type(field) is serializers.CharField and name != "notes"
    ]
    assert not plain, f"make these api.fields.SingleLineField: {plain}"


def test_the_catalogue_admin_keeps_a_certification_name_on_one_line(rf):
    # given: the admin's form for a catalogue certification
    from django.contrib import admin

    from certifications.models import Certification

    request = rf.get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    form_class = admin.site._registry[Certification].get_form(request)

    # when
    cleaned = form_class.base_fields["name"].clean("PMP\r\nBcc: victim@example.com")

    # then: one line, and the URL and choice fields keep their own form fields
    assert cleaned == "PMP Bcc: victim@example.com"
    assert type(form_class.base_fields["source"]) is forms.URLField
