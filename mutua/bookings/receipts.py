"""The receipt of a booking request: what was communicated, for whom, when, with a code anyone can verify."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from mutua.bookings.models import Booking, BookingStatus
from mutua.core.formatting import format_date
from mutua.documents.issued import receipt_closing, receipt_header
from mutua.documents.models import DocumentKind, IssuedDocument
from mutua.documents.verification import VerifiedDocument, document_issue
from mutua.members.printing import member_code_label

ROME = ZoneInfo("Europe/Rome")


def booking_receipt_pdf(*, booking: Booking) -> bytes:
    """The receipt of a sent booking (any status but draft), as an A4 PDF, in a constant number of queries.

    The first generation records the verification code (IssuedDocument); later ones reuse it.
    Raises ValueError for a draft: a receipt exists only from submission.
    """
    booking = (
        Booking.objects.select_related("member", "beneficiary", "provider")
        .prefetch_related("attachments")
        .get(pk=booking.pk)
    )
    if booking.status == BookingStatus.DRAFT or booking.submitted_at is None or booking.provider is None:
        raise ValueError(f"booking {booking.pk} has not been sent: it has no receipt")
    code = document_issue(kind=DocumentKind.BOOKING_RECEIPT, object_id=booking.pk, issued_at=booking.submitted_at)
    member = booking.member
    provider = booking.provider
    time = booking.appointment_time.strftime("%H:%M") if booking.appointment_time else ""
    files = ", ".join(a.original_name for a in booking.attachments.all()) or _("nessuna")
    pdf = receipt_header(
        title=_("Ricevuta della richiesta di prenotazione"),
        subject=_("Prenotazione %(id)s") % {"id": booking.pk},
        footer_note=_("Codice di verifica %(code)s · prenotazione n. %(id)s") % {"code": code, "id": booking.pk},
        code=code,
        fields=[
            (_("N. prenotazione"), str(booking.pk)),
            (_("Inviata il"), booking.submitted_at.astimezone(ROME).strftime("%d/%m/%Y %H:%M")),
            (_("Stato"), booking.get_status_display()),
            (_("Socio"), member.full_name),
            (member_code_label(member), member.code),
            (_("Presa in carico di"), booking.patient_name),
            (_("Appuntamento"), f"{format_date(booking.appointment_date)} {time}".strip()),
            (_("Fornitore"), provider.name),
            (_("Indirizzo"), f"{provider.address}, {provider.city} ({provider.province})"),
            (_("Tipo di visita"), booking.get_visit_type_display()),
            (_("Prescrizione allegata"), files),
            (_("Contatti per questa richiesta"), " · ".join(v for v in (booking.email, booking.phone) if v)),
        ],
        label_width=150,
    )
    return receipt_closing(
        pdf,
        statement=_(
            "Questa ricevuta attesta che la richiesta di prenotazione in forma diretta è stata comunicata alla mutua; "
            "la presa in carico è confermata a parte e si vede nell'area soci, in Lista pratiche."
        ),
        code=code,
    )


def booking_receipt_check(issued: IssuedDocument) -> VerifiedDocument | None:
    """/verifica/: a booking's receipt stays valid while the booking is sent, with the same submission time."""
    sent = Booking.objects.filter(pk=issued.object_id, submitted_at=issued.issued_at).exclude(
        status=BookingStatus.DRAFT
    )
    if not sent.exists():
        return None
    return VerifiedDocument(code=issued.code, kind=issued.kind, object_id=issued.object_id, issued_at=issued.issued_at)
