"""Booking services: the draft, the two steps, the idempotent submission, the status moves and their notices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from mutua.audit.models import AuditEvent
from mutua.bookings import services
from mutua.bookings.models import Booking, BookingAttachment, BookingEvent, BookingStatus
from mutua.bookings.rules import earliest_appointment
from mutua.bookings.tests.factories import appointment_day, draft_booking, sent_booking, taken_booking
from mutua.claims.tests import samples
from mutua.notifications.models import Notification
from mutua.providers.tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db
S = BookingStatus


def details(member, **overrides):
    values = {
        "beneficiary": None,
        "email": "altro@example.org",
        "phone": "333 7654321",
        "appointment_date": appointment_day(),
        "appointment_time": dt.time(10, 0),
        "provider": ProviderFactory(direct_form=True),
        "notes": "Secondo piano",
    }
    values.update(overrides)
    return services.BookingDetails(**values)


# --- booking_draft_start ---


def test_draft_starts_with_the_contacts_of_dati_anagrafici_and_is_reused(member):
    draft = services.booking_draft_start(member=member, actor=member.user)
    assert draft.status == S.DRAFT and draft.email == member.email
    assert draft.phone == (member.mobile.as_national if member.mobile else "")
    assert services.booking_draft_start(member=member, actor=member.user).pk == draft.pk


# --- booking_set_details ---


def test_details_are_saved_for_a_family_member_with_contacts_for_this_request_only(member):
    draft = services.booking_draft_start(member=member, actor=member.user)
    child = member.beneficiaries.get()
    saved = services.booking_set_details(booking=draft, actor=member.user, details=details(member, beneficiary=child))
    assert saved.beneficiary == child and saved.email == "altro@example.org"
    member.refresh_from_db()
    assert member.email != "altro@example.org"  # Dati anagrafici untouched


def test_an_appointment_too_close_is_refused_with_the_earliest_date(member):
    draft = services.booking_draft_start(member=member, actor=member.user)
    today = timezone.localdate()
    too_early = earliest_appointment(today) - dt.timedelta(days=1)
    with pytest.raises(services.BookingError) as failure:
        services.booking_set_details(
            booking=draft, actor=member.user, details=details(member, appointment_date=too_early)
        )
    assert earliest_appointment(today).strftime("%d/%m/%Y") in failure.value.message
    assert "due giorni lavorativi" in failure.value.message
    draft.refresh_from_db()
    assert draft.provider is None


def test_a_provider_without_direct_form_is_refused(member):
    draft = services.booking_draft_start(member=member, actor=member.user)
    with pytest.raises(services.BookingError):
        services.booking_set_details(
            booking=draft, actor=member.user, details=details(member, provider=ProviderFactory(direct_form=False))
        )


def test_another_members_family_member_is_refused(member, other_member):
    from mutua.members.tests.factories import BeneficiaryFactory

    stranger = BeneficiaryFactory(member=other_member)
    draft = services.booking_draft_start(member=member, actor=member.user)
    with pytest.raises(services.BookingError):
        services.booking_set_details(booking=draft, actor=member.user, details=details(member, beneficiary=stranger))


# --- booking_set_service ---


def test_carica_documento_stores_the_prescription(member):
    booking = draft_booking(member, files=[samples.pdf_upload("ricetta.pdf")])
    [attachment] = booking.attachments.all()
    assert attachment.original_name == "ricetta.pdf" and attachment.content_type == "application/pdf"
    assert "ricetta" not in attachment.file.name  # random storage name


def test_a_bad_file_saves_nothing(member):
    draft = services.booking_draft_start(member=member, actor=member.user)
    with pytest.raises(services.FilesRejected):
        services.booking_set_service(
            booking=draft,
            actor=member.user,
            visit_type="lab",
            description="Esami",
            diagnosis="Controllo",
            files=[samples.pdf_upload("buona.pdf"), samples.fake_pdf_upload("virus.pdf")],
        )
    draft.refresh_from_db()
    assert draft.visit_type == "" and not BookingAttachment.objects.exists()


# --- booking_submit ---


def test_submit_twice_sends_one_booking_with_one_event_and_one_notification(member):
    draft = draft_booking(member)
    first = services.booking_submit(member=member, token=draft.token, actor=member.user)
    again = services.booking_submit(member=member, token=str(draft.token), actor=member.user)
    assert first.booking.pk == again.booking.pk and again.repeated and not first.repeated
    assert Booking.objects.get().status == S.SUBMITTED
    assert BookingEvent.objects.count() == 1
    assert Notification.objects.filter(member=member).count() == 1
    assert AuditEvent.objects.filter(action="booking.status").count() == 1


def test_submit_checks_the_rule_again_on_the_day_of_sending(member):
    draft = draft_booking(member)
    late = draft.appointment_date - dt.timedelta(days=1)
    with pytest.raises(services.BookingError, match="due giorni lavorativi"):
        services.booking_submit(member=member, token=draft.token, actor=member.user, today=late)
    assert Booking.objects.get().status == S.DRAFT


def test_submit_needs_both_steps(member):
    draft = services.booking_draft_start(member=member, actor=member.user)
    with pytest.raises(services.BookingError, match="dati preliminari"):
        services.booking_submit(member=member, token=draft.token, actor=member.user)
    services.booking_set_details(booking=draft, actor=member.user, details=details(member))
    with pytest.raises(services.BookingError, match="Carica documento"):
        services.booking_submit(member=member, token=draft.token, actor=member.user)


def test_another_members_token_sends_nothing(member, other_member):
    draft = draft_booking(member)
    with pytest.raises(services.BookingError):
        services.booking_submit(member=other_member, token=draft.token, actor=other_member.user)
    assert Booking.objects.get().status == S.DRAFT


def test_a_sent_booking_cannot_be_edited(member):
    booking = sent_booking(member)
    with pytest.raises(services.BookingError):
        services.booking_set_details(booking=booking, actor=member.user, details=details(member))


# --- transitions ---


def test_member_cancels_while_inviata_and_is_told(member):
    booking = sent_booking(member)
    mail.outbox.clear()
    cancelled = services.booking_cancel(booking=booking, actor=member.user)
    assert cancelled.status == S.CANCELLED
    assert Notification.objects.filter(member=member, title=f"Prenotazione n. {booking.pk} annullata").exists()
    assert len(mail.outbox) == 1 and "annullata" in mail.outbox[0].body


def test_member_cannot_cancel_once_taken_in_charge(member, operator):
    booking = taken_booking(sent_booking(member), operator)
    with pytest.raises(services.BookingError, match="Inviata"):
        services.booking_cancel(booking=booking, actor=member.user)
    assert Booking.objects.get().status == S.TAKEN


def test_cancel_checks_the_status_as_stored_not_as_the_page_saw_it(member, operator):
    """The member's page was loaded while "Inviata"; the office took it in charge before "Annulla" arrived."""
    page_copy = sent_booking(member)
    taken_booking(Booking.objects.get(pk=page_copy.pk), operator)
    assert page_copy.status == S.SUBMITTED  # what the member's page saw
    with pytest.raises(services.BookingError, match="Inviata"):
        services.booking_cancel(booking=page_copy, actor=member.user)
    assert Booking.objects.get().status == S.TAKEN


