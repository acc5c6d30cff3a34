"""A booking's prescription found infected by the malware scan: quarantined, the member told, closed to operators."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mutua.audit.models import AuditEvent
from mutua.bookings.models import BookingAttachment
from mutua.bookings.tests.factories import sent_booking
from mutua.claims.tests.test_quarantine import eicar_pdf
from mutua.documents.models import ScanStatus
from mutua.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_an_infected_prescription_is_quarantined_and_the_member_told(clamd, client, member, operator):
    booking = sent_booking(member, files=[eicar_pdf()])
    attachment = BookingAttachment.objects.get(booking=booking)
    assert attachment.scan_status == ScanStatus.INFECTED and attachment.file.name.startswith("quarantine/")
    assert Notification.objects.filter(
        member=member, title=f"Prenotazione n. {booking.pk}: un file non è stato accettato"
    ).exists()
    assert AuditEvent.objects.filter(action="file.quarantined", data__booking=booking.pk).exists()
    client.force_login(operator)
    response = client.get(reverse("backoffice:booking_attachment_inline", args=[attachment.pk]))
    assert response.status_code == 409 and "«fattura-marzo.pdf» è in quarantena" in response.content.decode()
