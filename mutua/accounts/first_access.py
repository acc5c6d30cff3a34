"""First access (primo accesso): the journey of a member who signs in for the first time with the derived password:
proof that the account is theirs, then a new password, contacts checked and verified by code
(mutua.accounts.contacts), the privacy notice accepted.

The derived password is made of the member code and the codice fiscale, which are not secret, so it never completes
first access alone. Before the member may set a password and new contacts they enter a code sent to the e-mail and
mobile the registry has for them (`FirstAccessPath.CONTACT`) or, when the registry has neither, the code of an
activation letter an operator issued (`FirstAccessPath.LETTER`, mutua.accounts.activation).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from mutua.accounts.activation import (
    activation_code_check,
    activation_code_consume,
    looks_like_activation_code,
)
from mutua.accounts.codes import CodeError, code_issue, code_verify
from mutua.accounts.models import CodePurpose, FirstAccessPath, User
from mutua.audit.services import audit_record
from mutua.members.models import Consent, ConsentChannel, ConsentPurpose, Member, PrivacyNotice


def consent_record(
    *,
    member: Member,
    notice: PrivacyNotice,
    given: bool,
    request: HttpRequest | None,
    purpose: ConsentPurpose = ConsentPurpose.SERVICE,
    withdrawal: bool = False,
) -> Consent:
    """Append the member's choice on one purpose of the privacy notice, with the exact version and hash shown."""
    from mutua.core.ratelimit import client_ip

    ip = client_ip(request) if request is not None else None
    consent = Consent.objects.create(
        member=member,
        notice=notice,
        notice_sha256=notice.sha256,
        purpose=purpose,
        given=given,
        channel=ConsentChannel.PORTAL,
        ip_address=None if ip == "unknown" else ip,
    )
    audit_record(
        action="consent.given" if given else "consent.withdrawn" if withdrawal else "consent.refused",
        actor=member.user,
        member=member,
        request=request,
        notice=notice.version,
        purpose=str(purpose),
    )
    return consent


def _set_contacts(member: Member, *, email: str, mobile: str) -> list[str]:
    changed = []
    if member.email.lower() != email.lower():
        member.email = email
        member.email_verified_at = None
        changed.append("email")
    if str(member.mobile or "") != str(mobile or ""):
        member.mobile = mobile or ""
        member.mobile_verified_at = None
        changed.append("mobile")
    return changed


def registry_contacts(member: Member) -> list[str]:
    """Where the registry can reach the member before first access: the e-mail, then the mobile (E.164)."""
    contacts = [member.email] if member.email else []
    if member.mobile:
        contacts.append(member.mobile.as_e164)
    return contacts


def first_access_path_for(member: Member) -> FirstAccessPath:
    return FirstAccessPath.CONTACT if registry_contacts(member) else FirstAccessPath.LETTER


def first_access_code_send(*, member: Member) -> None:
    """Send one code to every contact the registry has; raises CodeError within CODE_RESEND_SECONDS of the last."""
    assert member.user is not None
    code_issue(user=member.user, purpose=CodePurpose.FIRST_ACCESS, target=",".join(registry_contacts(member)))


@dataclass(frozen=True)
class FirstAccessProof:
    path: FirstAccessPath
    activation_id: int | None = None  # the letter, used up when first access completes


def first_access_proof_check(*, member: Member, code: str) -> FirstAccessProof:
    """Whether `code` proves the account is the member's: the code sent to the registry's contacts, or an activation
    letter's code (which also works for a member the registry can reach: their old contacts may be lost)."""
    assert member.user is not None
    if looks_like_activation_code(code):
        letter = activation_code_check(member=member, code=code)
        return FirstAccessProof(FirstAccessPath.LETTER, letter.pk)
    if first_access_path_for(member) == FirstAccessPath.LETTER:
        activation_code_check(member=member, code=code)  # raises: a letter's code never has only digits
    code_verify(user=member.user, purpose=CodePurpose.FIRST_ACCESS, code=code, field="code")
    return FirstAccessProof(FirstAccessPath.CONTACT)


def first_access_complete(
    *,
    user: User,
    password: str,
    email: str,
    mobile: str,
    notice: PrivacyNotice,
    proof: FirstAccessProof,
    request: HttpRequest | None,
) -> User:
    """Close first access, after the proof: the new password replaces the derived one, contacts are stored
    unverified, consent given, an activation letter used up, the path recorded for operators."""
    validate_password(password, user)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        member = Member.objects.select_for_update().get(user=user)
        if user.first_access_completed_at is not None:
            raise CodeError(_("Il primo accesso è già stato completato: accedi con la tua password."))
        if proof.activation_id is not None:
            activation_code_consume(member=member, activation_id=proof.activation_id, request=request)
        user.set_password(password)
        user.first_access_completed_at = timezone.now()
        user.first_access_path = proof.path
        user.save(update_fields=["password", "first_access_completed_at", "first_access_path"])
        changed = _set_contacts(member, email=email, mobile=mobile)
        member.save()
        consent_record(member=member, notice=notice, given=True, request=request)
        audit_record(
            action="account.first_access",
            actor=user,
            member=member,
            request=request,
            contacts_changed=changed,
            path=proof.path.value,
        )
    return user


def first_access_contacts_set(*, member: Member, email: str, mobile: str, request: HttpRequest | None) -> Member:
    """First access, "Verifica dei contatti": the member corrects the registry's contacts; a changed e-mail or mobile
    is unverified until its code is entered (mutua.accounts.contacts)."""
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        changed = _set_contacts(member, email=email, mobile=mobile)
        if changed:
            member.save()
            audit_record(action="contacts.changed", actor=member.user, member=member, request=request, fields=changed)
    return member
