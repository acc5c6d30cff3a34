"""Reads of the signed-in user's own security data (sessions and second factors), and of members' first access for
the back office."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone

from mutua.accounts.devices import describe_device
from mutua.accounts.models import ActivationCode, User
from mutua.members.models import Member


@dataclass(frozen=True)
class SessionRow:
    pk: int
    device: str
    ip: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    is_current: bool


def user_sessions_for(*, user: User, request: HttpRequest) -> list[SessionRow]:
    """The user's signed-in sessions, this one first, then by last activity; ended ones are purged."""
    from allauth.usersessions.models import UserSession

    current = request.session.session_key
    rows = [
        SessionRow(
            pk=s.pk,
            device=describe_device(s.user_agent),
            ip=s.ip,
            created_at=s.created_at,
            last_seen_at=s.last_seen_at,
            is_current=s.session_key == current,
        )
        for s in UserSession.objects.purge_and_list(user)
    ]
    return sorted(rows, key=lambda r: (not r.is_current, -r.last_seen_at.timestamp()))


def authenticators_for(*, user: User) -> dict[str, Any]:
    """The user's second factors in the shape allauth's mfa/index.html uses: totp, webauthn (a list), recovery_codes."""
    from allauth.mfa.models import Authenticator

    found: dict[str, Any] = {"webauthn": []}
    for authenticator in Authenticator.objects.filter(user_id=user.pk).order_by("created_at"):
        if authenticator.type == Authenticator.Type.WEBAUTHN:
            found["webauthn"].append(authenticator.wrap())
        else:
            found[authenticator.type] = authenticator.wrap()
    return found


def second_factor_exists() -> Exists:
    """Whether the user of a query has an authenticator app or a passkey (recovery codes alone are not a second
    factor): the column ``has_second_factor`` of every signed-in request's user (mutua.accounts.backends)."""
    from allauth.mfa.models import Authenticator

    return Exists(
        Authenticator.objects.filter(
            user=OuterRef("pk"), type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        )
    )


def user_has_second_factor(*, user: Any) -> bool:
    """An authenticator app or a passkey. The signed-in request's user comes with the answer
    (``has_second_factor``, mutua.accounts.backends.user_with_member); a user loaded otherwise costs a query."""
    if not getattr(user, "is_authenticated", False):
        return False
    loaded = getattr(user, "has_second_factor", None)
    if loaded is not None:
        return bool(loaded)
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import is_mfa_enabled

    return bool(is_mfa_enabled(user, [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]))


def members_first_access(*, office_id: int | None, search: str = "", status: str = "") -> QuerySet[Member]:
    """Members with their sign-in user and whether and how they completed first access, and the expiry of a letter
    that still works (`letter_expires_at`), in one query; by name. `office_id` limits to one regional office;
    `search` is a member code (digits, padded) or part of a name; `status` is "done" or "todo"."""
    live_letter = (
        ActivationCode.objects.filter(
            member=OuterRef("pk"), used_at=None, revoked_at=None, expires_at__gt=timezone.now()
        )
        .order_by("-issued_at", "-id")
        .values("expires_at")[:1]
    )
    members = (
        Member.objects.select_related("user", "regional_office")
        .only(
            "code",
            "first_name",
            "last_name",
            "email",
            "email_bounced",
            "mobile",
            "regional_office__name",
            "user__first_access_completed_at",
            "user__first_access_path",
        )
        .annotate(letter_expires_at=Subquery(live_letter))
        .order_by("last_name", "first_name", "code")
    )
    if office_id is not None:
        members = members.filter(regional_office_id=office_id)
    search = search.strip()
    if search.isdigit():
        members = members.filter(code=search.zfill(12))
    elif search:
        for word in search.split()[:4]:
            members = members.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    if status == "done":
        members = members.filter(user__first_access_completed_at__isnull=False)
    elif status == "todo":
        members = members.filter(user__first_access_completed_at__isnull=True)
    return members
