"""Account operations: password notices, security notices, profile photo, sessions, second factors (first access and
contact codes: mutua.accounts.first_access, mutua.accounts.contacts, mutua.accounts.codes; password reset:
mutua.accounts.password_reset)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mutua.accounts.models import User
from mutua.accounts.photos import PHOTO_KINDS, PHOTO_MAX_BYTES, photo_normalize, photo_storage_name
from mutua.audit.services import audit_record
from mutua.documents.uploads import inspect_upload
from mutua.notifications.emails import email_render
from mutua.notifications.outbox import email_content_queue

# --- Password notices (the reset itself: mutua.accounts.password_reset) -----------------------------------


def password_changed_notice(*, user: User) -> None:
    """Tell the member by e-mail that their password changed, so an intruder cannot do it silently."""
    member = getattr(user, "member", None)
    if member is not None and member.email:
        email = email_render(
            title=_("Password modificata"),
            paragraphs=[
                _("La password della tua area soci è stata modificata."),
                _("Se non sei stato tu, scrivi subito a %(infocenter)s.")
                % {"infocenter": settings.MUTUA_INFOCENTER_EMAIL},
            ],
            security=True,
        )
        email_content_queue(to=member.email, email=email)


def password_changed_record(*, request: HttpRequest, user: User, **kwargs: object) -> None:
    """allauth's password change: audit it, notify the member, sign out every other device."""
    with transaction.atomic():
        audit_record(action="password.changed", actor=user, member=getattr(user, "member", None), request=request)
        password_changed_notice(user=user)
    sessions_end_elsewhere(user=user, request=request, reason="password")


# --- Security notices -----------------------------------------------------------------------------------------


def security_notice(*, user: User, subject: str, text: str) -> None:
    """E-mail the account holder about a change to how they sign in, so an intruder cannot make it silently."""
    member = getattr(user, "member", None)
    to = member.email if member is not None and member.email else user.email
    if not to:
        return
    greeting = _("Gentile socio/a,") if member is not None else _("Buongiorno,")
    email = email_render(
        title=subject,
        greeting=greeting,
        paragraphs=[
            text,
            _("Se non sei stato tu, cambia subito la password e scrivi a %(infocenter)s.")
            % {"infocenter": settings.MUTUA_INFOCENTER_EMAIL},
        ],
        security=True,
    )
    email_content_queue(to=to, email=email)


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


def sessions_end_elsewhere(*, user: User, request: HttpRequest | None, reason: str) -> int:
    """How the user signs in changed (password, second factor): every other session ends, and this one continues
    under a new key, so a session copied before the change is worthless. Returns how many other sessions ended."""
    from allauth.usersessions.adapter import get_adapter
    from allauth.usersessions.models import UserSession

    session = getattr(request, "session", None)
    current = session.session_key if session is not None else None
    others = [s for s in UserSession.objects.filter(user=user) if s.session_key != current]
    ended = sum(1 for s in others if s.exists())  # this session's own row may carry a key changed moments ago
    get_adapter().end_sessions(others)
    if session is not None and current:
        session.cycle_key()
        UserSession.objects.filter(user=user, session_key=current).update(session_key=session.session_key)
    if ended:
        audit_record(
            action="session.ended",
            actor=user,
            member=getattr(user, "member", None),
            request=request,
            sessions=ended,
            reason=reason,
        )
    return ended


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
    sessions_end_elsewhere(user=user, request=request, reason="mfa")


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

    return bool(TOTP(Authenticator(user_id=user.pk, type=Authenticator.Type.TOTP))._mark_code_used(code))
