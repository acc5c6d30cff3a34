from __future__ import annotations

import hmac
from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.http import HttpRequest

from mutua.accounts.models import User
from mutua.accounts.passwords import first_access_password


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
        return User.objects.filter(pk=user_id, is_active=True).first()
