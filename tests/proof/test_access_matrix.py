"""The access matrix: every URL pattern of the project, taken from the resolver, is listed here
with who may use it, and each listing is proved.

- PUBLIC: anyone; an anonymous GET is answered without a login redirect and without a 5xx.
- LOGIN: the requester's own things, no object in the URL: anonymous users are sent to log in.
- ENROLLED: names public roadmap content and changes the requester's own progress on it; a
  learner not enrolled in the path gets 404, and another learner's rows never change.
- OWNED: names a learner's object (a kwarg with an owned builder in OBJECTS): a second learner
  gets 404 (or 403) for every method, with every mix of their own and the owner's ids, and
  nothing in the database changes; anonymous users are sent to log in (APIs: 401/403).
- STAFF: everything under /admin/: learners and visitors are sent to the admin login.
- UNEXERCISED: cannot be exercised here, with the reason.

A URL that is not listed fails test_every_url_is_listed with what to add. URL kwargs map to
builders in OBJECTS (by "url name:kwarg", then "namespace:kwarg", then "kwarg").
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import product
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from accounts.services import access_token_create
from tests.accounts.factories import UserFactory
from tests.certifications.factories import (
    CertificationFactory,
    CertificationRenewalFactory,
    CreditActivityFactory,
    LearnerCertificationFactory,
)
from tests.portfolio.factories import (
    ApplicationContactFactory,
    JobApplicationFactory,
    ProjectFactory,
    ProjectLinkFactory,
    PublicPortfolioFactory,
)
from tests.portfolio.factories_practice import (
    CVCheckFactory,
    InterviewQuestionFactory,
    PracticeAnswerFactory,
)
from tests.roadmap.factories import (
    EvidenceLinkFactory,
    MilestoneProgressFactory,
    build_roadmap,
    enrolled_learner,
    path_milestones,
)

pytestmark = pytest.mark.django_db

LOGIN_PREFIX = reverse("account_login")
ADMIN_LOGIN_PREFIX = "/admin/login/"
DENIED = {403, 404}
ANONYMOUS_REDIRECT = frozenset({302})


# --- What the project's URLs are --------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full route (for messages), its name with namespaces, its kwargs."""

    route: str
    name: str | None
    namespace: str
    kwargs: tuple[str, ...]
    regex: str
    pattern: URLPattern

    @property
    def key(self) -> str:
        return self.name or self.route


def _routes(patterns, route="", regex="", namespaces=()) -> Iterator[Route]:
    for p in patterns:
        piece, piece_regex = str(p.pattern), p.pattern.regex.pattern
        piece_regex = piece_regex.removeprefix("^")
        if isinstance(p, URLResolver):
            spaces = (*namespaces, p.namespace) if p.namespace else namespaces
            yield from _routes(
                p.url_patterns, route + piece, regex + piece_regex.removesuffix("$"), spaces
            )
        else:
            full_regex = regex + piece_regex
            namespace = ":".join(namespaces)
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            kwargs = tuple(re.findall(r"\(\?P<(\w+)>", full_regex))
            yield Route(route + piece, name, namespace, kwargs, full_regex, p)


def project_routes() -> list[Route]:
    return list(_routes(get_resolver().url_patterns))


# --- Who may use them ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    kind: str
    why: str = ""
    # A valid submission for the owner, so a refusal cannot be blamed on bad input.
    data: Callable[[World], dict] | None = None
    methods: tuple[str, ...] = ("GET", "POST")
    anonymous: frozenset[int] = ANONYMOUS_REDIRECT
    # A URL kwarg whose value is a literal, not an object (e.g. reminders' "html" part).
    literal: dict[str, str] = field(default_factory=dict)
    # A step of a sign-in flow: without the flow under way, it sends visitors back to log in.
    flow_step: bool = False
    # What a successful change answers (a redirect for forms, 200 for the JSON API).
    ok: frozenset[int] = frozenset({302})


def public(why: str, **kw) -> Access:
    return Access("public", why, **kw)


def login(why: str = "", **kw) -> Access:
    return Access("login", why, **kw)


def enrolled(data=None, **kw) -> Access:
    return Access("enrolled", data=data, **kw)


