"""Failed passwords slow an account down instead of locking it, and never on a browser the member signed in from.

A fixed lock ("10 wrong passwords in 5 minutes refuse even the right one") lets anyone keep a member out by
repeating wrong passwords. Instead:

- a browser where the member signed in keeps a signed *known device* cookie (`mutua_device`) naming the users who
  signed in there and a random id of the browser. From it, failures are counted for that browser only, so an
  attacker's failures made elsewhere never touch it;
- elsewhere, failures for a username are counted together; after ``LOGIN_SLOWDOWN_FREE`` of them in
  ``LOGIN_SLOWDOWN_WINDOW`` seconds every further attempt waits before the password is checked, 1 s, 2 s, 4 s …
  up to ``LOGIN_SLOWDOWN_MAX`` seconds. The right password is still accepted after the wait: it is slower, not
  refused. The wait comes before the check, so its length tells nothing about the password;
- the per-IP limit (allauth's ``login_failed_ip`` rate) still refuses a flood from one address.

The wait goes through ``sleep`` below, which the tests replace to measure it without sleeping.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponseBase

COOKIE_NAME = "mutua_device"
COOKIE_SALT = "mutua.accounts.known-device"
COOKIE_MAX_AGE = 365 * 24 * 3600
MAX_USERS_PER_DEVICE = 5  # a family sharing one computer

sleep = time.sleep  # replaced in tests


@dataclass
class KnownDevice:
    device_id: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    user_ids: list[int] = field(default_factory=list)

    def knows(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.user_ids


def known_device_of(request: HttpRequest) -> KnownDevice | None:
    """The browser's known-device cookie, when present and signed by us (a forged or altered one is ignored)."""
    raw = request.COOKIES.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        data = signing.loads(raw, salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE)
        return KnownDevice(device_id=str(data["d"]), user_ids=[int(pk) for pk in data["u"]])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def known_device_remember(request: HttpRequest, response: HttpResponseBase, *, user_id: int) -> None:
    """After a successful sign-in, mark this browser as known for the user (kept for a year)."""
    device = known_device_of(request) or KnownDevice()
    users = [pk for pk in device.user_ids if pk != user_id] + [user_id]
    value = signing.dumps({"d": device.device_id, "u": users[-MAX_USERS_PER_DEVICE:]}, salt=COOKIE_SALT)
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _user_id_for(username: str) -> int | None:
    from mutua.accounts.models import User

    pk = User.objects.filter(username=username).values_list("pk", flat=True).first()
    return int(pk) if pk is not None else None


def _counter_key(request: HttpRequest, username: str) -> str:
    """Failures from a known browser count for that browser only; everywhere else shares one count per username."""
    device = known_device_of(request)
    if device is not None and device.knows(_user_id_for(username)):
        return f"login-failures:{username}:device:{device.device_id}"
    return f"login-failures:{username}:elsewhere"


def _bucket(key: str, offset: int = 0) -> str:
    window: int = settings.LOGIN_SLOWDOWN_WINDOW
    return f"{key}:{int(time.time() // window) - offset}"


def _failures(key: str) -> int:
    """Failures in this window and the one before (atomic counters: parallel attempts are all counted)."""
    counts = cache.get_many([_bucket(key), _bucket(key, 1)])
    return sum(int(n) for n in counts.values())


def slowdown_seconds(failures: int) -> float:
    """How long an attempt waits after `failures` recent failures: nothing at first, then doubling up to a cap."""
    free: int = settings.LOGIN_SLOWDOWN_FREE
    if failures < free:
        return 0.0
    return float(min(2 ** (failures - free), settings.LOGIN_SLOWDOWN_MAX))


def login_attempt_wait(request: HttpRequest, *, username: str) -> float:
    """Before a password is checked: wait as long as the recent failures for this username (here) ask. Returns it."""
    if not username or not settings.RATE_LIMITS_ENABLED:
        return 0.0
    delay = slowdown_seconds(_failures(_counter_key(request, username)))
    if delay:
        sleep(delay)
    return delay


def login_failure_record(request: HttpRequest, *, username: str) -> None:
    if not username:
        return
    bucket = _bucket(_counter_key(request, username))
    timeout = 2 * settings.LOGIN_SLOWDOWN_WINDOW + 5
    cache.add(bucket, 0, timeout)
    try:
        cache.incr(bucket)
    except ValueError:  # evicted between add and incr
        cache.set(bucket, 1, timeout)


def username_of(credentials: dict[str, Any]) -> str:
    return str(credentials.get("username") or "").strip().lower()
