"""First access (primo accesso): the journey of a member who signs in for the first time with the derived password:
a new password, contacts checked and verified by code (mutua.accounts.contacts), the privacy notice accepted."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from mutua.accounts.codes import CodeError
from mutua.accounts.models import User
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


def first_access_complete(
    *, user: User, password: str, email: str, mobile: str, notice: PrivacyNotice, request: HttpRequest | None
) -> User:
    """Close first access: the new password replaces the derived one, contacts are stored unverified, consent given."""
    validate_password(password, user)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        member = Member.objects.select_for_update().get(user=user)
        if user.first_access_completed_at is not None:
            raise CodeError(_("Il primo accesso è già stato completato: accedi con la tua password."))
        user.set_password(password)
        user.first_access_completed_at = timezone.now()
        user.save(update_fields=["password", "first_access_completed_at"])
        changed = _set_contacts(member, email=email, mobile=mobile)
        member.save()
        consent_record(member=member, notice=notice, given=True, request=request)
        audit_record(
            action="account.first_access", actor=user, member=member, request=request, contacts_changed=changed
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
