"""Fuzzing every form: hypothesis posts generated input (huge strings, unicode, NUL bytes and
control characters, far-past and far-future dates, negative and enormous numbers, missing fields)
to the page that handles it.

For each example: no response is a 5xx; if the form (bound as the view binds it) is invalid,
an error is shown and nothing is written; if anything was written, the input was valid and no
error is shown; an error shown means nothing was written (a service may refuse valid-looking
input, e.g. a target date in the past, and must then leave no trace). Then the pages that show
what was written (the dashboard, the certifications, the applications, the calendar feed)
still answer without a server error: a value that is stored must also be shown.

Every form class in a project app's forms module must be listed in FORMS (or in NOT_FUZZED with
a reason): test_every_form_is_fuzzed fails on a new one and says what to add. django-allauth's
account forms are fuzzed through their pages in ALLAUTH_PAGES.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import importlib
import os
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django import forms
from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.services import calendar_feed_reset
from tests.accounts.factories import DEFAULT_PASSWORD
from tests.certifications.factories import (
    CreditActivityFactory,
    LearnerCertificationFactory,
    pmp,
)
from tests.portfolio.factories import JobApplicationFactory, ProjectFactory
from tests.portfolio.factories_practice import InterviewQuestionFactory
from tests.project import PROJECT_PACKAGES
from tests.proof.test_access_matrix import database_rows
from tests.roadmap.factories import (
    EvidenceLinkFactory,
    MilestoneProgressFactory,
    build_roadmap,
    enrolled_learner,
    path_milestones,
)

pytestmark = pytest.mark.django_db

# Modest and repeatable: CI runs every form's fuzz test in seconds, and a failing example is
# printed (with the seed) rather than stored in a .hypothesis/ folder of the checkout. Applied
# to the proof tests' own @given only (PROOF_SETTINGS), not loaded as everyone's profile.
PROOF_SETTINGS = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "25")),
    deadline=None,
    database=None,
    derandomize=os.environ.get("HYPOTHESIS_DERANDOMIZE", "1") == "1",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ERROR_MARKERS = ('class="message message-error"', 'class="errorlist"', 'class="form-errors"')


# --- The world the forms act on -----------------------------------------------------------------


class World:
    def __init__(self) -> None:
        self.path = build_roadmap(steps=1, milestones_per_step=2, courses_per_step=0, slug="fz")
        self.milestone = path_milestones(self.path)[0]
        self.learner = enrolled_learner(self.path, email="fuzz@example.com")
        progress = MilestoneProgressFactory(learner=self.learner, milestone=self.milestone)
        EvidenceLinkFactory(progress=progress)
        self.certification = pmp(slug="fuzz-pmp")
        self.tracked = LearnerCertificationFactory(
            learner=self.learner, certification=self.certification
        )
        CreditActivityFactory(learner_certification=self.tracked)
        self.project = ProjectFactory(learner=self.learner)
        self.application = JobApplicationFactory(learner=self.learner)
        self.question = InterviewQuestionFactory(slug="fuzz-question")
        self.calendar_secret = calendar_feed_reset(user=self.learner)

    def display_urls(self) -> list[str]:
        """The pages that show what the forms write, for the learner."""
        return [
            reverse("roadmap:dashboard"),
            self.milestone_url("detail"),
            reverse("certifications:mine"),
            reverse("certifications:tracker_detail", kwargs={"pk": self.tracked.pk}),
            reverse("portfolio:application_board"),
            self.application_url("application_detail"),
            reverse("portfolio:project_list"),
            reverse("calendar:feed", kwargs={"secret": self.calendar_secret}),
        ]

    def milestone_url(self, action: str) -> str:
        m = self.milestone
        return reverse(
            f"roadmap:milestone_{action}",
            kwargs={
                "path_slug": m.step.path.slug,
                "step_slug": m.step.slug,
                "milestone_slug": m.slug,
            },
        )

    def tracker_url(self, action: str) -> str:
        return reverse(f"certifications:{action}", kwargs={"pk": self.tracked.pk})

    def application_url(self, name: str) -> str:
        return reverse(f"portfolio:{name}", kwargs={"pk": self.application.pk})


# --- Which page handles which form ---------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    url: Callable[[World], str]
    # The form as the view binds it: the oracle of what is valid.
    bind: Callable[[World, dict | None], forms.BaseForm]
    method: str = "POST"
    extra: dict = field(default_factory=dict)  # fixed fields the page's form also sends
    # "force": a session as after logging in; "reauthenticated": that, and the password given
    # again on allauth's re-authentication page, as deleting the account asks; "": none.
    login: str = "force"
    # Answers that refuse input without showing a form: a 404 for an id that is not yours.
    refusals: frozenset[int] = frozenset()


def _roadmap(action: str, form: type[forms.Form]) -> Target:
    return Target(url=lambda w: w.milestone_url(action), bind=lambda w, data: form(data))


def _imported(path: str):
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def _tracker(action: str, form: str, **kwargs) -> Target:
    def bind(w: World, data):
        extra = {"categories": list(w.certification.categories.all())} if kwargs else {}
        return _imported(form)(data, **extra)

    return Target(url=lambda w: w.tracker_url(action), bind=bind)


def _settings(form: str, section: str) -> Target:
    def bind(w: World, data):
        return _imported(form)(data, instance=copy.copy(w.learner), prefix=section)

    return Target(url=lambda w: reverse("accounts:settings"), bind=bind, extra={"section": section})


FORMS: dict[str, Target] = {
    "roadmap.forms.StatusForm": _roadmap("status", _imported("roadmap.forms.StatusForm")),
    "roadmap.forms.TargetDateForm": _roadmap(
        "target_date", _imported("roadmap.forms.TargetDateForm")
    ),
    "roadmap.forms.NotesForm": _roadmap("notes", _imported("roadmap.forms.NotesForm")),
    "roadmap.forms.EvidenceForm": _roadmap("evidence_add", _imported("roadmap.forms.EvidenceForm")),
    "roadmap.forms.PlanSettingsForm": Target(
        url=lambda w: reverse("roadmap:plan"),
        bind=lambda w, data: _imported("roadmap.forms.PlanSettingsForm")(data),
    ),
    "roadmap.forms.PlanAnchorForm": Target(
        url=lambda w: reverse("roadmap:plan_anchor"),
        bind=lambda w, data: _imported("roadmap.forms.PlanAnchorForm")(data),
    ),
    "certifications.forms.CatalogueFilterForm": Target(
        url=lambda w: reverse("certifications:catalogue"),
        bind=lambda w, data: _imported("certifications.forms.CatalogueFilterForm")(
            data, issuers=_imported("certifications.selectors.issuers")()
        ),
        method="GET",
        login="",
    ),
    "certifications.forms.CustomCertificationForm": Target(
        url=lambda w: reverse("certifications:track_custom"),
        bind=lambda w, data: _imported("certifications.forms.CustomCertificationForm")(data),
    ),
    "certifications.forms.StatusForm": _tracker(
        "tracker_status", "certifications.forms.StatusForm"
    ),
    "certifications.forms.ExpiryForm": _tracker(
        "tracker_expiry", "certifications.forms.ExpiryForm"
    ),
    "certifications.forms.RenewForm": _tracker("tracker_renew", "certifications.forms.RenewForm"),
    "certifications.forms.CreditForm": _tracker(
        "credit_add", "certifications.forms.CreditForm", categories=True
    ),
    "accounts.forms.ProfileForm": _settings("accounts.forms.ProfileForm", "profile"),
    "accounts.forms.ReminderPreferencesForm": _settings(
        "accounts.forms.ReminderPreferencesForm", "reminders"
    ),
}


def _form(path: str, url: Callable[[World], str], method: str = "POST", **target) -> Target:
    """A form bound as its view binds it: `kwargs(world)` are its keyword arguments."""
    make_kwargs = target.pop("kwargs", lambda w: {})
    return Target(
        url=url,
        bind=lambda w, data: _imported(path)(data, **make_kwargs(w)),
        method=method,
        **target,
    )


FORMS.update(
    {
        "portfolio.forms.projects.ProjectForm": _form(
            "portfolio.forms.projects.ProjectForm",
            lambda w: reverse("portfolio:project_new"),
            kwargs=lambda w: {
                "milestones": _imported("portfolio.selectors.projects.linkable_milestones")(
                    learner=w.learner
                )
            },
        ),
        "portfolio.forms.projects.ProjectLinkForm": _form(
            "portfolio.forms.projects.ProjectLinkForm",
            lambda w: reverse("portfolio:project_link_add", kwargs={"pk": w.project.pk}),
        ),
        "portfolio.forms.projects.PublicPortfolioForm": _form(
            "portfolio.forms.projects.PublicPortfolioForm",
            lambda w: reverse("portfolio:public_settings"),
        ),
        "portfolio.forms.applications.ApplicationForm": _form(
            "portfolio.forms.applications.ApplicationForm",
            lambda w: w.application_url("application_edit"),
        ),
        "portfolio.forms.applications.ApplicationCreateForm": _form(
            "portfolio.forms.applications.ApplicationCreateForm",
            lambda w: reverse("portfolio:application_new"),
        ),
        "portfolio.forms.applications.MoveForm": _form(
            "portfolio.forms.applications.MoveForm",
            lambda w: w.application_url("application_move"),
        ),
        "portfolio.forms.applications.ContactForm": _form(
            "portfolio.forms.applications.ContactForm",
            lambda w: w.application_url("application_contact_add"),
        ),
        "portfolio.forms.applications.ApplicationFilterForm": _form(
            "portfolio.forms.applications.ApplicationFilterForm",
            lambda w: reverse("portfolio:application_list"),
            method="GET",
        ),
        "portfolio.forms.cv_checks.CVCheckForm": _form(
            "portfolio.forms.cv_checks.CVCheckForm",
            lambda w: reverse("portfolio:cv_check_new"),
            kwargs=lambda w: {
                "applications": _imported("portfolio.selectors.applications.applications_for")(
                    learner=w.learner
                )
            },
            # an application id that is not the learner's (or not an id) is a 404, by design
            refusals=frozenset({404}),
        ),
        "portfolio.forms.interview.PracticeAnswerForm": _form(
            "portfolio.forms.interview.PracticeAnswerForm",
            lambda w: reverse("portfolio:answer_add", kwargs={"slug": w.question.slug}),
        ),
        "portfolio.forms.interview.QuestionFilterForm": _form(
            "portfolio.forms.interview.QuestionFilterForm",
            lambda w: reverse("portfolio:question_bank"),
            method="GET",
            kwargs=lambda w: {
                "categories": _imported("portfolio.selectors.interview.question_bank")(
                    learner=w.learner
                ).categories
            },
        ),
        "accounts.forms.AccessTokenForm": _form(
            "accounts.forms.AccessTokenForm", lambda w: reverse("accounts:tokens")
        ),
        "accounts.forms.DeleteAccountForm": _form(
            "accounts.forms.DeleteAccountForm",
            lambda w: reverse("accounts:delete"),
            kwargs=lambda w: {"user": w.learner},
            login="reauthenticated",
        ),
    }
)

NOT_FUZZED: dict[str, str] = {}

# allauth's own forms, fuzzed through their pages with the fields the templates post. Their
# oracle is the page itself: a form shown again must show an error and have written nothing.
ALLAUTH_PAGES: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "login": ("account_login", ("login", "password"), False),
    "signup": ("account_signup", ("email", "password1", "password2"), False),
    "password reset": ("account_reset_password", ("email",), False),
    "add email": ("account_email", ("email", "action_add"), True),
    "change password": ("account_change_password", ("oldpassword", "password1", "password2"), True),
}


# --- What to post --------------------------------------------------------------------------------

# The ends of what can be stored and computed with: the date window's (core.dates) and
# Python's, a 32-bit and a 64-bit integer and beyond.
EDGE_DATES = [
    "0001-01-01",
    "1949-12-31",
    "1950-01-01",
    "2100-12-31",
    "2101-01-01",
    "9999-12-31",
]
EDGE_INTEGERS = ["2147483648", "9223372036854775808", "99999999999999999999999999", "100000"]

EDGE_TEXT = [
    "",
    " ",
    "0",
    "-1",
    "-999999999999999999999",
    "9223372036854775808",
    "1e308",
    "NaN",
    "-Infinity",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2026-02-30",
    "1900-02-29",
    "31/12/2026",
    "1949-12-31",
    "2101-01-01",
    "99999999999999999999999999",
    "\x00",
    "line\r\nBcc: x@example.com",
    "\t\x1b[31m\u2028",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\u202egnp.exe",
    "😀" * 300,
    "ä" * 5000,
    "https://",
    "javascript:alert(1)",
    "ftp://example.com/x",
    "https://" + "a" * 600 + ".example",
]

nasty = st.one_of(
    st.sampled_from(EDGE_TEXT),
    st.text(max_size=60),  # any unicode, surrogates excluded by hypothesis
    st.text(max_size=20).map(lambda s: s + "\x00" + s),  # NUL bytes
    st.integers(min_value=1_000, max_value=120_000).map(lambda n: "x" * n),  # huge strings
    st.integers().map(str),  # negative and enormous numbers
)


def valid_for(f: forms.Field) -> st.SearchStrategy[str]:
    """Input the field would plausibly accept, so examples reach the services, not only the
    form's own validation."""
    if isinstance(f, forms.ChoiceField):
        values = [str(v) for v, _label in f.choices if not isinstance(_label, (list, tuple))]
        return st.sampled_from(values or [""])
    if isinstance(f, forms.DateField):
        dates = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
        return st.one_of(st.sampled_from(EDGE_DATES), dates.map(dt.date.isoformat))
    if isinstance(f, forms.DecimalField):
        return st.decimals(
            min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=2, allow_nan=False
        ).map(str)
    if isinstance(f, forms.IntegerField):
        return st.one_of(
            st.integers(min_value=-(10**12), max_value=10**12).map(str),
            st.sampled_from(EDGE_INTEGERS),
        )
    if isinstance(f, forms.BooleanField):
        return st.sampled_from(["on", "true", "1", ""])
    if isinstance(f, forms.EmailField):
        return st.emails().filter(lambda e: len(e) < 200)
    length = getattr(f, "max_length", None) or 300
    return st.one_of(
        st.text(max_size=min(length, 300)),
        st.sampled_from(["https://example.com/work", "http://example.org/a?b=c#d"]),
    )


