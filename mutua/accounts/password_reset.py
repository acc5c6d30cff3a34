"""Password dimenticata: a code to the verified e-mail, with the same answers whether the username exists or not.

Whoever types a username must learn nothing about it: not from the pages, nor from how many wrong codes are
allowed, nor from how long the first step takes. So:

- the first step does the same work for every username: it queues one task (`password_reset_send_task`), and the
  worker looks the username up and sends the code, or does nothing. The page answers before either happens;
- for a username that cannot receive a code (unknown, inactive, no verified e-mail) a *phantom code* is kept in the
  cache with the life of a real one: sent at the same moments, refused as a real one would be (wrong, too many
  attempts, expired), so the 5th wrong code answers «Troppi tentativi…» for both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from mutua.accounts.codes import CodeError, code_issue, code_verify
from mutua.accounts.models import CodePurpose, User, VerificationCode
from mutua.audit.services import audit_record
from mutua.core.ratelimit import client_ip
from mutua.core.requestid import current_request_id


@dataclass
class ResetTarget:
    user: User | None
    email: str


def password_reset_target(*, username: str) -> ResetTarget:
    """Whom a reset code can go to: an active member with a verified e-mail registered in the portal."""
    user = User.objects.filter(username=username, is_active=True).select_related("member").first()
    member = getattr(user, "member", None) if user else None
    if user is None or member is None or not member.email or member.email_verified_at is None:
        return ResetTarget(user=None, email="")
    return ResetTarget(user=user, email=member.email)


def password_reset_request(*, username: str, request: HttpRequest) -> None:
    """The first step: the same work for every username, one task queued; the worker decides what happens."""
    ip = client_ip(request)
    password_reset_send_task.enqueue(
        username=username, ip="" if ip == "unknown" else ip, request_id=current_request_id()
    )


@task()
def password_reset_send_task(*, username: str, ip: str = "", request_id: str = "") -> None:
    """The worker's side of `password_reset_request`."""
    password_reset_send(username=username, ip=ip)


def password_reset_send(*, username: str, ip: str = "") -> None:
    """Send a reset code to the registered e-mail, if there is one; otherwise start a phantom code."""
    target = password_reset_target(username=username)
    if target.user is None:
        _phantom_issue(username)
        return
    try:
        with transaction.atomic():
            code_issue(user=target.user, purpose=CodePurpose.PASSWORD_RESET, target=target.email)
            audit_record(
                action="password.reset_requested", actor=None, member=target.user.member, ip_address=ip or None
            )
    except CodeError:
        pass  # sent moments ago: that code stays valid, and the page offers another after the wait


def _not_yet_sent(created: dt.datetime, asked_at: float) -> bool:
    """Whether a code (or phantom) born at `created` predates the request made at `asked_at` (time.time()) by more
    than the resend wait, so it is not the one that request sent: the worker has not run yet. A code that old is
    what a member's last, forgotten reset left, and an unknown username has none: both must answer alike."""
    return created.timestamp() <= asked_at - settings.CODE_RESEND_SECONDS


def password_reset_code_check(*, username: str, code: str, asked_at: float) -> User:
    """The user whose reset code this is; raises CodeError with the same messages for every username.

    `asked_at`: when this visitor last asked for a code. Until the worker has sent it, every username answers
    «Richiedi un nuovo codice.», whatever an older code of the member's says."""
    target = password_reset_target(username=username)
    if target.user is None:
        _phantom_verify(username, asked_at=asked_at)
        raise AssertionError("a phantom code never matches")  # pragma: no cover
    latest = (
        VerificationCode.objects.filter(user=target.user, purpose=CodePurpose.PASSWORD_RESET)
        .order_by("-created_at", "-id")
        .first()
    )
    if latest is None or _not_yet_sent(latest.created_at, asked_at):
        raise CodeError(_("Richiedi un nuovo codice."), field="code")
    code_verify(user=target.user, purpose=CodePurpose.PASSWORD_RESET, code=code, field="code")
    return target.user


def password_reset_complete(*, user: User, password: str, request: HttpRequest | None) -> User:
    """Set the new password after a verified reset code, end the other sessions, tell the member."""
    from mutua.accounts.services import password_changed_notice

    validate_password(password, user)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.set_password(password)
        user.save(update_fields=["password"])
        member = getattr(user, "member", None)
        audit_record(action="password.reset", actor=user, member=member, request=request)
        password_changed_notice(user=user)
    for session in UserSession.objects.filter(user=user):
        session.end()  # signed-in devices must sign in again
    return user


# --- Phantom codes: the life of a code for a username that gets none -------------------------------------------


def _phantom_key(username: str) -> str:
    return f"mutua:reset-phantom:{username}"


def _phantom_timeout() -> int:
    return 2 * settings.CODE_TTL_SECONDS + settings.CODE_RESEND_SECONDS + 60  # outlives every reset session


def _phantom_issue(username: str) -> None:
    """Like code_issue: a new phantom replaces the old one, unless the old one was "sent" moments ago."""
    now = timezone.now()
    phantom = cache.get(_phantom_key(username))
    if phantom is not None and now < phantom["created"] + timedelta(seconds=settings.CODE_RESEND_SECONDS):
        return
    expires = now + timedelta(seconds=settings.CODE_TTL_SECONDS)
    cache.set(_phantom_key(username), {"created": now, "expires": expires, "attempts": 0}, _phantom_timeout())


def _phantom_verify(username: str, *, asked_at: float) -> None:
    """Like code_verify on a wrong code: the same checks in the same order, the same messages. Always raises."""
    key = _phantom_key(username)
    phantom: dict[str, Any] | None = cache.get(key)
    if phantom is None or _not_yet_sent(phantom["created"], asked_at):
        raise CodeError(_("Richiedi un nuovo codice."), field="code")
    attempts = int(phantom["attempts"])
    if phantom["expires"] <= timezone.now():
        raise CodeError(_("Il codice è scaduto: richiedine uno nuovo."), field="code")
    if attempts >= settings.CODE_MAX_ATTEMPTS:
        raise CodeError(_("Troppi tentativi con questo codice: richiedine uno nuovo."), field="code")
    phantom["attempts"] = attempts + 1
    cache.set(key, phantom, _phantom_timeout())
    if attempts + 1 >= settings.CODE_MAX_ATTEMPTS:
        raise CodeError(_("Troppi tentativi con questo codice: richiedine uno nuovo."), field="code")
    raise CodeError(_("Il codice non è corretto. Controlla di aver inserito l'ultimo codice ricevuto."), field="code")
