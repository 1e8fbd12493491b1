from __future__ import annotations

from marblejar.lib.deploycheck import run_checks


def trusted_proxies_check():
    return next(r for r in run_checks() if r.name == "trusted proxies")


def test_behind_https_without_a_named_proxy_it_warns(db, settings):
    settings.HTTPS = True
    settings.TRUSTED_PROXIES = []
    result = trusted_proxies_check()
    assert not result.ok and "MARBLEJAR_TRUSTED_PROXIES" in result.detail


def test_a_named_proxy_is_reported(db, settings):
    settings.HTTPS = True
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    result = trusted_proxies_check()
    assert result.ok and "10.0.0.5" in result.detail
