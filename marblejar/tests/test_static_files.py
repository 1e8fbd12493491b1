"""Static files as `marblejar serve` answers them: hashed names, gzip and Brotli,
a year of caching, and no warning per request."""

from __future__ import annotations

import re

import httpx
import pytest

pytestmark = pytest.mark.slow

YEAR = "max-age=31536000, public, immutable"


def test_pages_link_hashed_files_served_compressed_and_cached_for_a_year(live_marblejar):
    page = httpx.get(f"{live_marblejar.url}/login/").text
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", asset), asset
        for encoding in ("br", "gzip"):
            response = httpx.get(live_marblejar.url + asset, headers={"Accept-Encoding": encoding})
            assert response.status_code == 200, asset
            assert response.headers["cache-control"] == YEAR
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers.get("content-encoding") == encoding, asset
    log = live_marblejar.log.read_text()
    assert "StreamingHttpResponse must consume" not in log, log[-2000:]


def test_an_unhashed_or_unknown_name_is_not_found(live_marblejar):
    assert httpx.get(f"{live_marblejar.url}/static/marblejar/nothing.js").status_code == 404