def owned(data=None, **kw) -> Access:
    return Access("owned", data=data, **kw)


def unexercised(why: str) -> Access:
    return Access("unexercised", why)


TOKEN = "the signed key in the link is the credential, checked by the view"
API_ANONYMOUS = frozenset({401, 403})
API_METHODS = ("GET", "PATCH", "POST", "PUT", "DELETE")


def api(kind: str, **kw) -> Access:
    """A JSON API endpoint: anonymous callers get 401 (no redirect to a log-in page)."""
    return Access(kind, anonymous=API_ANONYMOUS, methods=API_METHODS, ok=frozenset({200}), **kw)


REGISTRY: dict[str, Access] = {
    # Project pages
    "home": public("landing page"),
    "health": public("load balancer health check"),
    "bench_baseline": public("load-benchmark yardstick; 404 unless BENCH_BASELINE is on"),
    # django-allauth (its forms and flows; tests/accounts covers them in depth)
    "account_login": public("log-in form"),
    "account_logout": public("log-out (POST); logged-out visitors are sent home"),
    "account_inactive": public("explains an inactive account"),
    "account_signup": public("sign-up form"),
    "account_reauthenticate": login("asks for the password again"),
    "account_email": login("the learner's own addresses"),
    "account_email_verification_sent": public("'check your inbox' page"),
    "account_change_password": login("the learner's own password"),
    "account_set_password": login("the learner's own password"),
    "account_reset_password": public("asks for an email address"),
    "account_confirm_login_code": public(
        "enter a login code; without a login under way it returns to the form", flow_step=True
    ),
    "account_confirm_email": public(TOKEN, literal={"key": "not-a-real-key"}),
    "account_reset_password_from_key_done": public("confirmation page"),
    "account_reset_password_from_key": public(
        TOKEN, literal={"uidb36": "1", "key": "not-a-real-key"}
    ),
    "account_reset_password_done": public("confirmation page"),
    "accounts:settings": login("the learner's own profile and reminder preferences"),
    # Certifications
    "certifications:catalogue": public("the catalogue"),
    "certifications:compare": public("compares catalogue entries"),
    "certifications:track": login("adds a catalogue certification to the learner's own list"),
    "certifications:mine": login("the learner's own list"),
    "certifications:track_custom": login("adds to the learner's own list"),
    "certifications:tracker_detail": owned(),
    "certifications:tracker_status": owned(data=lambda w: {"status": "studying"}),
    "certifications:tracker_expiry": owned(data=lambda w: {"expires_on": "", "notice_days": "30"}),
    "certifications:credit_add": owned(
        data=lambda w: {"date": "2025-01-01", "credits": "2", "description": "A webinar"}
    ),
    "certifications:credit_delete": owned(data=lambda w: {}),
    "certifications:tracker_renew": owned(data=lambda w: {"previous_expires_on": ""}),
    "certifications:renewal_undo": owned(data=lambda w: {}),
    # Reminders
    "reminders:preview": login("the learner's own next digest"),
    "reminders:preview_part": login("the learner's own next digest", literal={"part": "txt"}),
    "reminders:unsubscribe": public(TOKEN, literal={"kind": "digest", "token": "bad-token"}),
    "reminders:unsubscribed": public("confirmation page", literal={"kind": "digest"}),
    # Roadmap
    "roadmap:dashboard": login("the learner's own dashboard"),
    "roadmap:path_list": public("roadmap content"),
    "roadmap:path_detail": public("roadmap content"),
    "roadmap:step_detail": public("roadmap content"),
    "roadmap:milestone_detail": public("roadmap content"),
    "roadmap:path_enrol": login("enrols the requester in a published path"),
    "roadmap:milestone_status": enrolled(data=lambda w: {"status": "done"}),
    "roadmap:milestone_target_date": enrolled(
        data=lambda w: {"target_date": (dt.date.today() + dt.timedelta(days=30)).isoformat()}
    ),
    "roadmap:milestone_notes": enrolled(data=lambda w: {"notes": "Someone else's words"}),
    "roadmap:milestone_evidence_add": enrolled(
        data=lambda w: {"url": "https://example.com/mine", "label": "Mine"}
    ),
    "roadmap:milestone_evidence_delete": owned(data=lambda w: {}),
    "roadmap:plan": login("the learner's own plan; there is no address for anyone else's"),
    "roadmap:plan_replan": login("re-plans the requester's own plan"),
    "roadmap:plan_anchor": login(
        "fixes a date on the requester's milestone; another learner's is refused by the service"
    ),
    "roadmap:plan_setup": login("the requester's own plan set-up"),
    "roadmap:plan_setup_prior": login(
        "prior learning on the requester's own paths", literal={"index": "0"}
    ),
    "roadmap:plan_setup_time": login("the requester's own plan settings"),
    "roadmap:plan_setup_dates": login("the requester's own fixed dates"),
    # The learner's data, calendar feed, tokens and account
    "accounts:data": login("the learner's own data page"),
    "accounts:export_json": login("the learner's own data, as JSON"),
    "accounts:export_csv": login("the learner's own data, as CSV files"),
    "accounts:export_schema": login("the export's schema"),
    "accounts:calendar": login("the learner's own calendar feed settings"),
    "accounts:tokens": login("the learner's own access tokens"),
    "accounts:token_revoke": owned(data=lambda w: {}),
    "accounts:delete": login("deletes the requester's own account, after re-authentication"),
    "calendar:feed": public(
        "the secret in the address is the credential; a wrong one is a 404",
        literal={"secret": "not-a-real-secret"},
    ),
    # The JSON API
    "api:path_list": api("login", why="the learner's paths"),
    "api:path_detail": api("login", why="a published path, with the learner's progress"),
    "api:milestone_list": api("login", why="the learner's milestones"),
    "api:milestone_detail": api("enrolled", data=lambda w: {"status": "done"}),
    "api:certification_list": api("login", why="the learner's certifications"),
    "api:certification_detail": api("owned", data=lambda w: {"status": "studying"}),
    "api:application_list": api("login", why="the learner's applications"),
    "api:application_detail": api("owned", data=lambda w: {"status": "applied"}),
    "api:plan": api("login", why="the learner's own plan; no address names anyone else's"),
    "api:plan_replan": api("login", why="re-plans the learner's own plan"),
    "api:index": public("the API's index: links to the schema, the docs and each collection"),
    "api:schema": public("the OpenAPI schema"),
    "api:docs": public("the API's documentation page"),
    "api:not_found": public("a JSON 404 for any other address under /api/v1/"),
    # Portfolio, applications, CV checks, interview practice
    "portfolio:project_list": login("the learner's own projects"),
    "portfolio:project_new": login("adds to the learner's own projects"),
    "portfolio:project_detail": owned(),
    "portfolio:project_edit": owned(
        data=lambda w: {"title": "Taken over", "kind": "side_project", "role": "Lead"}
    ),
    "portfolio:project_delete": owned(data=lambda w: {}),
    "portfolio:project_link_add": owned(
        data=lambda w: {"label": "Mine", "url": "https://example.com/mine"}
    ),
    "portfolio:project_link_delete": owned(data=lambda w: {}),
    "portfolio:public_settings": login("the learner's own public page settings"),
    "portfolio:public_publish": login("publishes the learner's own page"),
    "portfolio:public_unpublish": login("unpublishes the learner's own page"),
    "portfolio:application_board": login("the learner's own applications"),
    "portfolio:application_list": login("the learner's own applications"),
    "portfolio:application_new": login("adds to the learner's own applications"),
    "portfolio:application_detail": owned(),
    "portfolio:application_edit": owned(
        data=lambda w: {"company": "Taken over", "role": "AI Project Manager"}
    ),
    "portfolio:application_move": owned(data=lambda w: {"status": "applied"}),
    "portfolio:application_delete": owned(data=lambda w: {}),
    "portfolio:application_contact_add": owned(data=lambda w: {"name": "Someone"}),
    "portfolio:application_contact_delete": owned(data=lambda w: {}),
    "portfolio:cv_check_list": login("the learner's own CV checks"),
    "portfolio:cv_check_new": login("runs a check for the learner"),
    "portfolio:cv_check_detail": owned(),
    "portfolio:cv_check_delete": owned(data=lambda w: {}),
    "portfolio:question_bank": login("the question bank, with the learner's own answers"),
    "portfolio:question_detail": login("a question, with the learner's own answers"),
    "portfolio:answer_add": login("adds the learner's own answer to a question"),
    "portfolio:answer_edit": owned(
        data=lambda w: {
            "situation": "s",
            "task": "t",
            "action": "a",
            "result": "r",
            "confidence": "3",
        }
    ),
    "portfolio:answer_delete": owned(data=lambda w: {}),
    "portfolio_public": public("a learner's published page, open to anyone by design"),
}


