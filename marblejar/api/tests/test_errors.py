"""Bad requests get a 4xx with a readable detail, never a 500."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "raw",
    ["{", "null", "[]", '"text"', "42", '{"name": null}', '{"name": 5}', '{"name": ["x"]}'],
)
def test_malformed_bodies_are_refused_with_a_detail(api_for, personas, raw):
    client = api_for("admin")
    response = client.client.generic("POST", "/api/v1/teams", raw, content_type="application/json")
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["detail"]


def test_a_wrong_content_type_is_refused_with_a_detail(api_for, personas):
    response = api_for("admin").client.post("/api/v1/teams", "name=x", content_type="text/plain")
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "path", ["/tokens/abc", "/tokens/99999999999999999999999", "/teams/platform/members/x"]
)
def test_bad_path_parameters_are_refused_with_a_detail(api_for, personas, path):
    response = api_for("lead").delete(path)
    assert response.status_code in (404, 422)
    assert response.json()["detail"]


def test_an_unknown_api_url_answers_json(api_for, personas):
    response = api_for("lead").get("/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_a_too_long_name_is_422(api_for, personas):
    response = api_for("admin").post("/teams", {"name": "x" * 81})
    assert response.status_code == 422
    assert response.json()["errors"]["name"]
