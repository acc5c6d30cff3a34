"""Bookings built through the services, as a member makes them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from mutua.bookings import services
from mutua.bookings.models import Booking
from mutua.bookings.rules import earliest_appointment
from mutua.members.models import Beneficiary, Member
from mutua.providers.models import Provider
from mutua.providers.tests.factories import ProviderFactory


def appointment_day(days_after_earliest: int = 7) -> dt.date:
    return earliest_appointment(timezone.localdate()) + dt.timedelta(days=days_after_earliest)


def draft_booking(
    member: Member,
    *,
    provider: Provider | None = None,
    beneficiary: Beneficiary | None = None,
    files: list | None = None,
) -> Booking:
    """A draft with steps 1 and 2 done: ready for "Invio prenotazione"."""
    draft = services.booking_draft_start(member=member, actor=member.user)
    details = services.BookingDetails(
        beneficiary=beneficiary,
        email=member.email or "socio@example.org",
        phone="333 1234567",
        appointment_date=appointment_day(),
        appointment_time=dt.time(9, 30),
        provider=provider or ProviderFactory(name="Poliambulatorio San Luca", direct_form=True),
        notes="",
    )
    draft = services.booking_set_details(booking=draft, actor=member.user, details=details)
    return services.booking_set_service(
        booking=draft,
        actor=member.user,
        visit_type="specialist",
        description="Visita cardiologica",
        diagnosis="Controllo",
        files=files or [],
    )


def sent_booking(member: Member, **kwargs: object) -> Booking:
    draft = draft_booking(member, **kwargs)  # type: ignore[arg-type]
    return services.booking_submit(member=member, token=draft.token, actor=member.user).booking


def taken_booking(booking: Booking, operator: object, *, code: str = "AUT-2026-0001") -> Booking:
    """A presa in carico valid from the day before to the day after the appointment, € 25,00 left to the member."""
    assert booking.appointment_date is not None  # noqa: S101
    return services.booking_take_in_charge(
        booking=booking,
        actor=operator,  # type: ignore[arg-type]
        authorization_code=code,
        valid_from=booking.appointment_date - dt.timedelta(days=1),
        valid_until=booking.appointment_date + dt.timedelta(days=1),
        member_share=Decimal("25.00"),
    )
