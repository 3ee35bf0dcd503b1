"""The shared-layout check of tests/test_layout.py for pages that add their own navigation
(breadcrumbs, the board/list switch) after the header's."""

from tests.test_layout import HEADER_NAVS, assert_shared_layout, parse


def assert_page_layout(html: str, *, logged_in: bool, extra_navs: int | None = None) -> None:
    page = parse(html)
    # The header's navigation comes first; any further navigation is the page's own and must be
    # labelled too.
    own = page.nav_labels[len(HEADER_NAVS) :]
    assert all(own), f"unlabelled nav on the page: {page.nav_labels}"
    if extra_navs is not None:
        assert len(own) == extra_navs, own
    page.nav_labels = page.nav_labels[: len(HEADER_NAVS)]
    assert_shared_layout(page, logged_in=logged_in)