# --- The objects URL kwargs name -------------------------------------------------------------


class World:
    """A path, its owner (enrolled, with an object of every kind), a second learner enrolled in
    the same path with objects of their own, and an outsider enrolled nowhere. Objects are made
    on first use and kept, one per (kind, learner)."""

    def __init__(self) -> None:
        self.path = build_roadmap(steps=1, milestones_per_step=2, courses_per_step=0, slug="mx")
        self.milestone = path_milestones(self.path)[0]
        self.owner = enrolled_learner(self.path, email="owner@example.com")
        self.stranger = enrolled_learner(self.path, email="stranger@example.com")
        self.outsider = UserFactory(email="outsider@example.com")
        self.certification = CertificationFactory(slug="matrix-cert", validity_months=36)
        self._made: dict[tuple[str, int], Any] = {}

    def once(self, kind: str, who, make: Callable[[], Any]) -> Any:
        if (kind, who.pk) not in self._made:
            self._made[kind, who.pk] = make()
        return self._made[kind, who.pk]

    def progress(self, who):
        return self.once(
            "progress", who, lambda: MilestoneProgressFactory(learner=who, milestone=self.milestone)
        )

    def evidence(self, who):
        return self.once("evidence", who, lambda: EvidenceLinkFactory(progress=self.progress(who)))

    def tracked(self, who):
        return self.once(
            "tracked",
            who,
            lambda: LearnerCertificationFactory(learner=who, certification=self.certification),
        )

    def credit(self, who):
        return self.once(
            "credit", who, lambda: CreditActivityFactory(learner_certification=self.tracked(who))
        )

    def renewal(self, who):
        return self.once(
            "renewal",
            who,
            lambda: CertificationRenewalFactory(learner_certification=self.tracked(who)),
        )

    def token(self, who):
        return self.once(
            "token",
            who,
            lambda: access_token_create(learner=who, name="matrix", lifetime_days=None)[0],
        )

    def project(self, who):
        return self.once("project", who, lambda: ProjectFactory(learner=who))

    def link(self, who):
        return self.once("link", who, lambda: ProjectLinkFactory(project=self.project(who)))

    def application(self, who):
        return self.once("application", who, lambda: JobApplicationFactory(learner=who))

    def contact(self, who):
        return self.once(
            "contact", who, lambda: ApplicationContactFactory(application=self.application(who))
        )

    def cv_check(self, who):
        return self.once("cv_check", who, lambda: CVCheckFactory(learner=who))

    @property
    def question(self):
        if "question" not in self.__dict__:
            self.__dict__["question"] = InterviewQuestionFactory(slug="matrix-question")
        return self.__dict__["question"]

    def answer(self, who):
        return self.once(
            "answer", who, lambda: PracticeAnswerFactory(learner=who, question=self.question)
        )

    def public_page(self, who):
        return self.once(
            "public_page",
            who,
            lambda: PublicPortfolioFactory(learner=who, slug=f"page-{who.pk}", is_published=True),
        )


