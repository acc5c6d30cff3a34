"""Prenota through the portal: the three steps, errors beside the fields, the summary, Lista pratiche, access."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mutua.bookings import services
from mutua.bookings.models import Booking, BookingAttachment, BookingStatus
from mutua.bookings.rules import earliest_appointment
from mutua.bookings.tests.factories import appointment_day, draft_booking, sent_booking, taken_booking
from mutua.claims.tests import samples
from mutua.providers.tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def start(client) -> Booking:
    response = client.post(reverse("portal:booking_start"))
    assert response.status_code == 302
    return Booking.objects.get(pk=int(response["Location"].strip("/").split("/")[-1]))


def details_post(chosen, **overrides):
    values = {
        "holder": "socio",
        "email": "prenota@example.org",
        "phone": "333 1234567",
        "appointment_date": appointment_day().isoformat(),
        "appointment_time": "09:30",
        "provider_province": chosen.province,
        "provider": str(chosen.pk),
        "notes": "",
    }
    values.update(overrides)
    return values


def service_post(**overrides):
    values = {"visit_type": "specialist", "description": "Visita", "diagnosis": "Controllo", "files": []}
    values.update(overrides)
    return values


def test_the_opening_page_shows_the_instructions_and_the_earliest_date(client, member):
    client.force_login(member.user)
    page = client.get(reverse("portal:booking_start")).content.decode()
    assert "Istruzioni sul servizio di prenotazione" in page
    assert "almeno due giorni lavorativi" in page
    assert earliest_appointment(timezone.localdate()).strftime("%d/%m/%Y") in page


def test_a_complete_booking_for_a_family_member(client, member):
    provider = ProviderFactory(name="Centro Medico Sole", province="TO", city="Torino", direct_form=True)
    ProviderFactory(name="Altro fuori provincia", province="MI", direct_form=True)
    child = member.beneficiaries.get()
    client.force_login(member.user)
    draft = start(client)
    page = client.get(reverse("portal:booking_draft", args=[draft.pk])).content.decode()
    assert member.email in page  # prefilled from Dati anagrafici
    response = client.post(
        reverse("portal:booking_details", args=[draft.pk]), details_post(provider, holder=str(child.pk))
    )
    assert response.status_code == 302
    response = client.post(
        reverse("portal:booking_document", args=[draft.pk]),
        service_post(files=[samples.jpeg_upload("ricetta.jpg")]),
    )
    assert response.status_code == 302
    page = client.get(reverse("portal:booking_draft", args=[draft.pk])).content.decode()
    assert "ricetta.jpg" in page and "Invia prenotazione" in page
    summary = client.get(reverse("portal:booking_submit", args=[draft.pk])).content.decode()
    assert f"{child.first_name} {child.last_name}" in summary and "Centro Medico Sole" in summary
    assert "Invio prenotazione" in summary and "Annulla" in summary
    for _ in range(2):  # a double click
        response = client.post(reverse("portal:booking_submit", args=[draft.pk]), {"token": str(draft.token)})
        assert response["Location"] == reverse("portal:booking_detail", args=[draft.pk])
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.SUBMITTED and booking.beneficiary == child
    assert booking.email == "prenota@example.org"
    detail = client.get(reverse("portal:booking_detail", args=[booking.pk])).content.decode()
    assert "Inviata" in detail and "Annulla la prenotazione" in detail
    receipt = client.get(reverse("portal:booking_receipt", args=[booking.pk]))
    assert receipt["Content-Type"] == "application/pdf" and receipt["X-Content-Type-Options"] == "nosniff"


def test_a_too_early_date_is_refused_beside_the_field_with_the_explanation(client, member):
    provider = ProviderFactory(direct_form=True)
    client.force_login(member.user)
    draft = start(client)
    too_early = earliest_appointment(timezone.localdate()) - dt.timedelta(days=1)
    response = client.post(
        reverse("portal:booking_details", args=[draft.pk]),
        details_post(provider, appointment_date=too_early.isoformat()),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_appointment_date-error"' in page
    assert "almeno due giorni lavorativi prima" in page
    assert earliest_appointment(timezone.localdate()).strftime("%d/%m/%Y") in page
    draft.refresh_from_db()
    assert draft.provider is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "", "Indica un indirizzo email."),
        ("email", "non-una-email", "Indica un indirizzo email valido."),
        ("appointment_date", "", "Indica la data dell&#x27;appuntamento"),
        ("appointment_date", "31/02/2027", "Inserisci una data valida"),
        ("appointment_time", "25:99", "Inserisci un orario valido"),
        ("phone", "<script>", "Indica un numero di telefono valido"),
        ("provider", "", "Scegli la struttura convenzionata"),
        ("notes", "x" * 1001, "più di 1000 caratteri"),
    ],
)
def test_bad_details_are_marked_and_nothing_is_saved(client, member, field, value, message):
    provider = ProviderFactory(direct_form=True)
    client.force_login(member.user)
    draft = start(client)
    response = client.post(reverse("portal:booking_details", args=[draft.pk]), details_post(provider, **{field: value}))
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and f'id="id_{field}-error"' in page
    draft.refresh_from_db()
    assert draft.provider is None and draft.appointment_date is None


def test_a_provider_of_another_province_or_without_direct_form_cannot_be_chosen(client, member):
    rome = ProviderFactory(province="RM", direct_form=True)
    indirect = ProviderFactory(province="MI", direct_form=False)
    client.force_login(member.user)
    draft = start(client)
    for chosen in (rome, indirect):
        response = client.post(
            reverse("portal:booking_details", args=[draft.pk]), details_post(chosen, provider_province="MI")
        )
        assert response.status_code == 400
        assert "Scegli una struttura della provincia indicata." in response.content.decode()


def test_the_provider_list_follows_the_province_without_javascript_and_saves_nothing(client, member):
    ProviderFactory(name="Struttura di Torino", province="TO", direct_form=True)
    ProviderFactory(name="Struttura di Milano", province="MI", direct_form=True)
    client.force_login(member.user)
    draft = start(client)
    response = client.post(
        reverse("portal:booking_details", args=[draft.pk]),
        {"aggiorna": "1", "provider_province": "TO", "email": "x@example.org", "notes": "tenuta"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Struttura di Torino" in page and "Struttura di Milano" not in page and "tenuta" in page
    draft.refresh_from_db()
    assert draft.notes == ""


def test_the_provider_options_endpoint_lists_direct_form_providers_of_a_province(client, member):
    ProviderFactory(name="Diretta", province="TO", direct_form=True)
    ProviderFactory(name="Indiretta", province="TO", direct_form=False)
    client.force_login(member.user)
    data = client.get(reverse("portal:booking_provider_options"), {"provincia": "to"}).json()
    assert [p["label"].split(" – ")[0] for p in data["providers"]] == ["Diretta"]
    assert client.get(reverse("portal:booking_provider_options")).json() == {"providers": []}


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (samples.fake_pdf_upload, "virus.pdf"),
        (lambda: SimpleUploadedFile("vuoto.pdf", b""), "vuoto"),
        (lambda: SimpleUploadedFile("enorme.pdf", b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024 + 10)), "supera"),
    ],
)
def test_bad_prescriptions_are_refused_beside_the_field_and_nothing_is_saved(client, member, upload, message):
    client.force_login(member.user)
    draft = start(client)
    response = client.post(reverse("portal:booking_document", args=[draft.pk]), service_post(files=[upload()]))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_files-error"' in page and message in page
    assert not BookingAttachment.objects.exists()
    draft.refresh_from_db()
    assert draft.visit_type == ""


def test_a_bad_prescription_is_reported_together_with_the_missing_fields(client, member):
    """Every error at once: the refused file beside its field with the others, not after they are fixed."""
    client.force_login(member.user)
    draft = start(client)
    response = client.post(
        reverse("portal:booking_document", args=[draft.pk]),
        service_post(visit_type="", description="", files=[samples.fake_pdf_upload()]),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Scegli il tipo di visita." in page and "Descrivi la prestazione." in page
    assert 'id="id_files-error"' in page and "virus.pdf" in page
    assert not BookingAttachment.objects.exists()


def test_missing_service_fields_are_marked(client, member):
    client.force_login(member.user)
    draft = start(client)
    response = client.post(
        reverse("portal:booking_document", args=[draft.pk]), service_post(visit_type="", description="", diagnosis="")
    )
    page = response.content.decode()
    assert "Scegli il tipo di visita." in page and "Descrivi la prestazione." in page and "Indica la diagnosi." in page


def test_hostile_text_is_shown_escaped(client, member):
    client.force_login(member.user)
    draft = draft_booking(member)
    client.post(
        reverse("portal:booking_document", args=[draft.pk]), service_post(description="<script>alert(1)</script>")
    )
    page = client.get(reverse("portal:booking_draft", args=[draft.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_cancel_is_confirm_then_act_and_only_while_inviata(client, member, operator):
    booking = sent_booking(member)
    client.force_login(member.user)
    url = reverse("portal:booking_cancel", args=[booking.pk])
    assert "Vuoi annullare la prenotazione" in client.get(url).content.decode()
    assert Booking.objects.get().status == BookingStatus.SUBMITTED
    client.post(url)
    assert Booking.objects.get().status == BookingStatus.CANCELLED
    other = taken_booking(sent_booking(member), operator)
    client.post(reverse("portal:booking_cancel", args=[other.pk]))
    assert Booking.objects.get(pk=other.pk).status == BookingStatus.TAKEN


def test_bookings_appear_in_lista_pratiche_with_their_status_in_constant_queries(client, member, operator):
    client.force_login(member.user)
    first = sent_booking(member)
    taken_booking(first, operator)
    client.get(reverse("portal:claim_list"))
    with CaptureQueriesContext(connection) as few:
        page = client.get(reverse("portal:claim_list")).content.decode()
    assert page.count('data-testid="prenotazione"') == 1 and "Presa in carico" in page
    child = member.beneficiaries.get()
    for n in range(5):
        booking = sent_booking(member, beneficiary=child if n % 2 else None, provider=ProviderFactory(name=f"P{n}"))
        if n == 0:
            services.booking_refuse(booking=booking, actor=operator, reason="Non coperta")
    client.get(reverse("portal:claim_list"))  # the bell's count is cached: both measured with it cached
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("portal:claim_list")).content.decode()
    assert page.count('data-testid="prenotazione"') == 6
    assert "Rifiutata" in page and "Inviata" in page and "Forma diretta" in page
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
    filtered = client.get(reverse("portal:claim_list"), {"stato": "paid"}).content.decode()
    assert 'data-testid="prenotazione"' not in filtered


def test_other_member_and_anonymous_never_reach_a_booking(client, member, other_member):
    draft = draft_booking(member, files=[samples.pdf_upload("ricetta.pdf")])
    attachment = draft.attachments.get()
    draft_urls = [
        ("get", reverse("portal:booking_draft", args=[draft.pk])),
        ("post", reverse("portal:booking_details", args=[draft.pk])),
        ("post", reverse("portal:booking_document", args=[draft.pk])),
        ("post", reverse("portal:booking_attachment_remove", args=[draft.pk, attachment.pk])),
        ("get", reverse("portal:booking_submit", args=[draft.pk])),
        ("post", reverse("portal:booking_submit", args=[draft.pk])),
    ]
    client.force_login(other_member.user)
    for method, url in draft_urls:
        data = {"token": str(draft.token)} if method == "post" else None
        assert getattr(client, method)(url, data).status_code == 404, url
    services.booking_submit(member=member, token=draft.token, actor=member.user)
    sent_urls = [
        reverse("portal:booking_detail", args=[draft.pk]),
        reverse("portal:booking_cancel", args=[draft.pk]),
        reverse("portal:booking_receipt", args=[draft.pk]),
        reverse("portal:booking_attachment", args=[attachment.pk]),
    ]
    for url in sent_urls:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("portal:booking_cancel", args=[draft.pk])).status_code == 404
    assert Booking.objects.get().status == BookingStatus.SUBMITTED
    assert 'data-testid="prenotazione"' not in client.get(reverse("portal:claim_list")).content.decode()
    client.logout()
    for _method, url in [*draft_urls, *(("get", u) for u in sent_urls)]:
        response = client.get(url)
        assert response.status_code in (302, 405) and "/accounts/login/" in response.get("Location", "/accounts/login/")


def test_the_owner_downloads_the_prescription_as_an_attachment(client, member):
    booking = sent_booking(member, files=[samples.pdf_upload("ricetta.pdf")])
    client.force_login(member.user)
    response = client.get(reverse("portal:booking_attachment", args=[booking.attachments.get().pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment") and response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
