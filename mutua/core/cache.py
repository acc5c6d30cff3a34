"""Django's Redis cache, without building a new redis-py client object for every cache call.

`django.core.cache.backends.redis.RedisCacheClient.get_client` returns ``Redis(connection_pool=pool)`` on each call;
with redis-py 8 that constructor costs about as much CPU as the round trip itself, and a signed-in page makes
several cache calls (session, bell, rate limits). A redis-py client is thread-safe and only borrows connections
from its pool, so one per pool is enough.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _ReusedClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's own private helpers (django-stubs does not declare them). The pool is chosen once, and its
        # client looked up by the pool itself: with read replicas the choice is random on each call.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusedClient


def token_create(key: str, timeout: float | None = None) -> str | None:
    """Put a new random token under ``key`` unless another process just did; the token now there.

    Tokens version cached data (providers' answers, member pages): replacing or deleting one makes everything
    stored under the old one unreachable. None only when it was deleted again at this very moment.
    """
    cache.add(key, uuid.uuid4().hex, timeout)
    token = cache.get(key)
    return None if token is None else str(token)
