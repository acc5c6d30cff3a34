"""The guide's password rule, and the derived first-access password."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

RULE_MESSAGE = (
    "La password deve essere lunga almeno 8 caratteri e contenere almeno un numero, "
    "un carattere maiuscolo e uno minuscolo."
)


class GuidePasswordValidator:
    """At least 8 characters with a digit, an upper-case and a lower-case letter."""

    def validate(self, password: str, user: Any = None) -> None:
        if (
            len(password) < 8
            or not any(c.isdigit() for c in password)
            or not any(c.isupper() for c in password)
            or not any(c.islower() for c in password)
        ):
            raise ValidationError(_(RULE_MESSAGE), code="password_rule")

    def get_help_text(self) -> str:
        return _(RULE_MESSAGE)


def first_access_password(*, username: str, fiscal_code: str) -> str:
    """Last 5 digits of the username followed by the last 5 characters of the CF, upper case (guide: 03423G209D)."""
    return username[-5:] + fiscal_code.strip().upper()[-5:]
