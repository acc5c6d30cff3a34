"""Booking operations ("Prenota"). Every change of a booking's status goes through `booking_transition`."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mutua.accounts.models import User
from mutua.audit.services import audit_record
from mutua.bookings.models import TRANSITIONS, Booking, BookingAttachment, BookingEvent, BookingStatus
from mutua.bookings.notices import booking_status_notify
from mutua.bookings.rules import earliest_appointment, notice_respected
from mutua.core.formatting import format_date
from mutua.members.models import Beneficiary, Member
from mutua.providers.models import Provider

MAX_ATTACHMENTS = 5


class BookingError(Exception):
    """A member action on a booking that cannot be done; the message is for the member."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FilesRejected(BookingError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


class InvalidTransition(BookingError):
    def __init__(self, *, booking: Booking, from_status: str, to_status: str) -> None:
        super().__init__(
            _("La prenotazione %(id)s è %(from)s: non può passare allo stato %(to)s.")
            % {
                "id": booking.pk,
                "from": BookingStatus(from_status).label.lower(),
                "to": BookingStatus(to_status).label.lower() if to_status in BookingStatus.values else to_status,
            }
        )


def too_early_message(*, today: dt.date) -> str:
    return _(
        "La prestazione va comunicata almeno due giorni lavorativi prima (dal lunedì al venerdì, festivi esclusi): "
        "con una richiesta inviata oggi la prima data possibile è il %(date)s."
    ) % {"date": format_date(earliest_appointment(today))}


# --- The draft: steps 1 and 2 ------------------------------------------------------------------------------


def booking_draft_start(*, member: Member, actor: User) -> Booking:
    """The member's booking draft, created on first use with the contacts of Dati anagrafici; one at a time."""
    with transaction.atomic():
        Member.objects.select_for_update().filter(pk=member.pk).first()
        draft = Booking.objects.filter(member=member, status=BookingStatus.DRAFT).first()
        if draft is None:
            draft = Booking.objects.create(
                member=member,
                email=member.email,
                phone=member.mobile.as_national if member.mobile else "",
            )
            audit_record(action="booking.draft_started", actor=actor, member=member, booking=draft.pk)
    return draft


def _editable(booking: Booking) -> Booking:
    locked = Booking.objects.select_for_update().get(pk=booking.pk)
    if locked.status != BookingStatus.DRAFT:
        raise BookingError(_("La prenotazione è già stata inviata: non si può più modificare."))
    return locked


@dataclass(frozen=True)
class BookingDetails:
    """Step 1, "Dati preliminari", as the form cleans it."""

    beneficiary: Beneficiary | None
    email: str
    phone: str
    appointment_date: dt.date
    appointment_time: dt.time
    provider: Provider
    notes: str


def booking_set_details(
    *, booking: Booking, actor: User, details: BookingDetails, today: dt.date | None = None
) -> Booking:
    """Save "Dati preliminari": the person, contacts for this request, the appointment and a direct-form provider."""
    today = today or timezone.localdate()
    if details.beneficiary is not None and details.beneficiary.member_id != booking.member_id:
        raise BookingError(_("Scegli una persona dall'elenco."))
    if not details.provider.direct_form:
        raise BookingError(_("Questa struttura non accetta prenotazioni in forma diretta."))
    if not notice_respected(requested_on=today, appointment=details.appointment_date):
        raise BookingError(too_early_message(today=today))
    with transaction.atomic():
        locked = _editable(booking)
        locked.beneficiary = details.beneficiary
        locked.email = details.email
        locked.phone = details.phone
        locked.appointment_date = details.appointment_date
        locked.appointment_time = details.appointment_time
        locked.provider = details.provider
        locked.notes = details.notes
        locked.save()
    return locked


def booking_set_service(
    *,
    booking: Booking,
    actor: User,
    visit_type: str,
    description: str,
    diagnosis: str,
    files: Sequence[UploadedFile[Any]],
) -> Booking:
    """ "Carica documento": the type of visit, description, diagnosis and the prescription's files, all or nothing."""
    with transaction.atomic():
        locked = _editable(booking)
        locked.visit_type = visit_type
        locked.description = description
        locked.diagnosis = diagnosis
        locked.save()
        if files:
            if locked.attachments.count() + len(files) > MAX_ATTACHMENTS:
                raise FilesRejected([_("Si possono allegare al massimo %(n)d file.") % {"n": MAX_ATTACHMENTS}])
            _store_files(booking=locked, files=files)
    return locked


def _store_files(*, booking: Booking, files: Sequence[UploadedFile[Any]]) -> list[BookingAttachment]:
    """Check every file by content first; store them only if all are acceptable (nothing half-saved)."""
    from mutua.documents.uploads import uploads_check, uploads_save

    accepted, problems = uploads_check(files)
    if problems:
        raise FilesRejected(problems)
    return uploads_save(accepted, build=functools.partial(BookingAttachment, booking=booking))


def booking_attachment_remove(*, attachment: BookingAttachment, actor: User) -> None:
    with transaction.atomic():
        _editable(attachment.booking)
        attachment.delete()
    attachment.file.delete(save=False)


# --- Step 3: submission --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmitResult:
    booking: Booking
    repeated: bool = False  # the same submission arrived again: nothing new was done


