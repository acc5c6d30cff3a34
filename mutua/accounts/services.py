"""Account operations: first access, contact codes, password reset, profile photo, sessions, second factors."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mutua.accounts.models import CodePurpose, User, VerificationCode
from mutua.accounts.photos import PHOTO_KINDS, PHOTO_MAX_BYTES, photo_normalize, photo_storage_name
from mutua.audit.services import audit_record
from mutua.documents.uploads import inspect_upload
from mutua.members.models import Consent, ConsentChannel, ConsentPurpose, Member, PrivacyNotice
from mutua.notifications.outbox import email_queue, sms_queue


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


def code_issue(*, user: User, purpose: str, target: str) -> VerificationCode:
    """Send a new code to `target`; older codes of the same purpose stop working (only the last one is valid).

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
        if purpose == CodePurpose.MOBILE:
            sms_queue(
                to=target,
                body=_("%(name)s: il tuo codice di verifica è %(code)s. Vale %(minutes)d minuti.")
                % {"name": settings.MUTUA_NAME, "code": code, "minutes": minutes},
            )
        else:
            subject = (
                _("Codice per reimpostare la password")
                if purpose == CodePurpose.PASSWORD_RESET
                else _("Codice di verifica della tua email")
            )
            email_queue(
                to=target,
                subject=f"{settings.MUTUA_NAME} – {subject}",
                body=_(
                    "Gentile socio/a,\n\nil tuo codice di sicurezza è: %(code)s\n\n"
                    "Il codice vale %(minutes)d minuti. Se hai ricevuto più codici, inserisci l'ultimo.\n"
                    "Se non sei stato tu a richiederlo, ignora questo messaggio.\n\n%(name)s"
                )
                % {"code": code, "minutes": minutes, "name": settings.MUTUA_NAME},
            )
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


# --- First access -------------------------------------------------------------------------------------


