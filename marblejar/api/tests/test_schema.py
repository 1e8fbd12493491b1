"""Property-based tests of the whole API against its own OpenAPI description.

Schemathesis generates requests for every operation, valid ones and invalid
ones, and runs every check it has on each response: no server error; status
code, content type, headers and body as described; schema-violating requests
rejected; schema-valid requests not refused as invalid; authentication not
ignored; unsupported methods refused. `.ci/run` runs the suite on SQLite and
then on PostgreSQL, so this runs on both.

One choice is ours: a schema-valid request may still answer 400. The
description states what it can (lengths, ranges, patterns, enumerations) and
a request that breaks it answers 422; a well-formed request that breaks a
rule no schema can state (a pulse that closes before it opens, a person who
is not in the team, an invitation that does not exist, a date outside the
years the product handles) answers 400 with the reason. So the check that
valid data is accepted allows 400 and never 422: the description must not
promise anything the API then refuses as invalid.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings

from marblejar.accounts.services import token_create

# Examples per operation. With ~90 operations this keeps a run near a minute
# on a small machine, per database; derandomized, so a failure reproduces.
# bench/fuzz_api.py raises it for the nightly-sized run (10,000 cases and more).
EXAMPLES = int(os.environ.get("MARBLEJAR_FUZZ_EXAMPLES", "10"))

RUN: Counter[str] = Counter()


@pytest.fixture
def in_test_transaction() -> Iterator[None]:
    # Requests go straight to Django's WSGI handler in this thread. Like
    # Django's test client, keep the handler from closing the connection at
    # the end of a request: that would end the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def lead_token(personas) -> str:
    _token, raw = token_create(user=personas.lead, name="schemathesis")
    return raw


# Loaded when the module is collected (the description needs no database).
# schemathesis.pytest.from_fixture would load it lazily, but it does not run
# under pytest 9 (it sets Node._nodeid, which pytest 9 removed).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
schema.config.checks.positive_data_acceptance.expected_statuses = [
    "2xx",
    "3xx",
    "400",
    "401",
    "403",
    "404",
    "409",
    "429",
]

pytestmark = pytest.mark.slow


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_promises(case, lead_token, in_test_transaction):
    # Aim at a team the lead is in, so that operations get past the 404.
    if "slug" in (case.path_parameters or {}) and case.meta.generation.mode.is_positive:
        case.path_parameters["slug"] = "platform"
    # Plain bodies: the WSGI transport does not undo the gzip that pages get.
    headers = {"Authorization": f"Bearer {lead_token}", "Accept-Encoding": "identity"}
    response = case.call(headers=headers)
    RUN["cases"] += 1
    RUN[f"status {response.status_code // 100}xx"] += 1
    case.validate_response(response, headers=headers)