def booking_submit(
    *, member: Member, token: uuid.UUID | str, actor: User, today: dt.date | None = None
) -> SubmitResult:
    """ "Invio prenotazione": one transaction, idempotent on the draft's token.

    The two-working-day rule is checked again against the day of submission: a draft saved earlier may have
    become too close to the appointment.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        Member.objects.select_for_update().filter(pk=member.pk).first()
        booking = Booking.objects.select_for_update().filter(member=member, token=token).first()
        if booking is None:
            raise BookingError(_("Non c'è una prenotazione in bozza da inviare."))
        if booking.status != BookingStatus.DRAFT:
            return SubmitResult(booking=booking, repeated=True)
        if not booking.details_complete:
            raise BookingError(_("Completa i dati preliminari prima di inviare la prenotazione."))
        if not booking.service_complete:
            raise BookingError(_("Indica tipo di visita, descrizione e diagnosi e premi «Carica documento»."))
        assert booking.appointment_date is not None  # details_complete  # noqa: S101
        if not notice_respected(requested_on=today, appointment=booking.appointment_date):
            raise BookingError(too_early_message(today=today))
        if not Provider.objects.filter(pk=booking.provider_id or 0, direct_form=True).exists():
            raise BookingError(_("Questa struttura non accetta più prenotazioni in forma diretta: scegline un'altra."))
        booking = booking_transition(booking=booking, to_status=BookingStatus.SUBMITTED, actor=actor)
    return SubmitResult(booking=booking)


# --- Status changes ------------------------------------------------------------------------------------------


def booking_transition(
    *,
    booking: Booking,
    to_status: str,
    actor: User | None,
    note: str = "",
    changes: dict[str, object] | None = None,
) -> Booking:
    """Move the booking along one edge of TRANSITIONS, record who did it and tell the member; rows locked.

    `changes` are the fields the transition sets together with the status (the authorization of a presa in carico).
    """
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        from_status = locked.status
        if to_status not in TRANSITIONS.get(from_status, frozenset()):
            raise InvalidTransition(booking=locked, from_status=from_status, to_status=to_status)
        locked.status = to_status
        fields = ["status", "updated_at"]
        for name, value in (changes or {}).items():
            setattr(locked, name, value)
            fields.append(name)
        if to_status == BookingStatus.SUBMITTED:
            locked.submitted_at = timezone.now()
            fields.append("submitted_at")
        locked.save(update_fields=fields)
        BookingEvent.objects.create(
            booking=locked, actor=actor, from_status=from_status, to_status=to_status, note=note
        )
        audit_record(
            action="booking.status",
            actor=actor,
            member=booking.member,
            booking=locked.pk,
            from_status=from_status,
            to_status=to_status,
        )
        booking_status_notify(booking=locked, to_status=to_status, note=note)
    return locked


def booking_cancel(*, booking: Booking, actor: User) -> Booking:
    """The member may withdraw a booking only while it is "Inviata" (not yet taken in charge).

    Checked under the row lock: an operator taking it in charge at the same moment wins or loses whole.
    """
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if locked.status != BookingStatus.SUBMITTED:
            raise BookingError(_("Si può annullare solo una prenotazione nello stato «Inviata»."))
        return booking_transition(
            booking=locked, to_status=BookingStatus.CANCELLED, actor=actor, note=_("Annullata dal socio.")
        )


AUTHORIZATION_CODE_MAX = 40
MEMBER_SHARE_MAX = Decimal("99999999.99")


def booking_take_in_charge(
    *,
    booking: Booking,
    actor: User,
    authorization_code: str,
    valid_from: dt.date,
    valid_until: dt.date,
    member_share: Decimal,
    note: str = "",
) -> Booking:
    """An operator confirms the direct form to the provider (presa in carico) with the authorization the provider
    will ask for: its code, the days it is valid and what is left for the member to pay at the provider.

    The validity must include the appointment day, otherwise the provider would turn the member away.
    """
    code = " ".join(authorization_code.split())
    if not code:
        raise BookingError(_("Indica il codice di autorizzazione."))
    if len(code) > AUTHORIZATION_CODE_MAX:
        raise BookingError(
            _("Il codice di autorizzazione può avere al massimo %(n)d caratteri.") % {"n": AUTHORIZATION_CODE_MAX}
        )
    if valid_until < valid_from:
        raise BookingError(_("La fine della validità non può precedere l'inizio."))
    if booking.appointment_date and not valid_from <= booking.appointment_date <= valid_until:
        raise BookingError(
            _("La validità deve comprendere il giorno della prestazione, il %(date)s.")
            % {"date": format_date(booking.appointment_date)}
        )
    if member_share < 0 or member_share > MEMBER_SHARE_MAX:
        raise BookingError(_("Scrivi un importo in euro, per esempio 70,00."))
    return booking_transition(
        booking=booking,
        to_status=BookingStatus.TAKEN,
        actor=actor,
        note=note,
        changes={
            "authorization_code": code,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "member_share": member_share.quantize(Decimal("0.01")),
        },
    )


def booking_refuse(*, booking: Booking, actor: User, reason: str) -> Booking:
    """An operator refuses the booking; the member reads the reason in the portal."""
    if not reason.strip():
        raise BookingError(_("Indica il motivo del rifiuto."))
    return booking_transition(booking=booking, to_status=BookingStatus.REFUSED, actor=actor, note=reason.strip())