@st.composite
def submissions(draw, form: forms.BaseForm) -> dict[str, str]:
    data = {}
    for name, f in form.fields.items():
        value = draw(st.one_of(st.none(), valid_for(f), nasty))
        if value is not None:
            data[form.add_prefix(name)] = value
    return data


# --- One example -------------------------------------------------------------------------------


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """Each example starts from the same database: its writes are rolled back at the end."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def send(client: Client, method: str, url: str, data: dict):
    if method == "GET":
        return client.get(url, data, follow=True)
    return client.post(url, data, follow=True)


def check(response, *, before, valid: bool | None) -> None:
    """The example's verdict: no 5xx anywhere in the redirect chain; an invalid form (or a form
    shown again, when there is no oracle) shows an error and wrote nothing."""
    chain = getattr(response, "redirect_chain", [])
    statuses = [status for _url, status in chain] + [response.status_code]
    assert all(s < 500 for s in statuses), statuses
    page = response.content.decode(errors="replace")
    error_shown = any(marker in page for marker in ERROR_MARKERS)
    changed = database_rows() != before
    if valid is False:
        assert error_shown, "invalid input but no error on the page"
        assert not changed, "invalid input but the database changed"
    if changed:
        assert valid is not False and not error_shown, "the database changed and an error shows"
    if error_shown:
        assert not changed, "an error is shown but the database changed"


def shown_without_error(client: Client, world: World) -> None:
    """What was stored can be shown: e.g. a date the calendar feed or the certification page
    cannot compute with was accepted, so the form's policy let through a value it must refuse."""
    for url in world.display_urls():
        status = client.get(url).status_code
        assert status < 500, f"{url} answered {status} after the write"


