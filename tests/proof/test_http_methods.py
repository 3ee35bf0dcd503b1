"""Methods: every page of the site (every URL the access matrix knows, outside the JSON API)
serves GET, HEAD, POST and OPTIONS only, and answers 405 to anything else before any view runs;
the JSON API keeps PUT, PATCH and DELETE."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.proof.test_access_matrix import (
    REGISTRY,
    World,
    _admin_sample,
    is_admin,
    project_routes,
    url_for,
)

pytestmark = pytest.mark.django_db

REFUSED = ("TRACE", "PUT", "PATCH", "DELETE", "CONNECT", "PROPFIND")


def site_addresses(world: World) -> list[str]:
    """A concrete address for every URL pattern, the API aside."""
    addresses = []
    for route in project_routes():
        if is_admin(route):
            addresses.append(_admin_sample(route))
            continue
        access = REGISTRY[route.key]
        if access.kind == "unexercised" or route.key.startswith("api:"):
            continue
        addresses.append(url_for(route, access, world, {}))
    return addresses


@pytest.fixture
def world() -> World:
    return World()


@pytest.mark.parametrize("logged_in", [False, True], ids=["visitor", "owner"])
def test_pages_refuse_methods_they_never_serve(world, logged_in):
    # given: every address of the site, for a visitor and for a learner with objects of every kind
    client = Client()
    if logged_in:
        client.force_login(world.owner)
    addresses = site_addresses(world)
    assert len(addresses) > 80  # the admin's and the site's

    for url in addresses:
        for method in REFUSED:
            # when
            response = client.generic(method, url)

            # then: refused for the method alone, saying what is served
            assert response.status_code == 405, (method, url, response.status_code)
            assert response["Allow"] == "GET, HEAD, POST, OPTIONS", (method, url)
            assert response.content == b"", (method, url)


def test_options_says_what_is_served_without_running_the_page(client):
    # when
    response = client.options("/")

    # then: the methods, not the start page
    assert response.status_code == 200
    assert response["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert response.content == b""


def test_the_api_keeps_its_own_methods(client):
    # when: methods the API serves on some endpoints, without credentials
    statuses = {m: client.generic(m, "/api/v1/paths/").status_code for m in ("PUT", "DELETE")}

    # then: the API's own answer (log in first), not the site's 405
    assert statuses == {"PUT": 401, "DELETE": 401}
