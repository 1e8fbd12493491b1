"""The suite runs in parallel (pytest-xdist): each worker keeps to its own Redis database."""

from __future__ import annotations

import os

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

from conftest import CONFIGURED_REDIS_URL, redis_url_for_worker


def test_the_first_worker_keeps_the_configured_database_the_next_take_the_following():
    url = "redis://127.0.0.1:6379/7"
    assert redis_url_for_worker(url, "gw0") == "redis://127.0.0.1:6379/7"
    assert redis_url_for_worker(url, "gw1") == "redis://127.0.0.1:6379/8"
    assert redis_url_for_worker("redis://:pw@cache:6380", "gw2") == "redis://:pw@cache:6380/2"


def test_a_list_of_databases_gives_each_worker_its_own():
    url = "redis://127.0.0.1:6379/10"
    assert redis_url_for_worker(url, "gw0", "10 15") == "redis://127.0.0.1:6379/10"
    assert redis_url_for_worker(url, "gw1", "10,15") == "redis://127.0.0.1:6379/15"
    with pytest.raises(pytest.UsageError, match="too few"):
        redis_url_for_worker(url, "gw2", "10 15")


@pytest.mark.redis
def test_this_workers_cache_writes_go_to_its_own_redis_database():
    if not settings.REDIS_URL:
        pytest.skip("needs MARBLEJAR_REDIS_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        expected = redis_url_for_worker(
            CONFIGURED_REDIS_URL, worker, os.environ.get("MARBLEJAR_TEST_REDIS_DATABASES", "")
        )
        assert expected == settings.REDIS_URL
        assert os.environ["MARBLEJAR_REDIS_URL"] == expected  # for servers the tests start
    else:
        assert settings.REDIS_URL == CONFIGURED_REDIS_URL
    key = f"parallel-runs-{worker or 'main'}"
    cache.set(key, "here", 30)
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        assert client.exists(cache.make_key(key)) == 1
    finally:
        cache.delete(key)
        client.close()