@pytest.fixture
def world() -> World:
    return World()


@pytest.mark.parametrize("form_path", sorted(FORMS))
def test_generated_input_never_breaks_a_form(form_path, world, client):
    target = FORMS[form_path]
    if target.login == "force":
        client.force_login(world.learner)
    elif target.login == "reauthenticated":
        client.force_login(world.learner)
        response = client.post(reverse("account_reauthenticate"), {"password": DEFAULT_PASSWORD})
        assert response.status_code == 302, "the fuzzed learner could not re-authenticate"
    url = target.url(world)
    unbound = target.bind(world, None)

    @PROOF_SETTINGS
    @given(data=submissions(unbound))
    def example(data):
        with rolled_back():
            # given
            cache.clear()  # rate limits and cached pages start afresh each time
            before = database_rows()
            posted = {**target.extra, **data}

            # when
            response = send(client, target.method, url, posted)

            # then
            if response.status_code in target.refusals:
                assert database_rows() == before, "refused, yet the database changed"
                return
            check(response, before=before, valid=target.bind(world, data).is_valid())
            if database_rows() != before:
                shown_without_error(client, world)

    example()


@pytest.mark.parametrize("page", sorted(ALLAUTH_PAGES))
def test_generated_input_never_breaks_the_account_forms(page, world, client):
    name, fields, needs_login = ALLAUTH_PAGES[page]
    if needs_login:
        client.force_login(world.learner)
    url = reverse(name)
    values = st.one_of(
        st.none(), nasty, st.emails().filter(lambda e: len(e) < 200), st.just(DEFAULT_PASSWORD)
    )

    @PROOF_SETTINGS
    @given(data=st.fixed_dictionaries(dict.fromkeys(fields, values)))
    def example(data):
        with rolled_back():
            cache.clear()
            before = database_rows()
            posted = {k: v for k, v in data.items() if v is not None}
            response = client.post(url, posted)
            shown_again = response.status_code in (200, 400) and "<form" in response.content.decode(
                errors="replace"
            )
            followed = client.get(response.url) if response.status_code == 302 else response
            check(followed, before=before, valid=False if shown_again else None)
            assert response.status_code < 500

    example()


# --- Every form is listed -----------------------------------------------------------------------


def project_form_classes() -> set[str]:
    """Form classes defined in a `forms` module (or a `forms` package) of a project app."""
    found = set()
    for config in apps.get_app_configs():
        if not config.name.startswith(PROJECT_PACKAGES):
            continue
        try:
            package = importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError:
            continue
        modules = [package]
        if hasattr(package, "__path__"):
            modules += [
                importlib.import_module(info.name)
                for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
            ]
        for module in modules:
            for value in vars(module).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, forms.BaseForm)
                    and value.__module__ == module.__name__
                    and not value.__name__.startswith("_")
                ):
                    found.add(f"{value.__module__}.{value.__qualname__}")
    return found


def test_every_form_is_fuzzed():
    # given
    forms_in_the_project = project_form_classes()

    # when
    unlisted = forms_in_the_project - set(FORMS) - set(NOT_FUZZED)

    # then
    assert not unlisted, (
        "add each to FORMS in tests/proof/test_fuzz_forms.py (the page that handles it and "
        f"how the view binds it), or to NOT_FUZZED with a reason: {sorted(unlisted)}"
    )
    assert not (set(FORMS) | set(NOT_FUZZED)) - forms_in_the_project, "listed forms that are gone"
