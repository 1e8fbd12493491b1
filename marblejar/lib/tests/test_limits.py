"""Bodies over the size limit: 413 with a readable reason, on pages and the API."""

from __future__ import annotations

import httpx
import pytest
from django.conf import settings

from marblejar.test import make_personas

LIMIT = settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_a_page_refuses_a_body_over_the_limit(client_for):
    lead = client_for("lead")
    big = "x" * (LIMIT + 1)
    response = lead.post("/t/platform/reflections/new/", {"title": big})
    assert response.status_code == 413
    assert "The request is too large: at most 2,560 KB" in response.text


def test_the_api_refuses_a_body_over_the_limit_in_json(client_for):
    lead = client_for("lead")
    response = lead.post(
        "/api/v1/reflections", data="[" + "1," * LIMIT + "1]", content_type="application/json"
    )
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


def test_a_body_within_the_limit_goes_through(client_for):
    response = client_for("lead").post(
        "/api/v1/reflections", data={}, content_type="application/json"
    )
    assert response.status_code != 413


@pytest.mark.slow
def test_a_chunked_body_without_a_length_meets_the_same_limit(live_marblejar):
    make_personas()

    def chunks():
        piece = b"a=" + b"x" * 65536
        yield piece
        for _ in range(LIMIT // 65536 + 2):
            yield b"x" * 65536

    response = httpx.post(
        f"{live_marblejar.url}/login/",
        content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert response.status_code == 413
    assert "too large" in response.text
