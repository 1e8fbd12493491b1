"""An exhaustive walk over every API operation's inputs with values no database takes.

For each operation in the OpenAPI description, each path parameter, query
parameter and body field gets, one at a time, what broke the API before: a
NUL character in a string (PostgreSQL cannot store or compare one), an
integer beyond 64 bits (SQLite cannot bind one), a date at either end of the
calendar, ``1e20`` for a number in the query string. Everything else in the
request is valid. Each must answer a 4xx with a readable ``detail``, on
SQLite and on PostgreSQL (the suite runs on both).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.test import Client

from marblejar.api.api import api
from marblejar.test import Personas

DOCUMENT = api.get_openapi_schema(path_prefix="/api/v1")
COMPONENTS = DOCUMENT["components"]["schemas"]

NUL_TEXT = "x\x00y"
BIG_INTEGERS = [2**63, -(2**63) - 1, 10**20]
FAR_DATETIMES = ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"]
FAR_DATES = ["9999-12-31", "0001-01-01"]


def resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = COMPONENTS[schema["$ref"].rsplit("/", 1)[-1]]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"]
            return resolve(options[0])
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return resolve(schema["allOf"][0])
    return schema


def valid(schema: dict) -> Any:
    """A value the description accepts (not necessarily one the product does)."""
    schema = resolve(schema)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "string":
        return {
            "date-time": "2030-01-02T10:00:00Z",
            "date": "2030-01-02",
            "uuid": str(uuid.UUID(int=1)),
            "email": "someone@acme.test",
        }.get(schema.get("format"), _string_for(schema))
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "object":
        return {name: valid(prop) for name, prop in schema.get("properties", {}).items()}
    return None


def _string_for(schema: dict) -> str:
    pattern = schema.get("pattern", "")
    if "lead|member" in pattern:
        return "member"
    if pattern.startswith("^("):
        return pattern[2:].split("|")[0].rstrip(")$")
    return "platform"


def hostile(schema: dict) -> Iterator[Any]:
    """Values of the right JSON type that no database here takes."""
    schema = resolve(schema)
    kind = schema.get("type")
    if kind == "string" and "enum" not in schema:
        fmt = schema.get("format")
        if fmt == "date-time":
            yield from FAR_DATETIMES
        elif fmt == "date":
            yield from FAR_DATES
        elif fmt != "uuid":
            yield NUL_TEXT
    elif kind == "integer":
        yield from BIG_INTEGERS
    elif kind == "array":
        for item in hostile(schema.get("items", {})):
            yield [item]
    elif kind == "object" and ("additionalProperties" in schema or "patternProperties" in schema):
        values = schema.get("additionalProperties") or next(
            iter(schema.get("patternProperties", {}).values()), {}
        )
        yield {NUL_TEXT: valid(values)}
        for value in hostile(values):
            yield {"key": value}


def cases() -> Iterator[Any]:
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            params = operation.get("parameters", [])
            body_schema = (
                operation.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema")
            )
            base_path = {p["name"]: valid(p["schema"]) for p in params if p["in"] == "path"}
            base_body = valid(body_schema) if body_schema else None
            label = f"{method.upper()} {path}"
            for p in params:
                where, name, schema = p["in"], p["name"], resolve(p["schema"])
                values: list[Any] = list(hostile(schema))
                if where == "query" and schema.get("type") == "integer":
                    values.append("1e20")
                for value in values:
                    path_values, query = dict(base_path), {}
                    if where == "path":
                        path_values[name] = value
                    else:
                        query[name] = value
                    yield pytest.param(
                        method, path, path_values, query, base_body, id=f"{label} {where}:{name}"
                    )
            if body_schema:
                properties = resolve(body_schema).get("properties", {})
                for name, prop in properties.items():
                    for value in hostile(prop):
                        yield pytest.param(
                            method,
                            path,
                            base_path,
                            {},
                            {**base_body, name: value},
                            id=f"{label} body:{name}",
                        )


CASES = list(cases())


def test_the_walk_covers_every_operation_with_inputs():
    walked = {c.values[:2] for c in CASES}
    with_inputs = {
        (method, path)
        for path, operations in DOCUMENT["paths"].items()
        for method, operation in operations.items()
        if operation.get("parameters") or operation.get("requestBody")
    }
    assert walked == with_inputs
    assert len(CASES) > 300


@pytest.fixture
def lead(personas: Personas) -> Client:
    from marblejar.accounts.services import token_create

    _token, raw = token_create(user=personas.lead, name="edges")
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.mark.parametrize(("method", "path", "path_values", "query", "body"), CASES)
def test_a_value_no_database_takes_is_a_readable_4xx(lead, method, path, path_values, query, body):
    url = path
    for name, value in path_values.items():
        url = url.replace("{" + name + "}", quote(str(value), safe=""))
    if query:
        url += "?" + urlencode(query)
    data = "" if body is None else json.dumps(body)
    response = lead.generic(method.upper(), url, data, content_type="application/json")
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response.json()["detail"]
