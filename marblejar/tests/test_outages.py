"""A database fault raised while answering becomes a readable 503, not a 500."""

from __future__ import annotations

import json
import sqlite3

import pytest
from django.db.utils import IntegrityError, OperationalError
from django.test import RequestFactory

from marblejar.lib.outages import outage_kind
from marblejar.views import server_error


def raised(exc: BaseException, path: str):
    request = RequestFactory().post(path)
    try:
        raise exc
    except BaseException:  # noqa: BLE001  (the handler reads the exception being handled)
        return server_error(request)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("database or disk is full", "disk"),
        ("disk I/O error", "disk"),
        ('could not extend file "base/1/2": No space left on device', "disk"),
        ("connection failed: Connection refused", "database"),
        ("database is locked", "database"),
    ],
)
def test_it_tells_a_full_disk_from_a_database_that_is_away(text, kind):
    assert outage_kind(OperationalError(text)) == kind


def test_it_finds_the_fault_behind_another_exception():
    try:
        try:
            raise sqlite3.OperationalError("database or disk is full")
        except sqlite3.OperationalError as inner:
            raise OperationalError(str(inner)) from inner
    except OperationalError as wrapped:
        try:
            raise RuntimeError("while saving the session") from wrapped
        except RuntimeError as outer:
            assert outage_kind(outer) == "disk"


def test_other_errors_stay_server_errors():
    assert outage_kind(IntegrityError("duplicate key")) is None
    assert outage_kind(ValueError("bug")) is None
    assert raised(ValueError("bug"), "/t/x/").status_code == 500


def test_the_api_answers_503_with_a_sentence_and_retry_after():
    response = raised(OperationalError("database or disk is full"), "/api/v1/reviews/1/notes")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "disk is full" in json.loads(response.content)["detail"]


def test_a_page_answers_503_saying_what_happened():
    response = raised(OperationalError("Connection refused"), "/r/1/notes/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = response.content.decode()
    assert "The database is not answering right now" in page
    assert "What you saved before is safe" in page
