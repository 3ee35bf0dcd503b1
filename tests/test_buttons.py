"""The design system's button rule on the pages the issue named: one primary (filled) button per
page; a destructive action looks destructive; copy buttons for the feed address and a new token."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.accounts.factories import UserFactory
from tests.portfolio.factories import PublicPortfolioFactory

pytestmark = pytest.mark.django_db


class Buttons(HTMLParser):
    """(text, classes) of each button inside <main>."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, set[str]]] = []
        self._in_main = self._in_button = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "main":
            self._in_main = True
        if self._in_main and tag == "button":
            self._in_button = True
            self.found.append(("", set((a.get("class") or "").split()) | {f"type:{a.get('type')}"}))

    def handle_endtag(self, tag):
        if tag == "button":
            self._in_button = False
        if tag == "main":
            self._in_main = False

    def handle_data(self, data):
        if self._in_button:
            text, classes = self.found[-1]
            self.found[-1] = (text + data.strip(), classes)


def buttons(html: str) -> dict[str, set[str]]:
    parser = Buttons()
    parser.feed(html)
    return dict(parser.found)


def primaries(found: dict[str, set[str]]) -> list[str]:
    quiet = {"secondary", "link-button", "small"}
    return [text for text, classes in found.items() if not classes & quiet]


def test_making_a_new_feed_address_is_styled_destructive_and_the_address_can_be_copied(client):
    # given: a learner whose feed is on, right after turning it on (the address is shown once)
    client.force_login(UserFactory())
    html = client.post("/settings/calendar/", {"action": "reset"}, follow=True).content.decode()

    # then: "Make a new address" (it breaks the old address) is an outlined danger button
    found = buttons(html)
    assert {"secondary", "danger"} <= found["Make a new address"]
    assert primaries(found) == []
    # and the address has a copy button, hidden until the script can copy
    assert "Copy" in found and "type:button" in found["Copy"]
    assert 'data-copy="feed-url"' in html


def test_save_and_publish_is_the_one_primary_button_before_the_page_is_published(client):
    # given: a learner with a public page not yet published
    portfolio = PublicPortfolioFactory(is_published=False)
    client.force_login(portfolio.learner)

    found = buttons(client.get("/portfolio/public/").content.decode())

    # then: saving and publishing is the page's one primary action; Publish and Save are quiet
    assert primaries(found) == ["Save and publish"]
    assert "secondary" in found["Save"]


def test_a_new_token_can_be_copied_and_revoking_looks_destructive(client):
    client.force_login(UserFactory())

    data = {"name": "laptop", "lifetime": "90"}
    html = client.post("/settings/tokens/", data, follow=True).content.decode()

    found = buttons(html)
    assert 'data-copy="new-token"' in html and "type:button" in found["Copy"]
    assert {"secondary", "danger"} <= next(c for t, c in found.items() if t.startswith("Revoke"))
