"""Fixed-window rate limits on the shared cache, for the steps allauth does not cover."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


@dataclass(frozen=True)
class Limited:
    retry_after: int  # seconds

    @property
    def message(self) -> str:
        if self.retry_after < 60:
            wait = ngettext("%(n)d secondo", "%(n)d secondi", self.retry_after) % {"n": self.retry_after}
        else:
            minutes = math.ceil(self.retry_after / 60)
            wait = ngettext("%(n)d minuto", "%(n)d minuti", minutes) % {"n": minutes}
        return _("Troppi tentativi. Per sicurezza riprova tra %(wait)s.") % {"wait": wait}


def client_ip(request: HttpRequest) -> str:
    from allauth.account.adapter import get_adapter  # honours ALLAUTH_TRUSTED_PROXY_COUNT

    try:
        return get_adapter(request).get_client_ip(request) or "unknown"
    except Exception:  # a malformed or missing address must not break the page
        return "unknown"


def hit(scope: str, key: str, *, limit: int, period: int) -> Limited | None:
    """Count one attempt for `key` in `scope`; return Limited when more than `limit` fall in `period` seconds."""
    if not settings.RATE_LIMITS_ENABLED:
        return None
    window = int(time.time() // period)
    cache_key = f"rl:{scope}:{key}:{window}"
    cache.add(cache_key, 0, period + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # evicted between add and incr
        cache.set(cache_key, 1, period + 5)
        count = 1
    if count > limit:
        return Limited(retry_after=max(1, int((window + 1) * period - time.time())))
    return None


def check(
    request: HttpRequest, scope: str, *, ip_limit: int, key: str = "", key_limit: int = 0, period: int = 300
) -> Limited | None:
    """Rate limit a step by client IP and, when given, by a key such as the username."""
    limited = hit(scope, "ip:" + client_ip(request), limit=ip_limit, period=period)
    if limited is None and key and key_limit:
        limited = hit(scope, "key:" + key, limit=key_limit, period=period)
    return limited
