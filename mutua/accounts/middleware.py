"""Operators and supervisors work only with a second factor."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from mutua.accounts.adapter import second_factor_required


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
            from allauth.mfa.models import Authenticator
            from allauth.mfa.utils import is_mfa_enabled

            if not is_mfa_enabled(user, [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]):
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


class SessionActivityMiddleware:
    """allauth's session tracking ("Sessioni attive" on the profile), at most once a minute per session.

    allauth's own middleware reads and rewrites the session row on every request: three queries, one of them
    an UPDATE, before any view runs. The list of sessions only needs the last activity to the minute, so a
    cache entry per session lets the other requests of that minute through untouched. A change of address or
    browser is therefore noticed within a minute rather than at once. Each process also remembers the sessions it
    has seen in the minute, so most requests do not even ask the cache.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from allauth.usersessions.internal.usersessionkit import track_activity
        from django.core.cache import cache

        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        key: str = (session.session_key if session is not None else None) or ""
        now = time.monotonic()
        stale = bool(key) and now - _seen_here.get(key, -SESSION_SEEN_SECONDS) >= SESSION_SEEN_SECONDS
        if stale and user is not None and user.is_authenticated:
            if len(_seen_here) >= _SEEN_HERE_MAX:
                _seen_here.clear()
            _seen_here[key] = now
            if cache.add(f"mutua:session-seen:{key}", 1, timeout=SESSION_SEEN_SECONDS):
                track_activity(request, user=user, session=session)
        return self.get_response(request)
