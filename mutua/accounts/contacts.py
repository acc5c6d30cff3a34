"""Contact verification: one flow for first access and for "Dati anagrafici".

An e-mail or a mobile is used only once the member has entered the code sent to it. What waits for a code is, for
each channel, the new contact the member asked for (`Member.pending_email`, `pending_mobile`) or, when there is
none, the current contact if it is not verified yet (first access, contacts from the registry). Codes are sent to
those targets (only the last one of each is valid, a new one after a short wait); when every code is right the
targets become the verified contacts, each change is recorded in the member's history and the old e-mail is told.
One wrong code verifies nothing.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from mutua.accounts.codes import CodeError, code_issue, code_resend_wait, code_verify
from mutua.accounts.models import CodePurpose, VerificationCode
from mutua.audit.services import audit_record
from mutua.members.models import Member
from mutua.members.services import (
    PersonalData,
    PersonalDataChanges,
    member_changes_record,
    member_personal_data_update,
    security_notice_to,
)


class ContactCodesError(Exception):
    """Some codes were wrong or stale: one CodeError per field, for the form."""

    def __init__(self, errors: list[CodeError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class Target:
    purpose: str  # CodePurpose.EMAIL or MOBILE
    to: str  # the address or the number (E.164) the code goes to
    field: str  # the codes form's field
    pending: bool  # a new contact asked for, not the current one
    shown: str  # as the member reads it: the address, or the number in the national format


def _mobile(value: object) -> str:
    return value.as_e164 if value else ""  # type: ignore[attr-defined]


def _national(value: object) -> str:
    return value.as_national if value else ""  # type: ignore[attr-defined]


def contact_targets(member: Member) -> list[Target]:
    """What waits for a code, e-mail first; empty when every contact is verified and nothing new is asked."""
    targets = []
    if member.pending_email:
        targets.append(Target(CodePurpose.EMAIL, member.pending_email, "email_code", True, member.pending_email))
    elif member.email and member.email_verified_at is None:
        targets.append(Target(CodePurpose.EMAIL, member.email, "email_code", False, member.email))
    if member.pending_mobile:
        pending = member.pending_mobile
        targets.append(Target(CodePurpose.MOBILE, _mobile(pending), "sms_code", True, _national(pending)))
    elif member.mobile and member.mobile_verified_at is None:
        targets.append(Target(CodePurpose.MOBILE, _mobile(member.mobile), "sms_code", False, _national(member.mobile)))
    return targets


def contact_codes_wait(*, member: Member) -> int:
    """Seconds before new codes may be sent (0: now)."""
    assert member.user is not None
    return max((code_resend_wait(user=member.user, purpose=t.purpose) for t in contact_targets(member)), default=0)


def contact_codes_send(*, member: Member) -> None:
    """Send a code to every target; raises CodeError when codes were sent less than CODE_RESEND_SECONDS ago."""
    assert member.user is not None
    wait = contact_codes_wait(member=member)
    if wait:
        raise CodeError(
            _("Abbiamo appena inviato i codici. Potrai richiederne di nuovi tra %(n)d secondi.") % {"n": wait},
            retry_after=wait,
        )
    with transaction.atomic():
        for target in contact_targets(member):
            code_issue(user=member.user, purpose=target.purpose, target=target.to)


def contacts_verify(
    *, member: Member, actor: AbstractBaseUser, email_code: str, sms_code: str, request: HttpRequest | None = None
) -> Member:
    """The targets become the member's verified contacts when every code is right; one wrong code changes nothing.

    A contact that replaces another is recorded in the member's history, and the old e-mail is told, so that an
    intruder cannot move the contacts silently.
    """
    user = member.user
    assert user is not None
    codes = {"email_code": email_code, "sms_code": sms_code}
    errors: list[CodeError] = []
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        targets = contact_targets(member)
        verified: list[VerificationCode] = []
        for target in targets:
            try:
                record = code_verify(
                    user=user, purpose=target.purpose, code=codes[target.field], field=target.field, consume=False
                )
            except CodeError as exc:
                errors.append(exc)
                continue
            if record.target != target.to:  # the contact changed after this code was sent
                errors.append(CodeError(_("Il recapito è cambiato: richiedi un nuovo codice."), field=target.field))
                continue
            verified.append(record)
        if not errors and verified:
            _targets_apply(member=member, targets=targets, actor=actor, request=request)
            VerificationCode.objects.filter(pk__in=[r.pk for r in verified]).update(used_at=timezone.now())
    if errors:
        raise ContactCodesError(errors)
    return member


def _targets_apply(
    *, member: Member, targets: list[Target], actor: AbstractBaseUser, request: HttpRequest | None
) -> None:
    now = timezone.now()
    old_email = member.email if member.email_verified_at else ""
    changes: dict[str, tuple[str, str]] = {}
    for target in targets:
        if target.purpose == CodePurpose.EMAIL:
            if target.pending:
                changes["email"] = (member.email, member.pending_email)
                member.email, member.pending_email = member.pending_email, ""
            member.email_verified_at = now
            member.email_bounced = ""  # a code reached it: the address takes mail (mutua.members.bounces)
        else:
            if target.pending:
                changes["mobile"] = (_mobile(member.mobile), _mobile(member.pending_mobile))
                member.mobile = member.pending_mobile
                member.pending_mobile = ""
            member.mobile_verified_at = now
    member.save()
    if changes:
        member_changes_record(member=member, actor=actor, at=now, changes=changes)
        audit_record(action="contacts.changed", actor=actor, member=member, request=request, fields=list(changes))
        what = (
            _("l'email e il cellulare della tua area soci sono stati cambiati.")
            if len(changes) == 2
            else _("l'email della tua area soci è stata cambiata: da ora ti scriveremo al nuovo indirizzo.")
            if "email" in changes
            else _("il numero di cellulare della tua area soci è stato cambiato.")
        )
        security_notice_to(to=old_email, subject=_("Contatti modificati"), text=what)
    else:
        audit_record(
            action="contacts.verified",
            actor=actor,
            member=member,
            request=request,
            channels=[target.purpose for target in targets],
        )


def contacts_cancel(*, member: Member, actor: AbstractBaseUser, request: HttpRequest | None = None) -> Member:
    """Withdraw a change of e-mail or mobile still waiting for its code; the verified contacts stay."""
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        if not member.has_pending_contacts:
            return member
        member.pending_email = ""
        member.pending_mobile = ""
        member.save(update_fields=["pending_email", "pending_mobile", "updated_at"])
        audit_record(action="contacts.change_cancelled", actor=actor, member=member, request=request)
    return member


def personal_data_update(
    *, member: Member, actor: AbstractBaseUser, data: PersonalData, request: HttpRequest | None = None
) -> tuple[Member, PersonalDataChanges]:
    """ "Aggiorna i dati anagrafici": the data stored at once (members' update) and, for a new e-mail or mobile, the
    codes sent to it, in one transaction. A code that went out less than a minute ago stays valid: the verification
    page offers a new one."""
    with transaction.atomic():
        member, changes = member_personal_data_update(member=member, actor=actor, data=data, request=request)
        if changes.new_pending:
            with contextlib.suppress(CodeError):
                contact_codes_send(member=member)
    return member, changes
