"""Operators and supervisors work only with a second factor."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mutua.accounts.adapter import second_factor_required

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase


class SecondFactorRequiredMiddleware:
    """Send a signed-in operator without an authenticator app or passkey to the two-factor page.

    Runs after allauth's AccountMiddleware. The two-factor pages (setup, recovery codes, passkeys), reauthentication,
    logout, language switch and static files stay reachable, or the setup could never be completed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and second_factor_required(user) and not self._exempt(request.path):
            from mutua.accounts.selectors import user_has_second_factor

            if not user_has_second_factor(user=user):
                messages.warning(
                    request,
                    _(
                        "Per il tuo ruolo l'autenticazione a due fattori è obbligatoria: attivala per continuare "
                        "a usare il portale."
                    ),
                )
                return redirect("mfa_index")
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        allowed = (
            reverse("mfa_index"),  # /accounts/2fa/: setup, recovery codes, passkeys, reauthentication by code
            reverse("account_logout"),
            reverse("account_reauthenticate"),
            reverse("set_language"),
            settings.STATIC_URL or "/static/",
        )
        return path.startswith(allowed)


SESSION_SEEN_SECONDS = 60
# Sessions this process has seen within the minute: most requests are answered here, without a cache round trip.
_seen_here: dict[str, float] = {}
_SEEN_HERE_MAX = 50_000


def _seen_key(session_key: str) -> str:
    return f"mutua:session-seen:{session_key}"


def _remember(session_key: str) -> None:
    if len(_seen_here) >= _SEEN_HERE_MAX:
        _seen_here.clear()
    _seen_here[session_key] = time.monotonic()


def session_seen_at_sign_in(sender: object, request: HttpRequest, **kwargs: object) -> None:
    """allauth has just written the new session's row (``user_logged_in``): the minute that follows is covered.

    Without this the first page after signing in, Panoramica, would write the same row again.
    """
    from django.core.cache import cache

    key = request.session.session_key
    if key:
        _remember(key)
        cache.set(_seen_key(key), 1, timeout=SESSION_SEEN_SECONDS)


def session_activity_record(request: HttpRequest, *, user: Any, session: SessionBase) -> None:
    """Bring the session's row up to date: one UPDATE while its address and browser are unchanged (nearly always).

    Otherwise allauth's own tracking, which creates a missing row or records the new address or browser and sends
    its ``session_client_changed`` signal (three queries).
    """
    from allauth.account.adapter import get_adapter
    from allauth.usersessions.internal.usersessionkit import track_activity
    from allauth.usersessions.models import UserSession

    user_agent = request.META.get("HTTP_USER_AGENT", "")[: UserSession._meta.get_field("user_agent").max_length]
    same_client = UserSession.objects.filter(
        session_key=session.session_key, user=user, ip=get_adapter().get_client_ip(request), user_agent=user_agent
    )
    if not same_client.update(last_seen_at=timezone.now()):
        track_activity(request, user=user, session=session)


class SessionActivityMiddleware:
    """allauth's session tracking ("Sessioni attive" on the profile), at most once a minute per session.

    allauth's own middleware reads and rewrites the session row on every request: three queries, one of them
    an UPDATE, before any view runs. The list of sessions only needs the last activity to the minute, so a
    cache entry per session lets the other requests of that minute through untouched, and the one that records
    the activity does it with a single UPDATE (``session_activity_record``). A change of address or browser is
    therefore noticed within a minute rather than at once. Each process also remembers the sessions it has seen
    in the minute, so most requests do not even ask the cache.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.core.cache import cache

        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        key: str = (session.session_key if session is not None else None) or ""
        stale = bool(key) and time.monotonic() - _seen_here.get(key, -SESSION_SEEN_SECONDS) >= SESSION_SEEN_SECONDS
        if stale and session is not None and user is not None and user.is_authenticated:
            _remember(key)
            if cache.add(_seen_key(key), 1, timeout=SESSION_SEEN_SECONDS):
                session_activity_record(request, user=user, session=session)
        return self.get_response(request)
