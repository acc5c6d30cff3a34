"""Activation letters: first access for a member whose registry record has no e-mail and no mobile.

The derived first-access password is made of the member code and the codice fiscale, which are not secret. A member
the registry can reach proves the account is theirs with a code sent to those contacts
(mutua.accounts.first_access); one it cannot reach needs the code of a letter an operator issues from the back
office and posts to the member's address. The code is printed on the letter only: stored as an HMAC, valid
ACTIVATION_CODE_DAYS, used once (when first access completes), and a new letter revokes the previous ones.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from mutua.accounts.codes import CodeError
from mutua.accounts.models import ActivationCode, User
from mutua.audit.services import audit_record
from mutua.members.models import Member

# No letters or digits that read like another on paper (0/O, 1/I/L, 2/Z, 5/S, 8/B, G/6).
ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
LENGTH = 12  # 22**12: about 1.3e16 codes, against a handful of tries a minute


def activation_code_normalize(text: str) -> str:
    return re.sub(r"[\s\-]", "", text).upper()


def activation_code_format(code: str) -> str:
    """As printed: three groups of four, XXXX-XXXX-XXXX."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def looks_like_activation_code(text: str) -> bool:
    code = activation_code_normalize(text)
    return len(code) == LENGTH and all(c in ALPHABET for c in code) and not code.isdigit()


def _hash(code: str) -> str:
    key = (settings.SECRET_KEY + ":activation").encode()
    return hmac.new(key, activation_code_normalize(code).encode(), hashlib.sha256).hexdigest()


def activation_code_live(*, member: Member) -> ActivationCode | None:
    """The member's letter that still works: the newest, not used, not revoked, not expired."""
    return (
        ActivationCode.objects.filter(member=member, used_at=None, revoked_at=None, expires_at__gt=timezone.now())
        .order_by("-issued_at", "-id")
        .first()
    )


def activation_code_issue(
    *, member: Member, actor: User, request: HttpRequest | None, code: str = ""
) -> tuple[ActivationCode, str]:
    """Issue a new activation letter's code (returned in clear, once, for the PDF); earlier letters stop working.

    `code` fixes the code (the demo's letter only); otherwise it is drawn at random.
    """
    code = activation_code_normalize(code) or "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    now = timezone.now()
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        revoked = ActivationCode.objects.filter(member=member, used_at=None, revoked_at=None).update(revoked_at=now)
        record = ActivationCode.objects.create(
            member=member,
            code_hash=_hash(code),
            issued_by=actor,
            issued_at=now,
            expires_at=now + timedelta(days=settings.ACTIVATION_CODE_DAYS),
        )
        audit_record(
            action="activation.issued",
            actor=actor,
            member=member,
            request=request,
            expires=record.expires_at.date().isoformat(),
            revoked=revoked,
        )
    return record, code


def activation_code_check(*, member: Member, code: str) -> ActivationCode:
    """The member's live letter if `code` is its code; raises CodeError otherwise (nothing is used up yet)."""
    live = activation_code_live(member=member)
    if live is None or not hmac.compare_digest(live.code_hash, _hash(code)):
        raise CodeError(
            _(
                "Il codice di attivazione non è corretto oppure non è più valido. Controlla la lettera; se è "
                "scaduta o l'hai smarrita, chiedine una nuova a %(email)s."
            )
            % {"email": settings.MUTUA_INFOCENTER_EMAIL},
            field="code",
        )
    return live


def activation_code_consume(*, member: Member, activation_id: int, request: HttpRequest | None) -> None:
    """Use the letter up as first access completes; raises CodeError if it stopped working meanwhile.

    The caller holds the member's lock, so two sessions with the same letter complete first access once."""
    now = timezone.now()
    used = ActivationCode.objects.filter(
        pk=activation_id, member=member, used_at=None, revoked_at=None, expires_at__gt=now
    ).update(used_at=now)
    if not used:
        raise CodeError(_("La lettera di attivazione non è più valida: chiedine una nuova."))
    audit_record(action="activation.used", actor=member.user, member=member, request=request)
