"""How long a signed-in session lasts, and what ends it early.

- **Idle.** A session unused for SESSION_IDLE_SECONDS (30 minutes) asks for the password again (or the second factor,
  allauth's reauthentication) before any page is shown; a form sent after the pause is kept and replayed once the
  member has confirmed. The last activity is written to the session at most once a minute, so a page costs no
  session write.
- **Length.** A session lasts at most MEMBER_SESSION_SECONDS from the sign-in for members, OPERATOR_SESSION_SECONDS
  (shorter) for operators, supervisors and administrators, however active it is; then it ends.
- **Sign-in changes.** A new password or a change of the second factors ends every other session of the user and
  gives this one a new key (`sessions_end_elsewhere`).

The times come from allauth's record of how the session was authenticated (`account_authentication_methods`: the
sign-in, then every reauthentication). A session without that record (one not opened by signing in) has no limits
here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, cast

from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.flows.logout import logout
from allauth.account.internal.flows.reauthentication import suspend_request
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mutua.accounts.adapter import second_factor_required

ACTIVE_KEY = "mutua_active_at"
ACTIVITY_STEP = 60  # seconds: how stale the recorded activity may get before a request writes it again


def session_length(user: Any) -> int:
    """Seconds a session may last from its sign-in: operators' sessions are shorter than members'."""
    if second_factor_required(user):
        return int(settings.OPERATOR_SESSION_SECONDS)
    return int(settings.MEMBER_SESSION_SECONDS)


def _exempt(path: str) -> bool:
    allowed = (
        reverse("account_reauthenticate"),
        reverse("mfa_reauthenticate"),
        reverse("account_logout"),
        reverse("set_language"),
        settings.STATIC_URL or "/static/",
        "/healthz",
        "/readyz",
    )
    return path.startswith(allowed)


class SessionLimitsMiddleware:
    """Ends a session past its length; asks for the password again after a pause (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        """In process_view, after CsrfViewMiddleware's: a POST kept across the pause is replayed after the password
        without passing through the middleware again, so only a POST whose CSRF token was accepted may be kept
        (else another site's form, sent to an idle session, would run once the member confirms)."""
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or _exempt(request.path):
            return None
        records = get_authentication_records(request, user)
        if not records:
            return None
        now = time.time()
        if now - float(records[0]["at"]) > session_length(user):
            logout(request)
            messages.info(request, _("La sessione è scaduta: per sicurezza accedi di nuovo."))
            # The same page, now signed out: LoginRequiredMiddleware sends members to their login page and
            # operators to the back office's.
            return HttpResponseRedirect(request.get_full_path())
        active = max(float(request.session.get(ACTIVE_KEY, 0)), float(records[-1]["at"]))
        if now - active > settings.SESSION_IDLE_SECONDS:
            minutes = settings.SESSION_IDLE_SECONDS // 60
            messages.info(
                request,
                ngettext(
                    "Non usi l'area riservata da %(n)d minuto: per sicurezza conferma che sei tu.",
                    "Non usi l'area riservata da %(n)d minuti: per sicurezza conferma che sei tu.",
                    minutes,
                )
                % {"n": minutes},
            )
            methods = get_adapter().get_reauthentication_methods(user)
            return cast(HttpResponse, suspend_request(request, methods[0]["url"]))  # allauth is untyped here
        if now - active >= ACTIVITY_STEP:
            request.session[ACTIVE_KEY] = now
        return None
