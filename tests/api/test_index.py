"""/api/v1/ answers a small JSON index (schema, docs, collections); any other unknown address
under /api/v1/ is still a JSON 404."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_api_root_is_a_json_index_linking_the_schema_and_the_docs(client):
    # when: a visitor without credentials asks for the API's root
    response = client.get("/api/v1/")

    # then: a JSON index whose links all answer
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    index = response.json()
    assert index["schema"] == "http://testserver/api/v1/schema/"
    assert index["docs"] == "http://testserver/api/v1/docs/"
    assert index["endpoints"]["paths"] == "http://testserver/api/v1/paths/"
    assert client.get(index["schema"]).status_code == 200
    assert client.get(index["docs"]).status_code == 200


def test_an_unknown_address_under_the_api_is_still_a_json_404(client):
    response = client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
