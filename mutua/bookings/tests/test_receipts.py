"""The booking receipt: an A4 PDF with member, person, appointment and provider, and a code that verifies."""

from __future__ import annotations

import pytest

from mutua.bookings import services
from mutua.bookings.models import Booking
from mutua.bookings.receipts import booking_receipt_pdf
from mutua.bookings.tests.factories import draft_booking, sent_booking
from mutua.claims.tests import samples
from mutua.documents.models import DocumentKind, IssuedDocument
from mutua.documents.tests.pdfread import page_texts
from mutua.documents.verification import document_verify

pytestmark = pytest.mark.django_db


def test_the_receipt_shows_who_when_where_and_for_whom(member):
    child = member.beneficiaries.get()
    booking = sent_booking(member, beneficiary=child, files=[samples.pdf_upload("impegnativa.pdf")])
    [text] = page_texts(booking_receipt_pdf(booking=booking))
    assert "Ricevuta della richiesta di prenotazione" in text
    assert member.full_name in text and member.code in text
    assert f"{child.first_name} {child.last_name}" in text
    assert booking.appointment_date.strftime("%d/%m/%Y") + " 09:30" in text
    assert "Poliambulatorio San Luca" in text and "Visita specialistica" in text
    assert "impegnativa.pdf" in text and "Inviata" in text
    assert str(booking.appointment_date.year) in text


def test_the_code_is_recorded_once_and_verifies_until_the_booking_is_gone(member):
    booking = sent_booking(member)
    first = booking_receipt_pdf(booking=booking)
    booking_receipt_pdf(booking=booking)
    issued = IssuedDocument.objects.get(kind=DocumentKind.BOOKING_RECEIPT)
    assert issued.object_id == booking.pk and issued.code in page_texts(first)[0]
    verified = document_verify(issued.code)
    assert verified is not None and verified.kind == DocumentKind.BOOKING_RECEIPT
    Booking.objects.filter(pk=booking.pk).update(submitted_at=booking.submitted_at.replace(year=2000))
    assert document_verify(issued.code) is None


def test_the_public_page_names_a_booking_receipt(member, client):
    booking = sent_booking(member)
    booking_receipt_pdf(booking=booking)
    code = IssuedDocument.objects.get(kind=DocumentKind.BOOKING_RECEIPT).code
    page = client.get(f"/verifica/{code}/").content.decode()
    assert f"Documento valido: ricevuta della prenotazione n. {booking.pk} inviata il" in page
    assert member.full_name not in page


def test_a_cancelled_booking_keeps_a_valid_receipt_showing_its_status(member):
    booking = services.booking_cancel(booking=sent_booking(member), actor=member.user)
    assert "Annullata" in page_texts(booking_receipt_pdf(booking=booking))[0]


def test_a_draft_has_no_receipt(member):
    with pytest.raises(ValueError):
        booking_receipt_pdf(booking=draft_booking(member))
