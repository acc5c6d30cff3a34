"""Template filters for what the page shows about the signed-in user's second factors."""

from __future__ import annotations

from typing import Any

from django import template

from mutua.accounts.selectors import user_has_second_factor

register = template.Library()


@register.filter
def has_second_factor(user: Any) -> bool:
    """An authenticator app or a passkey (recovery codes alone are not a second factor)."""
    return user_has_second_factor(user=user)


@register.filter
def has_passkeys(user: Any) -> bool:
    if user is None or not getattr(user, "pk", None):
        return False
    from allauth.mfa.models import Authenticator

    return bool(Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.WEBAUTHN).exists())