@dataclass(frozen=True)
class Builder:
    make: Callable[[World, Any], Any]
    owned: bool  # False: the same public content for everyone (a slug of the roadmap)


def shared(make: Callable[[World], Any]) -> Builder:
    return Builder(lambda w, who: make(w), owned=False)


def mine(make: Callable[[World, Any], Any]) -> Builder:
    return Builder(make, owned=True)


OBJECTS: dict[str, Builder] = {
    "roadmap:path_slug": shared(lambda w: w.path.slug),
    "roadmap:step_slug": shared(lambda w: w.milestone.step.slug),
    "roadmap:milestone_slug": shared(lambda w: w.milestone.slug),
    "roadmap:evidence_id": mine(lambda w, who: w.evidence(who).pk),
    "certifications:slug": shared(lambda w: w.certification.slug),
    "certifications:pk": mine(lambda w, who: w.tracked(who).pk),
    "certifications:activity_id": mine(lambda w, who: w.credit(who).pk),
    "certifications:renewal_id": mine(lambda w, who: w.renewal(who).pk),
    "accounts:token_revoke:pk": mine(lambda w, who: w.token(who).pk),
    "api:path_detail:slug": shared(lambda w: w.path.slug),
    "api:milestone_detail:pk": shared(lambda w: w.milestone.pk),
    "api:certification_detail:pk": mine(lambda w, who: w.tracked(who).pk),
    "api:application_detail:pk": mine(lambda w, who: w.application(who).pk),
    "portfolio:link_id": mine(lambda w, who: w.link(who).pk),
    "portfolio:contact_id": mine(lambda w, who: w.contact(who).pk),
    "portfolio:slug": shared(lambda w: w.question.slug),
    "portfolio_public:slug": mine(lambda w, who: w.public_page(who).slug),
    **{
        f"portfolio:{name}:pk": mine(lambda w, who: w.project(who).pk)
        for name in (
            "project_detail",
            "project_edit",
            "project_delete",
            "project_link_add",
            "project_link_delete",
        )
    },
    **{
        f"portfolio:{name}:pk": mine(lambda w, who: w.application(who).pk)
        for name in (
            "application_detail",
            "application_edit",
            "application_move",
            "application_delete",
            "application_contact_add",
            "application_contact_delete",
        )
    },
    **{
        f"portfolio:{name}:pk": mine(lambda w, who: w.cv_check(who).pk)
        for name in ("cv_check_detail", "cv_check_delete")
    },
    **{
        f"portfolio:{name}:pk": mine(lambda w, who: w.answer(who).pk)
        for name in ("answer_edit", "answer_delete")
    },
}


