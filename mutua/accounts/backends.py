from __future__ import annotations

import hmac
from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.http import HttpRequest

from mutua.accounts.models import User
from mutua.accounts.passwords import first_access_password
from mutua.accounts.selectors import second_factor_exists
from mutua.notifications.selectors import unread_count_of

# Defined once, like a class-based view's queryset: each request's get() works on a copy. Building the two
# subqueries anew on every request would cost more CPU than running the whole query.
SIGNED_IN_USERS = User.objects.select_related("member__regional_office").annotate(
    unread_notifications=unread_count_of("member__id"), has_second_factor=second_factor_exists()
)


def user_with_member(user_id: Any) -> User | None:
    """The user of a signed-in request, with their member record and regional office in the same query.

    Every member page needs the member: loaded here, ``request.user.member`` costs no second query. So do the two
    facts every page asks about its user: ``unread_notifications``, the number on the header's bell (0 for staff),
    and ``has_second_factor`` (Panoramica's reminder; staff cannot work without one).
    """
    try:
        return SIGNED_IN_USERS.get(pk=user_id)
    except User.DoesNotExist:
        return None


class MemberModelBackend(ModelBackend):
    """Django's username and password backend, loading the member with the user on every request."""

    def get_user(self, user_id: Any) -> User | None:
        user = user_with_member(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class MemberAuthenticationBackend(AuthenticationBackend):
    """allauth's backend (the one its login flows record in the session), with the same one-query get_user."""

    def get_user(self, user_id: Any) -> User | None:
        user = user_with_member(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class FirstAccessBackend(BaseBackend):
    """Accepts the derived first-access password until first access is complete.

    The session it starts never reaches the portal: the first-access login stage stops it until a new
    password, contacts and consent are given.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not username or not password:
            return None
        user = (
            User.objects.filter(username=username, is_active=True, first_access_completed_at=None)
            .select_related("member")
            .first()
        )
        member = getattr(user, "member", None) if user else None
        if user is None or member is None:
            return None
        expected = first_access_password(username=user.username, fiscal_code=member.fiscal_code)
        if hmac.compare_digest(expected.encode(), password.encode()):
            return user
        return None

    def get_user(self, user_id: int) -> User | None:
        user = user_with_member(user_id)
        return user if user is not None and user.is_active else None
