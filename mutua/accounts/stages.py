"""Login stages that run after the password and before the session is signed in."""

from __future__ import annotations

from typing import Any

from allauth.account.stages import LoginStage
from allauth.core.internal.httpkit import headed_redirect_response

from mutua.members.models import Member


class FirstAccessStage(LoginStage):
    """Until first access is complete, the member must choose a password, give contacts and the consent."""

    key = "first_access"
    urlname = "accounts:first_access"

    def handle(self) -> tuple[Any, bool]:
        user = self.login.user
        if user is not None and hasattr(user, "member") and user.first_access_completed_at is None:
            return headed_redirect_response(self.urlname), True
        return None, True


class ContactVerificationStage(LoginStage):
    """A member's e-mail (and mobile, when given) is verified once, and again after each change."""

    key = "verify_contacts"
    urlname = "accounts:verify_contacts"

    def handle(self) -> tuple[Any, bool]:
        user = self.login.user
        member = Member.objects.filter(user=user).first() if user is not None else None
        if member is not None and not member.contacts_verified:
            return headed_redirect_response(self.urlname), True
        return None, True
