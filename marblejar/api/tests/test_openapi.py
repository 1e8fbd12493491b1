from __future__ import annotations

import re

from schemathesis.specs.openapi import definitions


def test_the_description_is_valid_openapi(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert definitions.OPENAPI_31_VALIDATOR.is_valid(document)
    assert document["info"]["title"] == "Marblejar API"


def test_every_operation_documents_its_errors(client, db):
    document = client.get("/api/v1/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"401", "403", "422"} <= codes, (method, path, codes)
            assert operation.get("summary"), (method, path)


def test_the_docs_page_loads_its_assets_from_our_static_files(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert assets
    for url in assets:
        assert url.startswith("/static/"), url
        assert client.get(url).status_code == 200, url
    assert "cdn" not in response.text.lower()
    assert "https://" not in response.text
