"""One-time numeric codes sent to an e-mail or a mobile: contact verification and password reset.

Only the last code of a user and purpose is valid, it expires, it is single use, a new one can be asked after a
short wait, and a few wrong attempts make it unusable.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mutua.accounts.models import CodePurpose, User, VerificationCode
from mutua.notifications.emails import email_render
from mutua.notifications.outbox import email_content_queue, sms_queue


class CodeError(Exception):
    """A code could not be sent or accepted; the message is for the member."""

    def __init__(self, message: str, *, field: str | None = None, retry_after: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.retry_after = retry_after


def _hash_code(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256).hexdigest()


def _new_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(settings.CODE_DIGITS))


def _latest_code(*, user: User, purpose: str) -> VerificationCode | None:
    return VerificationCode.objects.filter(user=user, purpose=purpose).order_by("-created_at", "-id").first()


def code_resend_wait(*, user: User, purpose: str) -> int:
    """Seconds before a new code of this purpose may be sent (0: now)."""
    latest = _latest_code(user=user, purpose=purpose)
    if latest is None:
        return 0
    ready = latest.created_at + timedelta(seconds=settings.CODE_RESEND_SECONDS)
    return max(0, int((ready - timezone.now()).total_seconds() + 0.999))


def _deliver(*, purpose: str, to: str, code: str, minutes: int) -> None:
    """Queue the code to an address (e-mail) or a number (SMS)."""
    if "@" not in to:
        sms_queue(
            to=to,
            body=_("%(name)s: il tuo codice di verifica è %(code)s. Vale %(minutes)d minuti.")
            % {"name": settings.MUTUA_NAME, "code": code, "minutes": minutes},
        )
        return
    if purpose == CodePurpose.PASSWORD_RESET:
        subject = _("Codice per reimpostare la password")
    elif purpose == CodePurpose.FIRST_ACCESS:
        subject = _("Codice per il primo accesso")
    else:
        subject = _("Codice di verifica della tua email")
    email = email_render(
        title=subject,
        code=code,
        paragraphs=[
            _("Il codice vale %(minutes)d minuti. Se hai ricevuto più codici, inserisci l'ultimo.")
            % {"minutes": minutes},
            _("Se non sei stato tu a richiederlo, ignora questo messaggio."),
        ],
        security=True,
    )
    email_content_queue(to=to, email=email)


def code_issue(*, user: User, purpose: str, target: str) -> VerificationCode:
    """Send a new code to `target` (for FIRST_ACCESS, the same code to each of several contacts separated by commas);
    older codes of the same purpose stop working (only the last one is valid).

    Raises CodeError when the previous code was sent less than CODE_RESEND_SECONDS ago.
    """
    wait = code_resend_wait(user=user, purpose=purpose)
    if wait:
        raise CodeError(
            _("Abbiamo appena inviato un codice. Potrai richiederne uno nuovo tra %(n)d secondi.") % {"n": wait},
            retry_after=wait,
        )
    code = _new_code()
    now = timezone.now()
    minutes = settings.CODE_TTL_SECONDS // 60
    with transaction.atomic():
        VerificationCode.objects.filter(user=user, purpose=purpose, superseded=False).update(superseded=True)
        record = VerificationCode.objects.create(
            user=user,
            purpose=purpose,
            target=target,
            code_hash=_hash_code(code),
            created_at=now,
            expires_at=now + timedelta(seconds=settings.CODE_TTL_SECONDS),
        )
        for to in target.split(","):
            _deliver(purpose=purpose, to=to, code=code, minutes=minutes)
    return record


def code_verify(
    *, user: User, purpose: str, code: str, field: str | None = None, consume: bool = True
) -> VerificationCode:
    """Accept `code` if it is the last one sent, not expired, not used, and within the attempts allowed."""
    error: str | None = None
    with transaction.atomic():  # the attempt counter must be saved even when the code is wrong
        latest = (
            VerificationCode.objects.select_for_update()
            .filter(user=user, purpose=purpose)
            .order_by("-created_at", "-id")
            .first()
        )
        if latest is None or latest.used_at is not None:
            error = _("Richiedi un nuovo codice.")
        elif latest.expires_at <= timezone.now():
            error = _("Il codice è scaduto: richiedine uno nuovo.")
        elif latest.attempts >= settings.CODE_MAX_ATTEMPTS:
            error = _("Troppi tentativi con questo codice: richiedine uno nuovo.")
        elif not hmac.compare_digest(latest.code_hash, _hash_code(code.strip())):
            latest.attempts += 1
            latest.save(update_fields=["attempts"])
            if latest.attempts >= settings.CODE_MAX_ATTEMPTS:
                error = _("Troppi tentativi con questo codice: richiedine uno nuovo.")
            else:
                error = _("Il codice non è corretto. Controlla di aver inserito l'ultimo codice ricevuto.")
        elif consume:
            latest.used_at = timezone.now()
            latest.save(update_fields=["used_at"])
    if error is not None or latest is None:
        raise CodeError(error or "", field=field)
    return latest
