"""Fuzzing every API operation with the input that broke it before: NUL characters, control
characters, enormous integers, far-past and far-future dates and deeply nested JSON, in every
query parameter and every field of every request body the published schema lists.

For each example: no answer is a 5xx and every answer is JSON; a refusal (4xx) changed
nothing; and after a change, every endpoint and page that shows the learner's data still
answers without a server error (a stored value must be showable: a date the calendar feed
cannot compute with must be refused, not stored). test_schemathesis.py checks the answers'
shapes against the schema; this file aims the edge values at every operation.
"""

from __future__ import annotations

import copy
import json

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from hypothesis import given
from hypothesis import strategies as st

from accounts.services import calendar_feed_reset
from api.parsers import MAX_DEPTH
from certifications.models import CertStatus
from portfolio.services.applications import application_create
from tests.api.conftest import make_api_learner
from tests.certifications.factories import LearnerCertificationFactory, pmp
from tests.proof.test_access_matrix import database_rows
from tests.proof.test_fuzz_forms import PROOF_SETTINGS, rolled_back

pytestmark = pytest.mark.django_db

NO_THROTTLE = copy.deepcopy(settings.REST_FRAMEWORK)
NO_THROTTLE["DEFAULT_THROTTLE_RATES"] = dict.fromkeys(
    NO_THROTTLE["DEFAULT_THROTTLE_RATES"], "100000/minute"
)

SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
OPERATIONS = sorted(
    (method.upper(), path)
    for path, methods in SCHEMA["paths"].items()
    for method in methods
    if not path.endswith(("/schema/", "/docs/"))
)


def deep(depth: int, leaf=0):
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


EDGE_VALUES = [
    "\x00",
    "line\r\nBcc: victim@example.com",
    "0001-01-01",
    "1949-12-31",
    "2101-01-01",
    "9999-12-31",
    10**26,
    2**31,
    -(10**26),
    deep(30),
    {"\x00": 1},
]
EDGE_TEXT = [
    "\x00",
    "a\x00b",
    "line\r\nBcc: victim@example.com",
    "\t\x1b[31m\u2028\u2029\x7f",
    "0001-01-01",
    "1949-12-31",
    "2101-01-01",
    "9999-12-31",
    "99999999999999999999999999",
    "-99999999999999999999999999",
]
edge_values = st.one_of(
    st.sampled_from(EDGE_TEXT),
    st.text(max_size=20).map(lambda s: s + "\x00" + s),
    st.sampled_from([10**26, -(10**26), 2**31, 2**63, 1e308, 0, -1]),
    st.sampled_from([deep(30), deep(5, "\x00"), {"\x00": 1}, [10**26], ["9999-12-31"]]),
    st.dates().map(lambda d: d.isoformat()),
)


def _request_properties(method: str, path: str) -> list[str]:
    body = SCHEMA["paths"][path][method.lower()].get("requestBody")
    if not body:
        return []
    ref = body["content"]["application/json"]["schema"]["$ref"]
    return sorted(SCHEMA["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"])


def _query_parameters(method: str, path: str) -> list[str]:
    parameters = SCHEMA["paths"][path][method.lower()].get("parameters", [])
    return sorted(p["name"] for p in parameters if p["in"] == "query")


class ApiWorld:
    def __init__(self) -> None:
        self.api = make_api_learner()
        learner = self.api.learner
        self.tracked = LearnerCertificationFactory(
            learner=learner, certification=pmp(), status=CertStatus.EARNED, earned_on="2025-01-01"
        )
        self.application = application_create(
            learner=learner, data={"company": "Acme", "role": "AI PM", "status": "applied"}
        )
        self.calendar_secret = calendar_feed_reset(user=learner)

    def url(self, path: str) -> str:
        return path.format(
            id={
                "milestones": self.api.milestones[0].pk,
                "certifications": self.tracked.pk,
                "applications": self.application.pk,
            }.get(path.split("/")[3], 0),
            slug=self.api.path.slug,
        )

    def display_urls(self) -> list[str]:
        return [
            *(self.url(p) for m, p in OPERATIONS if m == "GET"),
            reverse("calendar:feed", kwargs={"secret": self.calendar_secret}),
        ]


def rows_but_token_use(rows: dict) -> dict:
    # Each request records when the token was last used; that is not a change of data.
    return {label: r for label, r in rows.items() if label != "accounts.PersonalAccessToken"}


def check_answer(response) -> None:
    assert response.status_code < 500, response.status_code
    assert response["Content-Type"] == "application/json", response["Content-Type"]


@pytest.fixture
def api_world(db):
    with override_settings(REST_FRAMEWORK=NO_THROTTLE):
        yield ApiWorld()


def send_and_check(world: ApiWorld, method: str, path: str, data: dict) -> None:
    """One request with `data` as its query string or JSON body, and the verdict."""
    client = world.api.client
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world.api.token}"}
    url = world.url(path)
    with rolled_back():
        # given
        before = rows_but_token_use(database_rows())

        # when
        if method == "GET":
            params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
            response = client.get(url, params, **headers)
        else:
            response = client.generic(
                method, url, json.dumps(data), content_type="application/json", **headers
            )

        # then
        check_answer(response)
        changed = rows_but_token_use(database_rows()) != before
        if response.status_code >= 400:
            assert not changed, f"refused, yet the database changed: {data}"
        if changed:
            for shown in world.display_urls():
                status = client.get(shown, **headers).status_code
                assert status < 500, f"{shown} answered {status} after {data}"


def _names(method: str, path: str) -> list[str]:
    names = _request_properties(method, path) or _query_parameters(method, path)
    if not names:
        pytest.skip("this operation reads neither a query string nor a body")
    return names


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_edge_value_in_every_field_of_every_operation(method, path, api_world):
    for name in _names(method, path):
        for value in EDGE_VALUES:
            send_and_check(api_world, method, path, {name: value})


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_generated_edge_values_never_break_an_operation(method, path, api_world):
    names = _names(method, path)

    @PROOF_SETTINGS
    @given(data=st.dictionaries(st.sampled_from(names), edge_values, min_size=1, max_size=3))
    def example(data):
        send_and_check(api_world, method, path, data)

    example()


@pytest.mark.parametrize(("method", "path"), [op for op in OPERATIONS if op[0] != "GET"])
@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
def test_deep_json_is_a_json_400_on_every_write(method, path, depth, api_world):
    # when
    response = api_world.api.client.generic(
        method,
        api_world.url(path),
        "[" * depth + "]" * depth,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_world.api.token}",
    )

    # then
    check_answer(response)
    assert response.status_code == 400 and "nested" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_a_nul_in_the_address_or_the_query_string_is_refused_as_json(method, path, api_world):
    # given
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_world.api.token}"}
    url = api_world.url(path)
    addresses = [url + "?x=%00"] + ([url.rstrip("/") + "%00/"] if "{" in path else [])

    for address in addresses:
        # when
        response = api_world.api.client.generic(method, address, **headers)

        # then: a query string with a NUL is a 400, an address with one names nothing
        check_answer(response)
        assert response.status_code == (400 if "?" in address else 404), address
