from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from mutua.audit.services import audit_record

LOGIN_FAILED = _(
    "La password non è corretta oppure la username non è registrata. Controlla i suggerimenti qui sotto e riprova."
)


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": LOGIN_FAILED,
        "too_many_login_attempts": _(
            "Troppi tentativi di accesso non riusciti. Per sicurezza riprova tra 5 minuti, "
            "oppure usa «Password dimenticata?»."
        ),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False  # members come from the mutual's registry

    def get_login_stages(self) -> list[str]:
        return [
            *super().get_login_stages(),
            "mutua.accounts.stages.FirstAccessStage",
            "mutua.accounts.stages.ContactVerificationStage",
        ]

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> Any:
        audit_record(action="account.login", actor=user, member=getattr(user, "member", None), request=request)
        return super().post_login(request, user, **kwargs)
