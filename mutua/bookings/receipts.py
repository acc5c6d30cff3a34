"""The receipt of a booking request: what was communicated, for whom, when, with a code anyone can verify."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from mutua.bookings.models import Booking, BookingStatus
from mutua.core.formatting import format_date
from mutua.documents.models import DocumentKind
from mutua.documents.pdf import CONTENT_WIDTH, FONT, FONT_BOLD, GREY, MARGIN, PAGE_WIDTH, PdfDocument
from mutua.documents.verification import document_issue
from mutua.members.models import MemberKind

ROME = ZoneInfo("Europe/Rome")
QR_SIZE = 96.0


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
    url = settings.MUTUA_PUBLIC_URL + reverse("documents:verify_code", kwargs={"code": code})
    member = booking.member
    provider = booking.provider
    title = _("Ricevuta della richiesta di prenotazione")
    pdf = PdfDocument(
        title=title,
        subject=_("Prenotazione %(id)s") % {"id": booking.pk},
        footer_note=_("Codice di verifica %(code)s · prenotazione n. %(id)s") % {"code": code, "id": booking.pk},
    )
    pdf.heading(title)
    top = pdf.y
    qr_x = PAGE_WIDTH - MARGIN - QR_SIZE
    pdf.qr(url, x=qr_x, y=top - QR_SIZE, size=QR_SIZE)
    pdf.canvas.setFont(FONT, 7.5)
    pdf.canvas.setFillColor(GREY)
    pdf.canvas.drawCentredString(qr_x + QR_SIZE / 2, top - QR_SIZE - 9, _("Codice di verifica"))
    pdf.canvas.setFont(FONT_BOLD, 8.5)
    pdf.canvas.setFillColorRGB(0, 0, 0)
    pdf.canvas.drawCentredString(qr_x + QR_SIZE / 2, top - QR_SIZE - 20, code)

    code_label = _("Matricola") if member.kind == MemberKind.ORDINARY else _("Codice utente")
    time = booking.appointment_time.strftime("%H:%M") if booking.appointment_time else ""
    files = ", ".join(a.original_name for a in booking.attachments.all()) or _("nessuna")
    pdf.fields(
        [
            (_("N. prenotazione"), str(booking.pk)),
            (_("Inviata il"), booking.submitted_at.astimezone(ROME).strftime("%d/%m/%Y %H:%M")),
            (_("Stato"), booking.get_status_display()),
            (_("Socio"), member.full_name),
            (code_label, member.code),
            (_("Presa in carico di"), booking.patient_name),
            (_("Appuntamento"), f"{format_date(booking.appointment_date)} {time}".strip()),
            (_("Fornitore"), provider.name),
            (_("Indirizzo"), f"{provider.address}, {provider.city} ({provider.province})"),
            (_("Tipo di visita"), booking.get_visit_type_display()),
            (_("Prescrizione allegata"), files),
            (_("Contatti per questa richiesta"), " · ".join(v for v in (booking.email, booking.phone) if v)),
        ],
        label_width=150,
        width=CONTENT_WIDTH - QR_SIZE - 16,
    )
    pdf.y = min(pdf.y, top - QR_SIZE - 26)
    pdf.space(18)
    pdf.paragraph(
        _(
            "Questa ricevuta attesta che la richiesta di prenotazione in forma diretta è stata comunicata alla mutua; "
            "la presa in carico è confermata a parte e si vede nell'area soci, in Lista pratiche."
        ),
        size=9,
    )
    pdf.space(6)
    pdf.paragraph(
        _(
            "Per verificarne l'autenticità inquadra il codice QR oppure apri %(url)s e inserisci il codice di "
            "verifica %(code)s."
        )
        % {"url": settings.MUTUA_PUBLIC_URL + reverse("documents:verify"), "code": code},
        size=9,
        color=GREY,
    )
    return pdf.finish()
