"""The shared layout: header with navigation and account menu, messages, footer, skip link,
one <h1> and a label for every input, on the site's own pages and on allauth's."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

FOCUSABLE = {"a", "button", "input", "select", "textarea", "summary"}
NEEDS_LABEL = {"input", "select", "textarea"}
NO_LABEL_TYPES = {"hidden", "submit", "button", "reset", "image"}
# The header's navigation: inline for wide screens, then again inside the phone's menu button
# (CSS shows one of the two).
HEADER_NAVS = ["Main", "Account", "Main", "Account"]


@dataclass
class Page:
    """What the tests need to know about a page, collected by one pass of html.parser."""

    h1_count: int = 0
    first_focusable: tuple[str, dict] | None = None
    ids: list[str] = field(default_factory=list)
    label_targets: set[str] = field(default_factory=set)
    controls: list[dict] = field(default_factory=list)
    landmarks: list[str] = field(default_factory=list)
    nav_labels: list[str] = field(default_factory=list)
    classes: set[str] = field(default_factory=set)
    hrefs: list[str] = field(default_factory=list)
    in_label: int = 0


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.page = Page()
        self._hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        page = self.page
        if "id" in a:
            page.ids.append(a["id"])
        page.classes.update(a.get("class", "").split())
        if tag == "h1":
            page.h1_count += 1
        if tag in {"header", "main", "footer"}:
            page.landmarks.append(tag)
        if tag == "nav":
            page.nav_labels.append(a.get("aria-label", ""))
        if tag == "a" and "href" in a:
            page.hrefs.append(a["href"])
        if tag == "label":
            page.in_label += 1
            if a.get("for"):
                page.label_targets.add(a["for"])
        if tag in NEEDS_LABEL and a.get("type") not in NO_LABEL_TYPES:
            page.controls.append({"tag": tag, "wrapped": page.in_label > 0, **a})
        focusable = (tag in FOCUSABLE and (tag != "a" or "href" in a)) or a.get("tabindex") == "0"
        if focusable and a.get("type") != "hidden" and page.first_focusable is None:
            page.first_focusable = (tag, a)

    def handle_endtag(self, tag):
        if tag == "label":
            self.page.in_label -= 1


def parse(html: str) -> Page:
    parser = PageParser()
    parser.feed(html)
    return parser.page


def assert_shared_layout(page: Page, *, logged_in: bool) -> None:
    # one header, main and footer, in that order; the skip link comes first and targets #main
    assert page.landmarks == ["header", "main", "footer"]
    assert page.first_focusable is not None
    tag, attrs = page.first_focusable
    assert (tag, attrs.get("href"), attrs.get("class")) == ("a", "#main", "skip-link")
    assert "main" in page.ids
    assert page.nav_labels == HEADER_NAVS
    assert "nav-menu" in page.classes and "nav-inline" in page.classes
    # exactly one h1, unique ids
    assert page.h1_count == 1
    duplicates = {i for i in page.ids if page.ids.count(i) > 1}
    assert not duplicates, duplicates
    # every form control has a label (for=its id, wrapped in one, or aria-label)
    for control in page.controls:
        labelled = (
            control.get("id") in page.label_targets
            or control["wrapped"]
            or control.get("aria-label")
            or control.get("aria-labelledby")
        )
        assert labelled, f"no label for {control}"
    # labels point at something
    assert page.label_targets <= set(page.ids), page.label_targets - set(page.ids)
    if logged_in:
        assert "account-menu" in page.classes
        assert reverse("accounts:settings") in page.hrefs
    else:
        assert reverse("account_login") in page.hrefs
        assert reverse("account_signup") in page.hrefs


ANONYMOUS_PAGES = [
    "home",
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_email_verification_sent",
]
LOGGED_IN_PAGES = [
    "accounts:settings",
    "account_email",
    "account_change_password",
]


@pytest.mark.parametrize("name", ANONYMOUS_PAGES)
def test_anonymous_pages_share_the_layout(client, name):
    # when
    response = client.get(reverse(name))

    # then
    assert response.status_code == 200
    assert_shared_layout(parse(response.content.decode()), logged_in=False)


@pytest.mark.parametrize("name", LOGGED_IN_PAGES)
def test_logged_in_pages_share_the_layout(client, name):
    # given
    client.force_login(UserFactory())

    # when
    response = client.get(reverse(name))

    # then
    assert response.status_code == 200
    assert_shared_layout(parse(response.content.decode()), logged_in=True)


def test_pages_with_form_errors_keep_labels_and_tie_errors_to_inputs(client):
    # when: a sign-up with a short password and mismatching confirmation
    response = client.post(
        reverse("account_signup"),
        {"email": "x@example.com", "password1": "short", "password2": "different"},
    )

    # then: still one h1, labelled controls, and the error is announced with the input
    html = response.content.decode()
    page = parse(html)
    assert_shared_layout(page, logged_in=False)
    password = next(c for c in page.controls if c.get("name") == "password1")
    assert password.get("aria-invalid") == "true"
    assert "id_password1_error" in password["aria-describedby"].split()
    assert "id_password1_error" in page.ids


def test_failed_login_shows_the_error_in_an_alert(client):
    # when
    response = client.post(
        reverse("account_login"), {"login": "nobody@example.com", "password": "wrong-password"}
    )

    # then
    html = response.content.decode()
    assert '<div class="form-errors" role="alert">' in html
    assert "not correct" in html


def test_messages_appear_in_the_layout(client):
    # given: a learner who just logged in is told so on the next page
    user = UserFactory()
    response = client.post(
        reverse("account_login"),
        {"login": user.email, "password": "correct-horse-battery-staple-42"},
        follow=True,
    )

    # then
    page = parse(response.content.decode())
    assert "messages" in page.classes
    assert "message-success" in page.classes


def test_rate_limited_and_missing_pages_use_the_layout(client, settings):
    # given: a sign-up limit of one per minute
    settings.ACCOUNT_RATE_LIMITS = {"signup": "1/m/ip"}
    data = {"email": "a@example.com", "password1": "x", "password2": "x"}
    client.post(reverse("account_signup"), data)

    # when
    limited = client.post(reverse("account_signup"), data)
    missing = client.get("/no-such-page/")

    # then
    assert limited.status_code == 429
    assert "Too many attempts" in limited.content.decode()
    assert_shared_layout(parse(limited.content.decode()), logged_in=False)
    assert missing.status_code == 404
    assert_shared_layout(parse(missing.content.decode()), logged_in=False)


def test_landing_page_sends_logged_in_learners_to_their_dashboard(client):
    # given
    client.force_login(UserFactory())

    # when
    response = client.get(reverse("home"))

    # then
    assert response.status_code == 302
    assert response.url == reverse("roadmap:dashboard")


def test_landing_page_keeps_its_query_count(client, django_assert_max_num_queries):
    # given: an empty site, then one with learners
    with django_assert_max_num_queries(2):
        assert client.get(reverse("home")).status_code == 200
    UserFactory.create_batch(10)

    # then
    with django_assert_max_num_queries(2):
        assert client.get(reverse("home")).status_code == 200


def test_server_error_page_renders_without_a_request_or_the_database(
    django_assert_num_queries,
):
    # given: Django renders 500.html with no request and no context processors
    # when
    with django_assert_num_queries(0):
        html = render_to_string("500.html")

    # then
    page = parse(html)
    assert page.h1_count == 1
    assert "Something went wrong" in html
