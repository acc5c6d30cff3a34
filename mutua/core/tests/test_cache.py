"""The Redis cache backend of production (mutua.core.cache), against the machine's Redis."""

from __future__ import annotations

import uuid

import pytest

from mutua.core.cache import RedisCache


@pytest.fixture
def redis_cache():
    cache = RedisCache("redis://127.0.0.1:6379/12", {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    yield cache
    cache.clear()


def test_it_behaves_as_djangos_redis_cache(redis_cache):
    assert redis_cache.get("bell") is None
    redis_cache.set("bell", 3, 60)
    assert redis_cache.get("bell") == 3
    assert redis_cache.add("seen", 1, 60) is True and redis_cache.add("seen", 1, 60) is False
    assert redis_cache.incr("bell") == 4
    redis_cache.set_many({"a": {"nested": [1, 2]}, "b": "testo"})
    assert redis_cache.get_many(["a", "b"]) == {"a": {"nested": [1, 2]}, "b": "testo"}
    assert redis_cache.delete("bell") is True and redis_cache.get("bell") is None


def test_one_client_serves_every_call(redis_cache):
    first = redis_cache._cache.get_client("x")
    redis_cache.set("x", 1)
    assert redis_cache._cache.get_client("y", write=True) is first
