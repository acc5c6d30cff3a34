"""What claim and booking pages do alike: files and receipts only to their owner, privately; cancel when allowed."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from mutua.bookings.models import Booking, BookingStatus
from mutua.bookings.tests.factories import sent_booking, taken_booking
from mutua.claims.models import Claim, ClaimStatus
from mutua.claims.tests import samples
from mutua.claims.tests.test_backoffice_services import sent_claim, taken

pytestmark = pytest.mark.django_db


def downloads(member) -> list[tuple[str, str, bytes]]:
    """(url, file name the member gets, first bytes) for each thing a member downloads from a claim or a booking."""
    claim = sent_claim(member, upload=samples.pdf_upload("fattura dentista.pdf"))
    booking = sent_booking(member, files=[samples.pdf_upload("impegnativa.pdf")])
    attachment = claim.documents.get().attachments.get()
    return [
        (reverse("portal:attachment_download", args=[attachment.pk]), "fattura dentista.pdf", b"%PDF-"),
        (reverse("portal:booking_attachment", args=[booking.attachments.get().pk]), "impegnativa.pdf", b"%PDF-"),
        (reverse("portal:claim_receipt", args=[claim.pk]), f"ricevuta-pratica-{claim.pk}.pdf", b"%PDF-"),
        (reverse("portal:booking_receipt", args=[booking.pk]), f"ricevuta-prenotazione-{booking.pk}.pdf", b"%PDF-"),
    ]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_owner_downloads_files_and_receipts_privately_under_their_names(client, member):
    client.force_login(member.user)
    for url, name, start in downloads(member):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment") and name in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, no-store"
        assert body(response).startswith(start)


def test_another_member_gets_not_found_for_every_download(client, member, other_member):
    urls = [url for url, _name, _start in downloads(member)]
    client.force_login(other_member.user)
    for url in urls:
        assert client.get(url).status_code == 404, url


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def taken_claim(member, operator) -> tuple[Claim, str, str]:
    return taken(member, operator), "claim", "Si può annullare solo una pratica nello stato «Trasmessa»."


def taken_booking_of(member, operator) -> tuple[Booking, str, str]:
    booking = taken_booking(sent_booking(member), operator)
    return booking, "booking", "Si può annullare solo una prenotazione nello stato «Inviata»."


@pytest.mark.parametrize("make", [taken_claim, taken_booking_of])
def test_what_the_office_took_in_charge_can_no_longer_be_cancelled_and_the_member_reads_why(
    client, member, operator, make
):
    item, name, why = make(member, operator)
    client.force_login(member.user)
    url = reverse(f"portal:{name}_cancel", args=[item.pk])
    detail = reverse(f"portal:{name}_detail", args=[item.pk])
    asked = client.get(url, follow=True)
    assert asked.redirect_chain == [(detail, 302)] and why in asked.content.decode()
    posted = client.post(url)  # a confirmation page left open while the office took it in charge
    assert posted.status_code == 302 and posted["Location"] == detail
    assert len(messages_of(posted)) == 1 and "annullata" not in messages_of(posted)[0]
    item.refresh_from_db()
    assert item.status in (ClaimStatus.IN_REVIEW, BookingStatus.TAKEN)


def test_cancelling_a_sent_claim_confirms_then_tells_the_member(client, member):
    claim = sent_claim(member)
    client.force_login(member.user)
    url = reverse("portal:claim_cancel", args=[claim.pk])
    assert client.get(url).status_code == 200
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.SUBMITTED
    posted = client.post(url)
    assert posted["Location"] == reverse("portal:claim_detail", args=[claim.pk])
    assert messages_of(posted) == [f"Pratica {claim.pk} annullata."]
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.CANCELLED