def test_refuse_needs_a_reason_the_member_reads_but_emails_do_not_carry(member, operator):
    booking = sent_booking(member)
    with pytest.raises(services.BookingError):
        services.booking_refuse(booking=booking, actor=operator, reason="  ")
    mail.outbox.clear()
    services.booking_refuse(booking=booking, actor=operator, reason="Prestazione non coperta dal piano")
    notice = Notification.objects.filter(member=member).order_by("-pk").first()
    assert "Prestazione non coperta" in notice.body
    assert "Prestazione non coperta" not in mail.outbox[0].body
    assert "Visita cardiologica" not in mail.outbox[0].body and "Controllo" not in mail.outbox[0].body


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([S.TAKEN, S.CANCELLED], S.TAKEN),
        ([S.REFUSED], S.TAKEN),
        ([S.CANCELLED], S.SUBMITTED),
    ],
)
def test_final_statuses_stay_final(member, operator, path, refused):
    booking = sent_booking(member)
    for status in path:
        booking = services.booking_transition(booking=booking, to_status=status, actor=operator, note="x")
    with pytest.raises(services.InvalidTransition):
        services.booking_transition(booking=booking, to_status=refused, actor=operator)
    assert list(BookingEvent.objects.values_list("to_status", flat=True)) == [S.SUBMITTED, *path]


# --- presa in carico with the authorization ---


def test_take_in_charge_records_the_authorization_and_tells_the_member(member, operator):
    booking = sent_booking(member)
    day = booking.appointment_date
    taken = services.booking_take_in_charge(
        booking=booking,
        actor=operator,
        authorization_code="  AUT 77  ",
        valid_from=day,
        valid_until=day + dt.timedelta(days=30),
        member_share=Decimal("12.5"),
    )
    taken.refresh_from_db()
    assert taken.status == S.TAKEN and taken.authorization_code == "AUT 77"
    assert (taken.valid_from, taken.valid_until, taken.member_share) == (
        day,
        day + dt.timedelta(days=30),
        Decimal("12.50"),
    )
    assert BookingEvent.objects.filter(booking=taken, to_status=S.TAKEN, actor=operator).exists()
    assert AuditEvent.objects.filter(action="booking.status", actor=operator, member=member).exists()
    assert Notification.objects.filter(member=member, title=f"Prenotazione n. {taken.pk} presa in carico").exists()


@pytest.mark.parametrize(
    ("code", "start", "end", "share", "message"),
    [
        ("   ", 0, 1, "0", "codice di autorizzazione"),
        ("X" * 41, 0, 1, "0", "al massimo 40"),
        ("AUT", 1, 0, "0", "non può precedere"),
        ("AUT", 1, 5, "0", "giorno della prestazione"),
        ("AUT", -5, -1, "0", "giorno della prestazione"),
        ("AUT", 0, 1, "-1", "importo"),
    ],
)
def test_take_in_charge_refuses_a_wrong_authorization_and_changes_nothing(
    member, operator, code, start, end, share, message
):
    booking = sent_booking(member)
    day = booking.appointment_date
    with pytest.raises(services.BookingError, match=message):
        services.booking_take_in_charge(
            booking=booking,
            actor=operator,
            authorization_code=code,
            valid_from=day + dt.timedelta(days=start),
            valid_until=day + dt.timedelta(days=end),
            member_share=Decimal(share),
        )
    booking.refresh_from_db()
    assert booking.status == S.SUBMITTED and booking.authorization_code == "" and booking.valid_from is None
    assert not BookingEvent.objects.filter(to_status=S.TAKEN).exists()


def test_a_refused_booking_cannot_be_taken_in_charge(member, operator):
    booking = sent_booking(member)
    services.booking_refuse(booking=booking, actor=operator, reason="Non coperta")
    with pytest.raises(services.InvalidTransition):
        taken_booking(booking, operator)
    booking.refresh_from_db()
    assert booking.status == S.REFUSED and booking.authorization_code == ""