def builder_for(route: Route, kwarg: str) -> Builder | None:
    for key in (f"{route.name}:{kwarg}", f"{route.namespace}:{kwarg}", kwarg):
        if key in OBJECTS:
            return OBJECTS[key]
    return None


def is_admin(route: Route) -> bool:
    return route.route.startswith("admin/")


# --- What "nothing changed" means -------------------------------------------------------------


def database_rows() -> dict[str, list[tuple]]:
    """Every row of every table, sessions aside (logging in writes one by design)."""
    rows = {}
    for model in apps.get_models():
        if model is Session or model._meta.proxy or not model._meta.managed:
            continue
        fields = [f.attname for f in model._meta.concrete_fields]
        rows[model._meta.label] = list(model._default_manager.order_by("pk").values_list(*fields))
    return rows


def rows_of(learner) -> dict[str, list[tuple]]:
    """The learner's own rows: models pointing at the user, and models pointing at those."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    direct: dict[type[models.Model], str] = {}
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.ForeignKey) and f.related_model is user_model:
                direct[model] = f.name
    rows = {}
    for model, fk in direct.items():
        rows[model._meta.label] = list(
            model._default_manager.filter(**{fk: learner}).order_by("pk").values_list()
        )
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.ForeignKey) and f.related_model in direct:
                lookup = f"{f.name}__{direct[f.related_model]}"
                rows[f"{model._meta.label}.{f.name}"] = list(
                    model._default_manager.filter(**{lookup: learner}).order_by("pk").values_list()
                )
    return rows


# --- Requests ---------------------------------------------------------------------------------


def call(client: Client, method: str, url: str, data: dict | None = None):
    if method == "GET":
        return client.get(url)
    if method == "POST":
        return client.post(url, data or {})
    return client.generic(method, url, json.dumps(data or {}), content_type="application/json")


def url_for(route: Route, access: Access, world: World, who_by_kwarg: dict[str, Any]) -> str:
    kwargs = {}
    for kwarg in route.kwargs:
        if kwarg in access.literal:
            kwargs[kwarg] = access.literal[kwarg]
            continue
        builder = builder_for(route, kwarg)
        assert builder is not None, (
            f"{route.key} ({route.route}): no builder for the URL kwarg {kwarg!r}. Add "
            f"'{route.name}:{kwarg}' (or '{route.namespace}:{kwarg}') to OBJECTS in "
            f"{__name__.replace('.', '/')}.py: shared(...) for public content, mine(...) for a "
            "learner's object; or a literal value in its REGISTRY entry."
        )
        kwargs[kwarg] = builder.make(world, who_by_kwarg.get(kwarg, world.owner))
    return reverse(route.name, kwargs=kwargs)


def assert_sent_to_log_in(response, url: str, expected: frozenset[int], prefix=LOGIN_PREFIX):
    assert response.status_code in expected, (url, response.status_code)
    if response.status_code == 302:
        assert response.url.startswith(prefix), (url, response.url)


def listed_routes() -> list[tuple[Route, Access]]:
    return [
        (r, REGISTRY[r.key])
        for r in project_routes()
        if r.key in REGISTRY and REGISTRY[r.key].kind != "unexercised"
    ]


def routes_of(kind: str) -> list:
    return [
        pytest.param(route, access, id=route.key)
        for route, access in listed_routes()
        if access.kind == kind
    ]


@pytest.fixture
def world() -> World:
    return World()


# --- The tests --------------------------------------------------------------------------------


def test_every_url_is_listed():
    # given: every URL pattern the resolver knows, outside the admin (tested as a whole below)
    routes = [r for r in project_routes() if not is_admin(r)]

    # when
    missing = [r for r in routes if r.key not in REGISTRY]
    unnamed = [r for r in routes if r.name is None]

    # then
    assert not unnamed, f"name these URL patterns so they can be listed: {unnamed}"
    assert not missing, "\n".join(
        [
            f"{len(missing)} URL(s) are not in the access matrix. For each, add to REGISTRY in "
            "tests/proof/test_access_matrix.py one of public(why), login(why), enrolled(data=), "
            "owned(data=) or unexercised(why), and a builder in OBJECTS for each kwarg that "
            "names an object:"
        ]
        + [f"  {r.key!r}: route {r.route!r}, kwargs {list(r.kwargs)}" for r in missing]
    )


def test_the_matrix_lists_no_url_that_is_gone():
    names = {r.key for r in project_routes()}
    assert not set(REGISTRY) - names, f"remove from REGISTRY: {sorted(set(REGISTRY) - names)}"


def test_every_object_kwarg_of_an_owned_url_has_an_owned_builder(world):
    for route, access in listed_routes():
        if access.kind == "owned":
            owned = [k for k in route.kwargs if (b := builder_for(route, k)) and b.owned]
            assert owned, f"{route.key} is listed as owned but no kwarg names a learner's object"


@pytest.mark.parametrize(("route", "access"), routes_of("public"))
def test_public_urls_answer_visitors(client, route, access, world):
    # given
    url = url_for(route, access, world, {})

    # when
    response = client.get(url)

    # then: answered (a 404 for a made-up token is an answer), not a login redirect or a crash
    assert response.status_code < 500, (url, response.status_code)
    if response.status_code == 302 and not access.flow_step:
        assert not response.url.startswith(LOGIN_PREFIX), (url, response.url)


@pytest.mark.parametrize(
    ("route", "access"), routes_of("login") + routes_of("enrolled") + routes_of("owned")
)
def test_anonymous_users_are_sent_to_log_in(client, route, access, world):
    # given
    url = url_for(route, access, world, {})
    owner = Client()
    owner.force_login(world.owner)
    before = database_rows()

    for method in access.methods:
        # when
        response = call(client, method, url, access.data(world) if access.data else None)

        # then: sent to log in, unless the method itself is refused (as it is for the owner)
        if response.status_code == 405:
            assert call(owner, method, url).status_code == 405, (method, url)
        else:
            assert_sent_to_log_in(response, url, access.anonymous)
    assert database_rows() == before


def _owned_kwargs(route: Route) -> list[str]:
    return [k for k in route.kwargs if (b := builder_for(route, k)) and b.owned]


@pytest.mark.parametrize(("route", "access"), routes_of("owned"))
def test_another_learner_gets_404_and_changes_nothing(client, route, access, world):
    # given: every mix of the stranger's own ids and the owner's, with at least one the owner's
    owned = _owned_kwargs(route)
    mixes = [
        dict(zip(owned, choice, strict=True))
        for choice in product((world.owner, world.stranger), repeat=len(owned))
        if world.owner in choice
    ]
    urls = [url_for(route, access, world, mix) for mix in mixes]
    data = access.data(world) if access.data else {}
    owner = Client()
    owner.force_login(world.owner)
    client.force_login(world.stranger)
    before = database_rows()

    # when / then
    for url, method in product(urls, access.methods):
        response = call(client, method, url, data)
        if response.status_code == 405:
            # refused for the method alone, for the owner as well: nothing is revealed
            assert call(owner, method, url).status_code == 405, (method, url)
        else:
            assert response.status_code in DENIED, (method, url, response.status_code)
    assert database_rows() == before, "a refused request changed the database"

    # and the URL does name a real object: its owner is served
    own_url = url_for(route, access, world, {})
    response = call(owner, "GET", own_url)
    if response.status_code == 405:
        response = call(owner, "POST", own_url, data)
    assert response.status_code not in DENIED | {500}, (method, own_url, response.status_code)


@pytest.mark.parametrize(("route", "access"), routes_of("enrolled"))
def test_progress_urls_refuse_learners_outside_the_path(client, route, access, world):
    # given: a learner enrolled nowhere, and the owner's progress on the milestone
    url = url_for(route, access, world, {})
    world.evidence(world.owner)
    owner = Client()
    owner.force_login(world.owner)
    client.force_login(world.outsider)
    before = database_rows()

    for method in access.methods:
        # when
        response = call(client, method, url, access.data(world) if access.data else None)

        # then
        if response.status_code == 405:
            assert call(owner, method, url).status_code == 405, (method, url)
        else:
            assert response.status_code in DENIED, (method, url, response.status_code)
    assert database_rows() == before


@pytest.mark.parametrize(("route", "access"), routes_of("enrolled"))
def test_progress_urls_change_only_the_requesters_own_rows(client, route, access, world):
    # given: owner and stranger both enrolled, the owner with progress and evidence
    url = url_for(route, access, world, {})
    world.evidence(world.owner)
    owners_rows = rows_of(world.owner)
    client.force_login(world.stranger)

    # when: the stranger sends a valid change to the same milestone
    method = "POST" if "POST" in access.methods and access.ok == {302} else "PATCH"
    response = call(client, method, url, access.data(world) if access.data else None)

    # then: it is applied to the stranger alone
    assert response.status_code in access.ok, (url, response.status_code)
    assert rows_of(world.owner) == owners_rows


def _admin_sample(route: Route) -> str:
    """A concrete address for an admin pattern: app labels and ids made up, so the check is
    that nobody but staff gets past the admin's own gate."""
    samples = {"app_label": "roadmap", "object_id": "1", "content_type_id": "1", "url": "x/"}
    path = route.regex.replace("\\Z", "").replace("$", "")
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: samples.get(m.group(1), "1"), path)
    path = "/" + path.replace("\\", "").replace("^", "")
    assert resolve(path).func == route.pattern.callback, f"sample {path} for {route.route}"
    return path


def test_the_admin_turns_away_visitors_and_learners(client, world):
    # given: every admin pattern, and a logged-in learner who is not staff
    learner = Client()
    learner.force_login(world.owner)
    # (the admin's own log-in page is the one every other admin address sends them to)
    paths = [_admin_sample(r) for r in project_routes() if is_admin(r) and r.name != "admin:login"]
    before = database_rows()

    for path, who, method in product(paths, (client, learner), ("GET", "POST")):
        # when
        response = call(who, method, path)

        # then
        assert response.status_code == 302, (method, path, response.status_code)
        # (log-out sends non-staff to the admin index, which sends them to log in)
        expected = "/admin/" if path == "/admin/logout/" else ADMIN_LOGIN_PREFIX
        assert response.url.startswith(expected), (method, path, response.url)
    assert database_rows() == before
    assert len(paths) > 20


def test_unexercised_urls_say_why():
    for key, access in REGISTRY.items():
        if access.kind == "unexercised":
            assert len(access.why) > 10, key
