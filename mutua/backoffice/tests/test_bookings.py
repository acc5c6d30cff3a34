"""Direct-form bookings in the back office: worklist, review with the prescription, take in charge, refuse."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mutua.accounts.models import Role, User
from mutua.accounts.tests.factories import totp_enable
from mutua.audit.models import AuditEvent
from mutua.bookings.models import Booking, BookingAttachment, BookingEvent, BookingStatus
from mutua.bookings.tests.factories import sent_booking, taken_booking
from mutua.claims.tests import samples
from mutua.members.models import Member, RegionalOffice
from mutua.members.tests.factories import MemberFactory, UserFactory
from mutua.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def lombardia(regional_operator: User) -> RegionalOffice:
    return regional_operator.regional_office  # type: ignore[return-value]


@pytest.fixture
def admin_user(db) -> User:
    user = UserFactory(username="amministratore1", role=Role.ADMIN)
    totp_enable(user)
    return user


@pytest.fixture
def booking(member: Member, lombardia: RegionalOffice) -> Booking:
    member.regional_office = lombardia
    member.save(update_fields=["regional_office"])
    return sent_booking(member, files=[samples.pdf_upload("impegnativa.pdf")])


@pytest.fixture
def roman_booking(other_member: Member) -> Booking:
    other_member.regional_office = RegionalOffice.objects.create(
        code="LAZ", name="Sede regionale Lazio", region="Lazio", address="Via Po 1", phone="06 1", email="l@m.it"
    )
    other_member.save(update_fields=["regional_office"])
    return sent_booking(other_member, files=[samples.jpeg_upload("ricetta.jpg")])


def booking_pages(booking: Booking) -> list[str]:
    attachment = booking.attachments.first()
    assert attachment is not None
    return [
        reverse("backoffice:booking_review", args=[booking.pk]),
        reverse("backoffice:booking_take", args=[booking.pk]),
        reverse("backoffice:booking_refuse", args=[booking.pk]),
        reverse("backoffice:booking_attachment_inline", args=[attachment.pk]),
    ]


def take_data(booking: Booking, **overrides: str) -> dict[str, str]:
    day = booking.appointment_date
    assert day is not None
    data = {
        "authorization_code": "AUT-2026-123",
        "valid_from": day.isoformat(),
        "valid_until": (day + dt.timedelta(days=30)).isoformat(),
        "member_share": "15,50",
    }
    data.update(overrides)
    return data


# --- Who may see and do what ------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_login(client, booking):
    for url in [reverse("backoffice:booking_worklist"), *booking_pages(booking)]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == f"/backoffice/accesso/?next={url}", url
        assert client.post(url, take_data(booking)).status_code == 302
    assert Booking.objects.get().status == BookingStatus.SUBMITTED


def test_members_get_nothing_not_even_for_their_own_booking(client, member, booking):
    client.force_login(member.user)
    for url in [reverse("backoffice:booking_worklist"), *booking_pages(booking)]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert member.fiscal_code not in response.content.decode()
        assert client.post(url, take_data(booking)).status_code == 404
    assert Booking.objects.get().status == BookingStatus.SUBMITTED
    assert not AuditEvent.objects.filter(action__startswith="backoffice.").exists()


@pytest.mark.parametrize("persona", ["operator", "supervisor", "admin_user", "regional_operator"])
def test_every_staff_role_takes_a_booking_in_charge(client, request, persona, booking):
    client.force_login(request.getfixturevalue(persona))
    assert booking.member.full_name in client.get(reverse("backoffice:booking_worklist")).content.decode()
    assert client.get(reverse("backoffice:booking_review", args=[booking.pk])).status_code == 200
    response = client.post(reverse("backoffice:booking_take", args=[booking.pk]), take_data(booking))
    assert response.status_code == 302
    assert Booking.objects.get().status == BookingStatus.TAKEN


def test_regional_operator_sees_only_their_offices_bookings(client, regional_operator, booking, roman_booking):
    client.force_login(regional_operator)
    page = client.get(reverse("backoffice:booking_worklist")).content.decode()
    assert booking.member.full_name in page and roman_booking.member.full_name not in page
    for url in booking_pages(roman_booking):
        assert client.get(url).status_code == 404, url
        assert client.post(url, take_data(roman_booking)).status_code in (404, 405)  # the review page is GET only
    assert Booking.objects.get(pk=roman_booking.pk).status == BookingStatus.SUBMITTED


def test_drafts_are_never_shown_to_operators(client, operator, member):
    from mutua.bookings.tests.factories import draft_booking

    draft = draft_booking(member, files=[samples.pdf_upload()])
    client.force_login(operator)
    assert client.get(reverse("backoffice:booking_review", args=[draft.pk])).status_code == 404
    attachment = BookingAttachment.objects.get(booking=draft)
    assert client.get(reverse("backoffice:booking_attachment_inline", args=[attachment.pk])).status_code == 404
    assert client.get(reverse("backoffice:booking_take", args=[draft.pk])).status_code == 404


# --- Worklist -----------------------------------------------------------------------------------------------


def test_worklist_shows_sent_bookings_oldest_first_with_counts(client, operator, member, other_member):
    first = sent_booking(member)
    second = sent_booking(other_member)
    third = taken_booking(sent_booking(MemberFactory()), operator)
    client.force_login(operator)
    response = client.get(reverse("backoffice:booking_worklist"))
    rows = [b.pk for b in response.context["page"].object_list]
    assert rows == [first.pk, second.pk]
    counts = {value: n for value, _label, n in response.context["statuses"]}
    assert counts == {"submitted": 2, "taken": 1, "refused": 0, "cancelled": 0}
    taken = client.get(reverse("backoffice:booking_worklist"), {"stato": "taken"})
    assert [b.pk for b in taken.context["page"].object_list] == [third.pk]
    # A wrong or hostile status is no filter: the bookings to work.
    wrong = client.get(reverse("backoffice:booking_worklist"), {"stato": "<script>", "pagina": "x"})
    assert wrong.status_code == 200 and [b.pk for b in wrong.context["page"].object_list] == [first.pk, second.pk]


def test_worklist_runs_a_constant_number_of_queries(client, operator):
    client.force_login(operator)
    client.get("/")  # the first request of a session records it (usersessions)
    for _ in range(2):
        sent_booking(MemberFactory())
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("backoffice:booking_worklist")).status_code == 200
    for _ in range(6):
        sent_booking(MemberFactory())
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("backoffice:booking_worklist"))
    assert len(response.context["page"].object_list) == 8
    assert len(many) == len(few)


# --- Review and files ---------------------------------------------------------------------------------------


def test_review_shows_member_person_provider_visit_and_prescription_and_is_logged(client, operator, booking):
    client.force_login(operator)
    response = client.get(reverse("backoffice:booking_review", args=[booking.pk]))
    page = response.content.decode()
    for text in (
        booking.member.full_name,
        booking.member.code,
        "Poliambulatorio San Luca",
        "Visita specialistica",
        "Visita cardiologica",
        "Controllo",
        "impegnativa.pdf",
        booking.appointment_date.strftime("%d/%m/%Y"),
    ):
        assert text in page, text
    attachment = booking.attachments.get()
    assert reverse("backoffice:booking_attachment_inline", args=[attachment.pk]) in page
    event = AuditEvent.objects.get(action="backoffice.booking_view")
    assert event.actor == operator and event.member == booking.member and event.data == {"booking": booking.pk}


def test_review_runs_a_constant_number_of_queries(client, operator, member, lombardia):
    member.regional_office = lombardia
    member.save(update_fields=["regional_office"])
    client.force_login(operator)
    client.get("/")
    small = sent_booking(member, files=[samples.pdf_upload()])
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("backoffice:booking_review", args=[small.pk]))
    taken = taken_booking(sent_booking(member, files=[samples.pdf_upload(), samples.jpeg_upload()]), operator)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("backoffice:booking_review", args=[taken.pk])).status_code == 200
    assert len(many) == len(few)


def test_prescription_is_shown_inline_and_each_view_is_logged(client, operator, booking):
    attachment = booking.attachments.get()
    client.force_login(operator)
    response = client.get(reverse("backoffice:booking_attachment_inline", args=[attachment.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff" and "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    event = AuditEvent.objects.get(action="backoffice.booking_attachment_view")
    assert event.actor == operator and event.data == {"booking": booking.pk, "attachment": attachment.pk}


# --- Take in charge -----------------------------------------------------------------------------------------


def test_take_asks_first_then_records_the_authorization_and_the_member_reads_it(client, operator, member, booking):
    client.force_login(operator)
    url = reverse("backoffice:booking_take", args=[booking.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Codice di autorizzazione" in page.content.decode()
    assert Booking.objects.get().status == BookingStatus.SUBMITTED
    response = client.post(url, take_data(booking))
    assert response.status_code == 302 and response["Location"] == reverse(
        "backoffice:booking_review", args=[booking.pk]
    )
    taken = Booking.objects.get()
    assert taken.status == BookingStatus.TAKEN and taken.authorization_code == "AUT-2026-123"
    assert taken.member_share == Decimal("15.50")
    assert BookingEvent.objects.filter(booking=taken, to_status=BookingStatus.TAKEN, actor=operator).exists()
    assert Notification.objects.filter(member=member, title=f"Prenotazione n. {taken.pk} presa in carico").exists()

    client.force_login(member.user)
    mine = client.get(reverse("portal:booking_detail", args=[taken.pk])).content.decode()
    assert "AUT-2026-123" in mine and "€ 15,50" in mine
    assert f"dal {taken.valid_from:%d/%m/%Y} al {taken.valid_until:%d/%m/%Y}" in mine


def test_another_member_never_sees_the_authorization(client, operator, other_member, booking):
    taken_booking(booking, operator, code="SEGRETO-1")
    client.force_login(other_member.user)
    response = client.get(reverse("portal:booking_detail", args=[booking.pk]))
    assert response.status_code == 404 and "SEGRETO-1" not in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"authorization_code": ""}, "authorization_code", "Indica il codice di autorizzazione."),
        ({"authorization_code": "   "}, "authorization_code", "Indica il codice di autorizzazione."),
        ({"authorization_code": "X" * 41}, "authorization_code", "al massimo 40 caratteri"),
        ({"valid_from": ""}, "valid_from", "Indica la data."),
        ({"valid_until": "31/02/2026"}, "valid_until", "Scrivi una data valida, gg/mm/aaaa."),
        ({"valid_until": "2000-01-01"}, "valid_until", "La fine della validità non può precedere l'inizio."),
        ({"valid_from": "2099-01-01", "valid_until": "2099-02-01"}, "valid_from", "giorno della prestazione"),
        ({"member_share": "dieci euro"}, "member_share", "Scrivi un importo in euro"),
        ({"member_share": "-5"}, "member_share", "Scrivi un importo in euro"),
        ({"member_share": ""}, "member_share", "Indica l'importo."),
        ({"member_share": "1" * 5000}, "member_share", "Scrivi un importo in euro"),
    ],
)
def test_take_form_errors_are_italian_next_to_the_field_and_nothing_is_saved(
    client, operator, booking, overrides, field, message
):
    client.force_login(operator)
    response = client.post(reverse("backoffice:booking_take", args=[booking.pk]), take_data(booking, **overrides))
    assert response.status_code == 400
    assert any(message in e for e in response.context["form"].errors[field]), response.context["form"].errors
    assert f'id="id_{field}-error"' in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.SUBMITTED and booking.authorization_code == ""
    assert not BookingEvent.objects.filter(to_status=BookingStatus.TAKEN).exists()
    assert not Notification.objects.filter(title__contains="presa in carico").exists()


def test_taking_a_booking_already_decided_is_a_message_not_an_error_page(client, operator, supervisor, booking):
    taken_booking(booking, supervisor, code="PRIMO")
    client.force_login(operator)
    response = client.post(reverse("backoffice:booking_take", args=[booking.pk]), take_data(booking), follow=True)
    assert response.status_code == 200
    assert "presa in carico: non può passare" in response.content.decode()
    assert Booking.objects.get().authorization_code == "PRIMO"


def test_a_cancelled_booking_offers_no_action(client, operator, member, booking):
    from mutua.bookings import services

    services.booking_cancel(booking=booking, actor=member.user)
    client.force_login(operator)
    page = client.get(reverse("backoffice:booking_review", args=[booking.pk]))
    assert page.context["may_decide"] is False
    assert reverse("backoffice:booking_take", args=[booking.pk]) not in page.content.decode()


# --- Refuse ---------------------------------------------------------------------------------------------------


def test_refuse_needs_a_reason_the_member_reads(client, operator, member, booking):
    client.force_login(operator)
    url = reverse("backoffice:booking_refuse", args=[booking.pk])
    for bad in ("", "   ", "x" * 1001):
        response = client.post(url, {"reason": bad})
        assert response.status_code == 400
        assert response.context["form"].errors["reason"]
        assert 'id="id_reason-error"' in response.content.decode()
    assert Booking.objects.get().status == BookingStatus.SUBMITTED
    response = client.post(url, {"reason": "Prestazione non coperta dal piano"})
    assert response.status_code == 302
    assert Booking.objects.get().status == BookingStatus.REFUSED

    client.force_login(member.user)
    mine = client.get(reverse("portal:booking_detail", args=[booking.pk])).content.decode()
    assert "Prenotazione non presa in carico" in mine and "Prestazione non coperta dal piano" in mine


def test_refuse_escapes_hostile_text(client, operator, member, booking):
    client.force_login(operator)
    client.post(reverse("backoffice:booking_refuse", args=[booking.pk]), {"reason": "<script>alert(1)</script>"})
    client.force_login(member.user)
    mine = client.get(reverse("portal:booking_detail", args=[booking.pk])).content.decode()
    assert "<script>alert(1)</script>" not in mine and "&lt;script&gt;" in mine
