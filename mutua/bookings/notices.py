"""What the member is told about their bookings in direct form: in the portal, by e-mail and SMS to verified
contacts; never the visit or the diagnosis. Always in the mutual's language."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from mutua.audit.services import audit_record
from mutua.bookings.models import Booking, BookingAttachment, BookingStatus
from mutua.core.formatting import format_date
from mutua.members.models import NoticeCategory
from mutua.members.notices import Notice, member_notify
from mutua.notifications.models import Notification, NotificationKind


def booking_url(booking_id: int) -> str:
    return reverse("portal:booking_detail", args=[booking_id])


def booking_status_notice(*, booking: Booking, to_status: str, note: str = "") -> Notice | None:
    """The texts announcing that `booking` reached `to_status`; None for statuses the member is not told of."""
    values = {
        "n": booking.pk,
        "date": format_date(booking.appointment_date),
        "name": settings.MUTUA_NAME,
    }
    if to_status == BookingStatus.SUBMITTED:
        title = _("Prenotazione n. %(n)s inviata") % values
        text = _("Abbiamo ricevuto la richiesta di prenotazione n. %(n)s per il %(date)s.") % values
    elif to_status == BookingStatus.TAKEN:
        title = _("Prenotazione n. %(n)s presa in carico") % values
        text = _("La prenotazione n. %(n)s del %(date)s è stata presa in carico in forma diretta.") % values
    elif to_status == BookingStatus.REFUSED:
        title = _("Prenotazione n. %(n)s rifiutata") % values
        text = _("La prenotazione n. %(n)s del %(date)s non è stata presa in carico.") % values
    elif to_status == BookingStatus.CANCELLED:
        title = _("Prenotazione n. %(n)s annullata") % values
        text = _("La prenotazione n. %(n)s del %(date)s è stata annullata.") % values
    else:
        return None
    # The reason for a refusal stays behind the login.
    body = f"{text} {note.strip()}".strip() if to_status == BookingStatus.REFUSED else text
    return Notice(
        kind=NotificationKind.CLAIM_STATUS,
        category=NoticeCategory.BOOKINGS,
        title=title,
        body=body,
        email=text + "\n\n" + _("Puoi seguirla nell'area soci, sezione Lista pratiche."),
        sms=f"{settings.MUTUA_NAME}: {text}",
        url=booking_url(booking.pk),
    )


def booking_status_notify(*, booking: Booking, to_status: str, note: str = "") -> Notification | None:
    """Tell the member their booking reached `to_status`, in the caller's transaction."""
    with translation.override(settings.LANGUAGE_CODE):
        notice = booking_status_notice(booking=booking, to_status=to_status, note=note)
    if notice is None:
        return None
    return member_notify(member_id=booking.member_id, notice=notice)


def booking_attachment_infected_record(attachment: BookingAttachment) -> None:
    """The malware scan quarantined a booking's prescription (mutua.documents.scanning): the audit log and the member
    are told, in the scan's transaction; the booking review page shows the file as quarantined."""
    booking = Booking.objects.select_related("member").get(pk=attachment.booking_id)
    with translation.override(settings.LANGUAGE_CODE):
        values = {"name": attachment.original_name, "n": booking.pk, "mutua": settings.MUTUA_NAME}
        text = (
            _(
                "Il file «%(name)s» che hai allegato alla prenotazione n. %(n)s contiene una minaccia secondo il "
                "nostro antivirus: lo abbiamo messo da parte e nessuno lo aprirà. Controlla il tuo computer con un "
                "antivirus; l'operatore ti chiederà di inviarne una copia pulita."
            )
            % values
        )
        # The file's name stays behind the login: a member may name a file after what it is about.
        email = (
            _(
                "Un file che hai allegato alla prenotazione n. %(n)s contiene una minaccia secondo il nostro "
                "antivirus: lo abbiamo messo da parte e nessuno lo aprirà. Controlla il tuo computer con un "
                "antivirus; l'operatore ti chiederà di inviarne una copia pulita."
            )
            % values
        )
        notice = Notice(
            kind=NotificationKind.CLAIM_STATUS,
            category=NoticeCategory.BOOKINGS,
            title=_("Prenotazione n. %(n)s: un file non è stato accettato") % values,
            body=text,
            email=email,
            sms=_("%(mutua)s: un file della prenotazione n. %(n)s non è stato accettato dall'antivirus.") % values,
            url=booking_url(booking.pk),
        )
    audit_record(
        action="file.quarantined",
        member=booking.member,
        booking=booking.pk,
        attachment=attachment.pk,
        threat=attachment.scan_signature,
    )
    member_notify(member_id=booking.member_id, notice=notice)
