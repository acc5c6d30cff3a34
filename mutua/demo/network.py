"""The demo's network: provider categories and providers in every province, regional offices, plans, the back
office's staff, and the named members' bookings at affiliated providers."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from django.db import transaction

from mutua.accounts.models import Role, User
from mutua.core.provinces import Province
from mutua.demo import names
from mutua.demo.catalogue import (
    OPERATOR_PASSWORD,
    OPERATOR_USERNAME,
    PLANS,
    SUPERVISOR_PASSWORD,
    SUPERVISOR_USERNAME,
    _coverage_rules,
)
from mutua.demo.drawing import _BuilderBase, _slug
from mutua.demo.specs import _Household
from mutua.members.models import RegionalOffice
from mutua.plans.models import Plan
from mutua.providers.models import Category, Provider, search_key
from mutua.providers.selectors import providers_cache_forget


def _coordinate(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


def _distance(a: Province, b: Province) -> float:
    """Good enough for 'nearest office': an equirectangular distance in degrees."""
    return math.hypot(a.lat - b.lat, (a.lon - b.lon) * math.cos(math.radians((a.lat + b.lat) / 2)))


class _Network(_BuilderBase):
    """Categories, offices and plans are found or created (bench/seed.py borrows them too); providers, staff and
    bookings are new rows."""

    def _categories(self) -> dict[str, Category]:
        result = {}
        for slug, name in names.CATEGORIES:
            result[slug], _ = Category.objects.get_or_create(slug=slug, defaults={"name": name})
        return result

    def _providers(self) -> None:
        rng = self.rng
        rows: list[Provider] = []
        offered: list[tuple[str, ...]] = []
        for province in self.provinces.values():
            extra = rng.sample(names.PROVIDER_KINDS[3:], rng.randint(0, 4))
            for pattern, slugs in (*names.PROVIDER_KINDS[:3], *extra):
                female = rng.random() < 0.5
                first = rng.choice(names.FEMALE_NAMES if female else names.MALE_NAMES)
                surname = rng.choice(names.SURNAMES)
                name = pattern.format(
                    saint=rng.choice(names.SAINTS),
                    villa=rng.choice(names.VILLAS),
                    place=rng.choice(names.PLACES),
                    doctor=f"{'Dott.ssa' if female else 'Dott.'} {first} {surname}",
                    surname=surname,
                )
                rows.append(
                    Provider(
                        name=name,
                        name_search=search_key(name),
                        address=f"{rng.choice(names.STREETS)} {rng.randint(1, 180)}",
                        city=province.capital,
                        province=province.code,
                        latitude=_coordinate(province.lat + rng.uniform(-0.04, 0.04)),
                        longitude=_coordinate(province.lon + rng.uniform(-0.05, 0.05)),
                        phone=f"0{rng.randint(10, 99)} {rng.randint(100000, 9999999)}",
                        direct_form=rng.random() < 0.6,
                    )
                )
                offered.append(slugs)
                self.providers.setdefault(province.code, []).append((name, slugs))
        Provider.objects.bulk_create(rows)
        through = Provider.categories.through
        through.objects.bulk_create(
            [
                through(provider_id=provider.pk, category_id=self.categories[slug].pk)
                for provider, slugs in zip(rows, offered, strict=True)
                for slug in slugs
            ]
        )
        # Bulk writes send no signals: the map's cached answers go explicitly, now and once the demo commits.
        providers_cache_forget()
        transaction.on_commit(providers_cache_forget)

    def _offices(self) -> dict[str, RegionalOffice]:
        """The office of each province: the one of its region, else the nearest."""
        by_region: dict[str, tuple[RegionalOffice, Province]] = {}
        for region, code, sigla, street, phone in names.REGIONAL_OFFICES:
            seat = self.provinces[sigla]
            office, _ = RegionalOffice.objects.get_or_create(
                code=code,
                defaults={
                    "name": f"Sede regionale {region}",
                    "region": region,
                    "address": f"{street}, {names.CAPITAL_CAP[sigla]} {seat.capital} ({sigla})",
                    "phone": phone,
                    "email": f"{_slug(region)}@mutua.example",
                    "opening_hours": "Lunedì–venerdì 9:00–13:00 e 14:30–17:00",
                },
            )
            by_region[region] = (office, seat)
        result = {}
        for province in self.provinces.values():
            if province.region in by_region:
                result[province.code] = by_region[province.region][0]
            else:
                result[province.code] = min(by_region.values(), key=lambda o: _distance(province, o[1]))[0]
        return result

    def _plans(self) -> dict[str, Plan]:
        result = {}
        for terms in PLANS:
            result[terms.code], _ = Plan.objects.get_or_create(
                code=terms.code,
                defaults={
                    "name": terms.name,
                    "description": terms.description,
                    "yearly_fee": terms.yearly_fee,
                    "family_fee": terms.family_fee,
                    **_coverage_rules(terms),
                },
            )
        return result

    def _staff(self) -> tuple[User, User]:
        operator = User.objects.create_user(
            username=OPERATOR_USERNAME,
            password=OPERATOR_PASSWORD,
            email="operatore@mutua.example",
            first_name="Laura",
            last_name="Conti",
            role=Role.OPERATOR,
        )
        supervisor = User.objects.create_superuser(
            username=SUPERVISOR_USERNAME,
            password=SUPERVISOR_PASSWORD,
            email="supervisore@mutua.example",
            first_name="Stefano",
            last_name="Marchetti",
            role=Role.SUPERVISOR,
        )
        return operator, supervisor

    def _bookings(self, households: list[_Household]) -> None:
        """Prenota: for each named account, one request taken in charge and one sent, for the last family member
        when there is one; written as history (no messages sent), like the demo claims."""
        from mutua.bookings.models import Booking, BookingEvent, BookingStatus, VisitType
        from mutua.bookings.rules import earliest_appointment

        for household in households:
            provider = (
                Provider.objects.filter(province=household.province.code, direct_form=True).order_by("pk").first()
            )
            if provider is None:
                continue
            patient = household.beneficiaries[-1] if household.beneficiaries else None
            sent_at = self._at(self.today - dt.timedelta(days=6))
            for status, days, visit in (
                (BookingStatus.TAKEN, 5, VisitType.DIAGNOSTIC),
                (BookingStatus.SUBMITTED, 12, VisitType.SPECIALIST),
            ):
                appointment = earliest_appointment(sent_at.date()) + dt.timedelta(days=days)
                booking = Booking.objects.create(
                    member=household.member,
                    beneficiary=patient if status == BookingStatus.SUBMITTED else None,
                    status=status,
                    email=household.member.email,
                    appointment_date=appointment,
                    appointment_time=dt.time(9 + days % 8, 30),
                    provider=provider,
                    visit_type=visit,
                    description=str(visit.label),
                    diagnosis="Controllo",
                    submitted_at=sent_at,
                    created_at=sent_at,
                )
                if status == BookingStatus.TAKEN:  # the office's answer, as the member reads it
                    booking.authorization_code = f"AUT-{appointment:%Y}-{booking.pk:06d}"
                    booking.valid_from, booking.valid_until = appointment, appointment + dt.timedelta(days=30)
                    booking.member_share = Decimal("25.00")
                    booking.save(update_fields=["authorization_code", "valid_from", "valid_until", "member_share"])
                BookingEvent.objects.create(
                    booking=booking, actor=household.user, to_status=BookingStatus.SUBMITTED, created_at=sent_at
                )
                if status == BookingStatus.TAKEN:
                    BookingEvent.objects.create(
                        booking=booking,
                        actor=self.operator,
                        from_status=BookingStatus.SUBMITTED,
                        to_status=BookingStatus.TAKEN,
                        created_at=sent_at + dt.timedelta(hours=3),
                    )
