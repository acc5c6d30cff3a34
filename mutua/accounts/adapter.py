from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.core.internal import ratelimit
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mutua.accounts import lockout, mfa_secrets
from mutua.accounts.models import Role
from mutua.audit.services import audit_record

LOGIN_FAILED = _(
    "La password non è corretta oppure la username non è registrata. Controlla i suggerimenti qui sotto e riprova."
)


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": LOGIN_FAILED,
        "too_many_login_attempts": _(
            "Troppi tentativi di accesso non riusciti da questa rete. Per sicurezza riprova tra qualche minuto, "
            "oppure usa «Password dimenticata?»."
        ),
        "enter_current_password": _("La password attuale non è corretta."),
        "incorrect_password": _("La password non è corretta."),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False  # members come from the mutual's registry

    def get_login_stages(self) -> list[str]:
        return [
            *super().get_login_stages(),
            "mutua.accounts.stages.FirstAccessStage",
            "mutua.accounts.stages.ContactVerificationStage",
        ]

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Per IP, refuse a flood (``login_failed_ip``); per username, slow down instead of locking (see lockout).

        allauth's own ``login_failed`` rate also has a per-username part that refuses even the right password:
        it is not consumed here, and stays for the second-factor codes, which allauth counts per user.
        """
        self._login_failed_rl_usage = ratelimit.consume(request, app="allauth.account", action="login_failed_ip")
        if not self._login_failed_rl_usage:
            raise self.validation_error("too_many_login_attempts")
        lockout.login_attempt_wait(request, username=lockout.username_of(credentials))

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        lockout.login_failure_record(request, username=lockout.username_of(credentials))

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> Any:
        audit_record(action="account.login", actor=user, member=getattr(user, "member", None), request=request)
        response = super().post_login(request, user, **kwargs)
        if isinstance(response, HttpResponseBase):
            lockout.known_device_remember(request, response, user_id=user.pk)
        return response

    def get_password_change_redirect_url(self, request: HttpRequest) -> str:
        return reverse("profile:home")


def second_factor_required(user: Any) -> bool:
    """Operators, supervisors and anyone with access to the admin must sign in with a second factor."""
    return bool(user.is_authenticated and (getattr(user, "role", Role.MEMBER) != Role.MEMBER or user.is_staff))


class MFAAdapter(DefaultMFAAdapter):
    """allauth.mfa in the mutual's words: issuer and passkey names, Italian messages, staff keep a second factor."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": _(
            "Il codice non è corretto. Inserisci il codice che l'app mostra adesso (cambia ogni 30 secondi) "
            "oppure un codice di recupero non ancora usato."
        ),
        "cannot_delete_authenticator": _(
            "Il tuo ruolo richiede l'autenticazione a due fattori: non puoi disattivarla."
        ),
        "cannot_generate_recovery_codes": _(
            "Per generare i codici di recupero attiva prima l'autenticazione a due fattori."
        ),
        "unverified_email": _("Prima di attivare l'autenticazione a due fattori verifica il tuo indirizzo email."),
        "add_email_blocked": _("Con l'autenticazione a due fattori attiva non puoi aggiungere indirizzi email."),
    }

    def encrypt(self, text: str) -> str:
        return mfa_secrets.encrypt(text)  # TOTP secrets and recovery-code seeds, at rest (MFA_SECRET_KEYS)

    def decrypt(self, encrypted_text: str) -> str:
        return mfa_secrets.decrypt(encrypted_text)

    def get_totp_issuer(self) -> str:
        return settings.MUTUA_NAME

    def get_totp_label(self, user: Any) -> str:
        return str(user.username)

    def generate_authenticator_name(self, user: Any, type: Any) -> str:
        from allauth.mfa.models import Authenticator

        n = Authenticator.objects.filter(user_id=user.pk, type=type).count()
        if n == 0:
            return gettext("Passkey principale")
        if n == 1:
            return gettext("Passkey di riserva")
        return gettext("Passkey n. %(n)d") % {"n": n + 1}

    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        return {"id": context.request.get_host().partition(":")[0], "name": settings.MUTUA_NAME}

    def get_public_key_credential_user_entity(self, user: Any) -> dict[str, Any]:
        entity: dict[str, Any] = super().get_public_key_credential_user_entity(user)
        member = getattr(user, "member", None)
        entity["name"] = user.username
        entity["display_name"] = member.full_name if member is not None else (user.get_full_name() or user.username)
        return entity

    def can_delete_authenticator(self, authenticator: Any) -> bool:
        from allauth.mfa.models import Authenticator

        user = authenticator.user
        if not second_factor_required(user):
            return True
        others = Authenticator.objects.filter(
            user_id=user.pk, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        ).exclude(pk=authenticator.pk)
        return bool(others.exists())