def consent_record(*, member: Member, notice: PrivacyNotice, given: bool, request: HttpRequest | None) -> Consent:
    """Append the member's choice on the privacy notice, with the exact version and hash shown."""
    from mutua.core.ratelimit import client_ip

    ip = client_ip(request) if request is not None else None
    consent = Consent.objects.create(
        member=member,
        notice=notice,
        notice_sha256=notice.sha256,
        purpose=ConsentPurpose.SERVICE,
        given=given,
        channel=ConsentChannel.PORTAL,
        ip_address=None if ip == "unknown" else ip,
    )
    audit_record(
        action="consent.given" if given else "consent.refused",
        actor=member.user,
        member=member,
        request=request,
        notice=notice.version,
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


def contacts_update(*, member: Member, email: str, mobile: str, request: HttpRequest | None) -> Member:
    """Store new contacts; a changed e-mail or mobile must be verified again before it is used."""
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        changed = _set_contacts(member, email=email, mobile=mobile)
        if changed:
            member.save()
            audit_record(action="contacts.changed", actor=member.user, member=member, request=request, fields=changed)
    return member


def contacts_send_codes(*, member: Member) -> None:
    """Send a code to the e-mail and, when given, one by SMS to the mobile."""
    assert member.user is not None
    wait = max(
        code_resend_wait(user=member.user, purpose=CodePurpose.EMAIL),
        code_resend_wait(user=member.user, purpose=CodePurpose.MOBILE) if member.mobile else 0,
    )
    if wait:
        raise CodeError(
            _("Abbiamo appena inviato i codici. Potrai richiederne di nuovi tra %(n)d secondi.") % {"n": wait},
            retry_after=wait,
        )
    with transaction.atomic():
        code_issue(user=member.user, purpose=CodePurpose.EMAIL, target=member.email)
        if member.mobile:
            code_issue(user=member.user, purpose=CodePurpose.MOBILE, target=str(member.mobile))


def contacts_verify(*, member: Member, email_code: str, sms_code: str, request: HttpRequest | None) -> Member:
    """Mark the e-mail and mobile verified when both codes are right; one wrong code verifies nothing."""
    user = member.user
    assert user is not None
    errors: list[CodeError] = []
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        verified: list[VerificationCode] = []
        for purpose, code, field, target in (
            (CodePurpose.EMAIL, email_code, "email_code", member.email),
            (CodePurpose.MOBILE, sms_code, "sms_code", str(member.mobile) if member.mobile else ""),
        ):
            if not target:
                continue
            try:
                record = code_verify(user=user, purpose=purpose, code=code, field=field, consume=False)
            except CodeError as exc:
                errors.append(exc)
                continue
            if record.target != target:  # the contact changed after the code was sent
                errors.append(CodeError(_("Il recapito è cambiato: richiedi un nuovo codice."), field=field))
                continue
            verified.append(record)
        # With any code wrong nothing is verified or used: the member corrects only the wrong one.
        if not errors:
            now = timezone.now()
            VerificationCode.objects.filter(pk__in=[r.pk for r in verified]).update(used_at=now)
            member.email_verified_at = now
            if member.mobile:
                member.mobile_verified_at = now
            member.save(update_fields=["email_verified_at", "mobile_verified_at", "updated_at"])
            audit_record(
                action="contacts.verified",
                actor=member.user,
                member=member,
                request=request,
                channels=[r.purpose for r in verified],
            )
    if errors:
        raise ContactCodesError(errors)
    return member


class ContactCodesError(Exception):
    def __init__(self, errors: list[CodeError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


# --- Password reset -------------------------------------------------------------------------------------


@dataclass
class ResetTarget:
    user: User | None
    email: str


def password_reset_target(*, username: str) -> ResetTarget:
    """Whom a reset code can go to: an active member with a verified e-mail registered in the portal."""
    user = User.objects.filter(username=username, is_active=True).select_related("member").first()
    member = getattr(user, "member", None) if user else None
    if user is None or member is None or not member.email or member.email_verified_at is None:
        return ResetTarget(user=None, email="")
    return ResetTarget(user=user, email=member.email)


def password_reset_send(*, username: str, request: HttpRequest | None) -> None:
    """Send a reset code to the registered e-mail, if there is one; the caller says the same thing either way."""
    target = password_reset_target(username=username)
    if target.user is None:
        return
    code_issue(user=target.user, purpose=CodePurpose.PASSWORD_RESET, target=target.email)
    audit_record(action="password.reset_requested", actor=None, member=target.user.member, request=request)


def password_reset_complete(*, user: User, password: str, request: HttpRequest | None) -> User:
    """Set the new password after a verified reset code, end the other sessions, tell the member."""
    validate_password(password, user)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.set_password(password)
        user.save(update_fields=["password"])
        member = getattr(user, "member", None)
        audit_record(action="password.reset", actor=user, member=member, request=request)
        password_changed_notice(user=user)
    from allauth.usersessions.models import UserSession

    for session in UserSession.objects.filter(user=user):
        session.end()  # signed-in devices must sign in again
    return user


def password_changed_notice(*, user: User) -> None:
    """Tell the member by e-mail that their password changed, so an intruder cannot do it silently."""
    member = getattr(user, "member", None)
    if member is not None and member.email:
        email_queue(
            to=member.email,
            subject=f"{settings.MUTUA_NAME} – " + _("Password modificata"),
            body=_(
                "Gentile socio/a,\n\nla password della tua area soci è stata modificata.\n"
                "Se non sei stato tu, scrivi subito a %(infocenter)s.\n\n%(name)s"
            )
            % {"infocenter": settings.MUTUA_INFOCENTER_EMAIL, "name": settings.MUTUA_NAME},
        )


def password_changed_record(*, request: HttpRequest, user: User, **kwargs: object) -> None:
    """allauth's password change: audit it and notify the member."""
    with transaction.atomic():
        audit_record(action="password.changed", actor=user, member=getattr(user, "member", None), request=request)
        password_changed_notice(user=user)


# --- Security notices -----------------------------------------------------------------------------------------


def security_notice(*, user: User, subject: str, text: str) -> None:
    """E-mail the account holder about a change to how they sign in, so an intruder cannot make it silently."""
    member = getattr(user, "member", None)
    to = member.email if member is not None and member.email else user.email
    if not to:
        return
    greeting = _("Gentile socio/a,") if member is not None else _("Buongiorno,")
    email_queue(
        to=to,
        subject=f"{settings.MUTUA_NAME} – {subject}",
        body=_(
            "%(greeting)s\n\n%(text)s\n"
            "Se non sei stato tu, cambia subito la password e scrivi a %(infocenter)s.\n\n%(name)s"
        )
        % {
            "greeting": greeting,
            "text": text,
            "infocenter": settings.MUTUA_INFOCENTER_EMAIL,
            "name": settings.MUTUA_NAME,
        },
    )


# --- Profile photo --------------------------------------------------------------------------------------------


def profile_photo_set(*, user: User, upload: Any, request: HttpRequest | None) -> User:
    """Replace the profile photo: JPEG or PNG by content, at most 2 MB, stored resized, upright and without metadata.

    Raises documents.uploads.UploadRejected with a message naming the file. The old file goes once this commits.
    """
    info = inspect_upload(upload, kinds=PHOTO_KINDS, max_bytes=PHOTO_MAX_BYTES)
    storage = user.photo.storage  # the field's storage: private, never served by URL
    name = storage.save(photo_storage_name(), ContentFile(photo_normalize(upload.read())))
    try:
        with transaction.atomic():
            locked = User.objects.select_for_update().get(pk=user.pk)
            old = locked.photo.name
            locked.photo.name = name
            locked.save(update_fields=["photo"])
            audit_record(
                action="profile.photo_changed",
                actor=locked,
                member=getattr(locked, "member", None),
                request=request,
                kind=info.kind,
                size=info.size,
            )
            if old:
                transaction.on_commit(lambda: storage.delete(old))
    except BaseException:
        storage.delete(name)
        raise
    user.photo.name = name
    return locked


def profile_photo_remove(*, user: User, request: HttpRequest | None) -> User:
    """Remove the profile photo; the file is deleted from storage once this commits."""
    storage = user.photo.storage  # the field's storage: private, never served by URL
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        old = locked.photo.name
        if not old:
            return locked
        locked.photo.name = ""
        locked.save(update_fields=["photo"])
        audit_record(
            action="profile.photo_removed", actor=locked, member=getattr(locked, "member", None), request=request
        )
        transaction.on_commit(lambda: storage.delete(old))
    user.photo.name = ""
    return locked


# --- Signed-in sessions ---------------------------------------------------------------------------------------


class SessionError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def user_session_end(*, user: User, session_id: int, request: HttpRequest) -> None:
    """Sign out one of the user's other devices. Raises UserSession.DoesNotExist for a session not theirs."""
    from allauth.usersessions.internal.flows.sessions import end_sessions
    from allauth.usersessions.models import UserSession

    session = UserSession.objects.get(user=user, pk=session_id)
    if session.is_current():
        raise SessionError(_("Per chiudere la sessione che stai usando premi «Esci»."))
    with transaction.atomic():
        end_sessions(request, [session])
        audit_record(
            action="session.ended", actor=user, member=getattr(user, "member", None), request=request, sessions=1
        )


def user_sessions_end_others(*, user: User, request: HttpRequest) -> int:
    """Sign out every device of the user except this one; returns how many sessions ended."""
    from allauth.usersessions.internal.flows.sessions import end_sessions
    from allauth.usersessions.models import UserSession

    others = [s for s in UserSession.objects.filter(user=user) if not s.is_current()]
    if not others:
        return 0
    with transaction.atomic():
        end_sessions(request, others)
        audit_record(
            action="session.ended",
            actor=user,
            member=getattr(user, "member", None),
            request=request,
            sessions=len(others),
        )
    return len(others)


# --- Two-factor authentication (allauth.mfa signals) --------------------------------------------------------


@dataclass(frozen=True)
class _MfaChange:
    action: str
    subject: Any = None  # a lazy string; None: recorded, not mailed (part of another change)
    text: Any = None


_MFA_CHANGES = {
    ("added", "totp"): _MfaChange(
        "mfa.totp_enabled",
        gettext_lazy("Autenticazione a due fattori attivata"),
        gettext_lazy(
            "è stata attivata l'autenticazione a due fattori: a ogni accesso, dopo la password, ti chiederemo "
            "il codice dell'app di autenticazione."
        ),
    ),
    ("removed", "totp"): _MfaChange(
        "mfa.totp_disabled",
        gettext_lazy("Autenticazione a due fattori disattivata"),
        gettext_lazy("è stata disattivata l'autenticazione a due fattori con l'app di autenticazione."),
    ),
    ("added", "webauthn"): _MfaChange(
        "mfa.passkey_added",
        gettext_lazy("Passkey aggiunta"),
        gettext_lazy("è stata aggiunta una passkey al tuo account: «%(name)s»."),
    ),
    ("removed", "webauthn"): _MfaChange(
        "mfa.passkey_removed",
        gettext_lazy("Passkey rimossa"),
        gettext_lazy("è stata rimossa una passkey dal tuo account: «%(name)s»."),
    ),
    ("reset", "recovery_codes"): _MfaChange(
        "mfa.recovery_codes_regenerated",
        gettext_lazy("Codici di recupero rigenerati"),
        gettext_lazy("sono stati generati nuovi codici di recupero: quelli precedenti non funzionano più."),
    ),
    ("added", "recovery_codes"): _MfaChange("mfa.recovery_codes_generated"),
    ("removed", "recovery_codes"): _MfaChange("mfa.recovery_codes_removed"),
}


def _mfa_change_record(*, change: str, request: HttpRequest | None, user: User, authenticator: Any) -> None:
    what = _MFA_CHANGES.get((change, authenticator.type))
    if what is None:
        return
    name = str(authenticator) if authenticator.type == "webauthn" else ""
    with transaction.atomic():
        audit_record(
            action=what.action,
            actor=user,
            member=getattr(user, "member", None),
            request=request,
            **({"name": name} if name else {}),
        )
        if what.subject is not None:
            security_notice(user=user, subject=str(what.subject), text=str(what.text) % {"name": name})


def authenticator_added_record(*, request: HttpRequest | None, user: User, authenticator: Any, **kwargs: Any) -> None:
    """A second factor was added: audit it and tell the member (recovery codes come with the first factor)."""
    _mfa_change_record(change="added", request=request, user=user, authenticator=authenticator)


def authenticator_removed_record(*, request: HttpRequest | None, user: User, authenticator: Any, **kwargs: Any) -> None:
    """A second factor was removed: audit it and tell the member."""
    _mfa_change_record(change="removed", request=request, user=user, authenticator=authenticator)


def authenticator_reset_record(*, request: HttpRequest | None, user: User, authenticator: Any, **kwargs: Any) -> None:
    """New recovery codes replaced the old ones: audit it and tell the member."""
    _mfa_change_record(change="reset", request=request, user=user, authenticator=authenticator)


def authentication_failed_record(
    *, request: HttpRequest | None, user: User, authenticator: Any, reauthentication: bool = False, **kwargs: Any
) -> None:
    """A wrong second-factor code: audited like any failed sign-in step."""
    audit_record(
        action="mfa.failed",
        actor=user,
        member=getattr(user, "member", None),
        request=request,
        reauthentication=bool(reauthentication),
    )


def totp_code_consume(*, user: User, code: str) -> bool:
    """Record a TOTP code as used for its whole validity window; False if it was already used."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    return TOTP(Authenticator(user_id=user.pk, type=Authenticator.Type.TOTP))._mark_code_used(code)
