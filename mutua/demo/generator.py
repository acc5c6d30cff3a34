"""The demo dataset: a coherent Italian mutual drawn from a fixed seed, loaded by `manage.py demo`.

The same seed on the same day gives the same rows (names, codici fiscali, IBANs, amounts, dates, file
contents); only primary keys, password hashes and random storage names differ. Rows go in with
bulk_create; claim histories are replayed through `claim_transition`, as real ones are made.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import random
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from codicefiscale import codicefiscale
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from schwifty import IBAN

from mutua.accounts.first_access import first_access_complete
from mutua.accounts.models import Role, User
from mutua.accounts.passwords import first_access_password
from mutua.claims.models import (
    EXPENSE_DOCUMENT_TYPES,
    Attachment,
    Claim,
    ClaimDocument,
    ClaimEvent,
    ClaimKind,
    ClaimStatus,
    DocumentType,
    Settlement,
)
from mutua.claims.services import claim_transition
from mutua.core.formatting import format_date, format_eur
from mutua.core.provinces import Province, provinces
from mutua.demo import names
from mutua.demo.files import document_jpeg, document_pdf
from mutua.members.models import (
    Beneficiary,
    Member,
    MemberKind,
    PostalAddress,
    PrivacyNotice,
    RegionalOffice,
    Relationship,
    Sex,
)
from mutua.plans.models import Contribution, ContributionMethod, Enrollment, Plan
from mutua.providers.models import Category, Provider, search_key
from mutua.providers.selectors import providers_cache_forget

DEFAULT_SEED = 2026
DEFAULT_MEMBERS = 220
ROME = ZoneInfo("Europe/Rome")
CENT = Decimal("0.01")

NEW_MEMBER_CODE = "000000003423"
MEMBER_CODE = "000000012345"
FAMILY_MEMBER_CODE = "000000054321"
OPERATOR_USERNAME = "operatore"
SUPERVISOR_USERNAME = "supervisore"
REGIONAL_OPERATOR_USERNAME = "operatore.lombardia"
MEMBER_PASSWORD = "Socio2026ok"
FAMILY_MEMBER_PASSWORD = "Famiglia2026ok"
OPERATOR_PASSWORD = "Operatore2026ok"
SUPERVISOR_PASSWORD = "Supervisore2026ok"
REGIONAL_OPERATOR_PASSWORD = "Regionale2026ok"
# Their presence means the demo data is already loaded.
NAMED_USERNAMES = (
    NEW_MEMBER_CODE,
    MEMBER_CODE,
    FAMILY_MEMBER_CODE,
    OPERATOR_USERNAME,
    SUPERVISOR_USERNAME,
    REGIONAL_OPERATOR_USERNAME,
)

ACCOUNTS_FILE_NAME = "demo-accounts.json"


@dataclass(frozen=True)
class PlanTerms:
    code: str
    name: str
    description: str
    yearly_fee: Decimal
    family_fee: Decimal
    categories: tuple[str, ...]  # what the demo claims ask reimbursement for
    deductible_pct: Decimal  # scoperto
    deductible_min: Decimal  # minimum of the scoperto, or the franchigia when the percentage is zero


PLANS = (
    PlanTerms(
        "BASE",
        "Piano Base",
        "Visite specialistiche, analisi, diagnostica e fisioterapia per il socio.",
        Decimal("120.00"),
        Decimal("0.00"),
        ("visite-specialistiche", "analisi", "alta-diagnostica", "fisioterapia"),
        Decimal("0.25"),
        Decimal("30.00"),
    ),
    PlanTerms(
        "FAMIGLIA",
        "Piano Famiglia",
        "Le prestazioni del Piano Base, odontoiatria e interventi chirurgici per il socio e i familiari.",
        Decimal("240.00"),
        Decimal("60.00"),
        ("visite-specialistiche", "analisi", "alta-diagnostica", "fisioterapia", "odontoiatria", "riabilitazione"),
        Decimal("0.20"),
        Decimal("25.00"),
    ),
    PlanTerms(
        "PLUS",
        "Piano Plus",
        "Copertura completa, anche per i familiari, con una franchigia fissa per documento.",
        Decimal("420.00"),
        Decimal("90.00"),
        ("visite-specialistiche", "analisi", "alta-diagnostica", "fisioterapia", "odontoiatria", "riabilitazione"),
        Decimal("0"),
        Decimal("15.00"),
    ),
)
SURGERY_PLANS = ("FAMIGLIA", "PLUS")
# Annual ceilings (per beneficiary, per family) of the demo plans; the Piano Base covers the member only.
PLAN_CEILINGS = {
    "BASE": (Decimal("2000.00"), None),
    "FAMIGLIA": (Decimal("3000.00"), Decimal("8000.00")),
    "PLUS": (Decimal("5000.00"), Decimal("12000.00")),
}


def _coverage_rules(terms: PlanTerms) -> dict[str, object]:
    """The Plan fields of mutua.plans.coverage matching the terms the demo claims were settled with."""
    beneficiary, family = PLAN_CEILINGS.get(terms.code, (None, None))
    scoperto = terms.deductible_pct > 0
    return {
        "reimbursement_pct": (1 - terms.deductible_pct) * 100,
        "minimum_withheld": terms.deductible_min if scoperto else Decimal("0"),
        "deductible": Decimal("0") if scoperto else terms.deductible_min,
        "beneficiary_ceiling": beneficiary,
        "family_ceiling": family,
        "waiting_days": 120,
        "submission_days": 730,
    }


@dataclass(frozen=True)
class DemoAccount:
    key: str
    username: str
    password: str
    name: str
    role: str
    description: str
    fiscal_code: str = ""


@dataclass
class DemoResult:
    created: bool
    accounts: list[DemoAccount]
    accounts_file: Path
    counts: dict[str, int]
    seconds: float
    digest: str


@dataclass(frozen=True)
class _Person:
    first_name: str
    last_name: str
    sex: str
    birth_date: dt.date
    birth_place: str
    fiscal_code: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass
class _Household:
    """A member with what the demo gives them, before and after it is written."""

    key: str  # the named account it is, or "" for an ordinary member
    code: str
    person: _Person
    province: Province
    plan: PlanTerms
    start_date: dt.date
    family: list[tuple[str, _Person]]
    standing: str  # regular, unpaid, partial, late_partial
    signed_in: bool
    member: Member
    beneficiaries: list[Beneficiary] = field(default_factory=list)
    user: User | None = None


@dataclass(frozen=True)
class _Money:
    requested: Decimal
    admitted: Decimal
    withheld: Decimal
    paid: Decimal
    reason: str


@dataclass
class _DocumentSpec:
    doc_type: str
    number: str
    issue_date: dt.date
    amount: Decimal | None
    provider_name: str
    provider_province: str
    beneficiary: Beneficiary | None
    patient: str
    service: str
    money: _Money | None = None


@dataclass
class _Step:
    to_status: str
    actor: User | None
    note: str
    at: dt.datetime


@dataclass
class _ClaimSpec:
    household: _Household
    kind: str
    status: str
    created_at: dt.datetime
    documents: list[_DocumentSpec]
    block_reason: str = ""
    steps: list[_Step] = field(default_factory=list)
    settled_at: dt.datetime | None = None
    paid_on: dt.date | None = None
    claim: Claim | None = None  # once written


# --- Entry points -------------------------------------------------------------------------------------------


def demo_generate(
    *, seed: int = DEFAULT_SEED, members: int = DEFAULT_MEMBERS, today: dt.date | None = None
) -> DemoResult:
    """Load the demo dataset and its named accounts, unless they are already there (then nothing changes).

    `members` counts the named members too. The accounts are written to VAR_DIR/demo-accounts.json.
    """
    started = time.perf_counter()
    if members < 3:
        raise ValueError("Servono almeno 3 soci: i tre account dimostrativi.")
    created = not User.objects.filter(username__in=NAMED_USERNAMES).exists()
    if created:
        with transaction.atomic():
            _Builder(seed=seed, today=today or timezone.localdate()).build(members=members)
    _regional_operator_ensure()
    accounts = demo_accounts()
    path = _write_accounts(accounts)
    return DemoResult(
        created=created,
        accounts=accounts,
        accounts_file=path,
        counts=demo_counts(),
        seconds=time.perf_counter() - started,
        digest=demo_digest(),
    )


def demo_accounts() -> list[DemoAccount]:
    """The named accounts with their passwords; the new member's is derived from the stored codice fiscale."""
    new_member = Member.objects.get(code=NEW_MEMBER_CODE)
    member = Member.objects.get(code=MEMBER_CODE)
    family_member = Member.objects.get(code=FAMILY_MEMBER_CODE)
    return [
        DemoAccount(
            key="new_member",
            username=NEW_MEMBER_CODE,
            password=first_access_password(username=NEW_MEMBER_CODE, fiscal_code=new_member.fiscal_code),
            name=new_member.full_name,
            role=Role.MEMBER,
            fiscal_code=new_member.fiscal_code,
            description="Socia che non ha mai effettuato l'accesso: usa la password di primo accesso "
            "(ultime 5 cifre della username e ultimi 5 caratteri del codice fiscale). Ha una pratica cartacea "
            "sospesa in attesa di un documento.",
        ),
        DemoAccount(
            key="member",
            username=MEMBER_CODE,
            password=MEMBER_PASSWORD,
            name=member.full_name,
            role=Role.MEMBER,
            fiscal_code=member.fiscal_code,
            description="Socio con primo accesso completato e contatti verificati; pratiche in vari stati, una in "
            "lavorazione e una bozza: inviandola, i documenti si aggiungono alla pratica aperta.",
        ),
        DemoAccount(
            key="family_member",
            username=FAMILY_MEMBER_CODE,
            password=FAMILY_MEMBER_PASSWORD,
            name=family_member.full_name,
            role=Role.MEMBER,
            fiscal_code=family_member.fiscal_code,
            description="Socio con coniuge e due figli nel Piano Famiglia; pratiche chiuse per sé e per i familiari, "
            "nessuna aperta né in bozza: la prima richiesta è una pratica nuova. Ha notifiche da leggere.",
        ),
        DemoAccount(
            key="operator",
            username=OPERATOR_USERNAME,
            password=OPERATOR_PASSWORD,
            name="Laura Conti",
            role=Role.OPERATOR,
            description="Operatrice del back office.",
        ),
        DemoAccount(
            key="supervisor",
            username=SUPERVISOR_USERNAME,
            password=SUPERVISOR_PASSWORD,
            name="Stefano Marchetti",
            role=Role.SUPERVISOR,
            description="Supervisore, con accesso all'amministrazione di Django (/admin/).",
        ),
        DemoAccount(
            key="regional_operator",
            username=REGIONAL_OPERATOR_USERNAME,
            password=REGIONAL_OPERATOR_PASSWORD,
            name="Chiara Ferri",
            role=Role.REGIONAL_OPERATOR,
            description=f"Operatrice della {member.regional_office}: vede solo le pratiche e le prenotazioni dei "
            f"soci della sua sede (tra cui {member.full_name}); le prende in carico, le sospende e autorizza le "
            "prenotazioni, ma non respinge, non liquida e non paga.",
        ),
    ]


def _regional_operator_ensure() -> User:
    """The regional operator of the named member's office; added to a demo loaded before this persona existed."""
    office = Member.objects.select_related("regional_office").get(code=MEMBER_CODE).regional_office
    user, created = User.objects.get_or_create(
        username=REGIONAL_OPERATOR_USERNAME,
        defaults={
            "email": "operatore.lombardia@mutua.example",
            "first_name": "Chiara",
            "last_name": "Ferri",
            "role": Role.REGIONAL_OPERATOR,
            "regional_office": office,
        },
    )
    if created:
        user.set_password(REGIONAL_OPERATOR_PASSWORD)
        user.save(update_fields=["password"])
    return user


def demo_counts() -> dict[str, int]:
    return {
        "soci": Member.objects.count(),
        "familiari": Beneficiary.objects.count(),
        "adesioni": Enrollment.objects.count(),
        "contributi": Contribution.objects.count(),
        "strutture": Provider.objects.count(),
        "pratiche": Claim.objects.count(),
        "documenti": ClaimDocument.objects.count(),
        "allegati": Attachment.objects.count(),
        "liquidazioni": Settlement.objects.count(),
    }


def demo_digest() -> str:
    """A fingerprint of what the seed decides: no primary keys, password hashes or storage names."""
    digest = hashlib.sha256()

    def feed(rows: QuerySet[Any, Any]) -> None:
        for row in rows:
            digest.update(repr(tuple(str(value) for value in row)).encode())

    feed(User.objects.order_by("username").values_list("username", "role", "is_staff", "is_superuser"))
    feed(
        Member.objects.order_by("code").values_list(
            "code",
            "kind",
            "fiscal_code",
            "first_name",
            "last_name",
            "sex",
            "birth_date",
            "birth_place",
            "residence_street",
            "residence_cap",
            "residence_city",
            "residence_province",
            "domicile_city",
            "email",
            "mobile",
            "iban",
            "account_holder",
            "regional_office__code",
        )  # fmt: skip
    )
    feed(
        Beneficiary.objects.order_by("member__code", "fiscal_code").values_list(
            "member__code", "relationship", "fiscal_code", "first_name", "last_name", "birth_date"
        )
    )
    feed(
        Enrollment.objects.order_by("member__code", "start_date").values_list(
            "member__code", "plan__code", "start_date"
        )
    )
    feed(
        Contribution.objects.order_by("member__code", "year").values_list(
            "member__code", "year", "amount_due", "amount_paid", "family_part", "paid_on", "method"
        )
    )
    feed(
        Provider.objects.order_by("id").values_list(
            "name", "address", "city", "province", "latitude", "longitude", "phone", "direct_form"
        )
    )
    feed(Provider.categories.through.objects.order_by("provider_id", "category__slug").values_list("category__slug"))
    feed(
        Claim.objects.order_by("id").values_list(
            "member__code", "kind", "status", "created_at", "submitted_at", "block_reason"
        )
    )
    feed(
        ClaimDocument.objects.order_by("id").values_list(
            "doc_type",
            "number",
            "issue_date",
            "amount",
            "provider_name",
            "provider_province",
            "beneficiary__fiscal_code",
        )  # fmt: skip
    )
    feed(Attachment.objects.order_by("id").values_list("original_name", "content_type", "size", "sha256"))
    feed(
        ClaimEvent.objects.order_by("id").values_list(
            "from_status", "to_status", "actor__username", "note", "created_at"
        )
    )
    feed(
        Settlement.objects.order_by("id").values_list(
            "amount_requested",
            "amount_admitted",
            "amount_withheld",
            "amount_paid",
            "reason",
            "competence_year",
            "payment_year",
            "paid_on",
        )  # fmt: skip
    )
    return digest.hexdigest()


def _write_accounts(accounts: Sequence[DemoAccount]) -> Path:
    path = Path(settings.VAR_DIR) / ACCOUNTS_FILE_NAME
    payload = {
        account.key: {
            "username": account.username,
            "password": account.password,
            "name": account.name,
            "role": account.role,
            **({"fiscal_code": account.fiscal_code} if account.fiscal_code else {}),
            "description": account.description,
        }
        for account in accounts
    }
    content = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != content:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return path


# --- Small pieces -------------------------------------------------------------------------------------------


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in ascii_text.lower() if c.isalnum())


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _coordinate(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


def _distance(a: Province, b: Province) -> float:
    """Good enough for 'nearest office': an equirectangular distance in degrees."""
    return math.hypot(a.lat - b.lat, (a.lon - b.lon) * math.cos(math.radians((a.lat + b.lat) / 2)))


class _Builder:
    """Draws every value from one Random in a fixed order, then writes the rows."""

    def __init__(self, *, seed: int, today: dt.date) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.yesterday = today - dt.timedelta(days=1)
        self.first_year = today.year - 2
        self.history_start = dt.date(self.first_year, 1, 10)
        self.provinces = provinces()
        self.used_codes: set[str] = set(NAMED_USERNAMES)
        self.used_fiscal_codes: set[str] = set()
        self.used_emails: dict[str, int] = {}
        self.providers: dict[str, list[tuple[str, tuple[str, ...]]]] = {}

    # Each step draws from the same Random: keep their order.
    def build(self, *, members: int) -> None:
        self.categories = self._categories()
        self._providers()
        self.offices = self._offices()
        self.plans = self._plans()
        self.operator, self.supervisor = self._staff()
        households = self._named_households() + [self._household() for _ in range(members - 3)]
        self._write_households(households)
        self._complete_first_access([h for h in households if h.signed_in])
        specs: list[_ClaimSpec] = []
        for household in households:
            specs.extend(self._named_claims(household) if household.key else self._claims(household))
        self._write_claims(specs)
        self._bookings([h for h in households if h.key and h.signed_in])
        self._family_notifications([s for s in specs if s.household.key == "family_member"])

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

    # --- Reference data ---------------------------------------------------------------------------------

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

    # --- People -----------------------------------------------------------------------------------------

    def _person(self, *, first: str, last: str, sex: str, birth: dt.date, place: str) -> _Person:
        """A person with the codice fiscale of their data; a clash moves the birth date by a day."""
        while True:
            cf = codicefiscale.encode(
                lastname=last,
                firstname=first,
                gender="F" if sex == Sex.FEMALE else "M",
                birthdate=birth.strftime("%d/%m/%Y"),
                birthplace=place,
            )
            if cf not in self.used_fiscal_codes:
                self.used_fiscal_codes.add(cf)
                return _Person(first, last, sex, birth, place, cf)
            birth += dt.timedelta(days=1)

    def _random_date(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    def _code(self, kind: str) -> str:
        while True:
            if kind == MemberKind.ORDINARY:
                code = f"{self.rng.randint(10000, 999999):012d}"
            else:
                code = f"{self.rng.randint(700000000000, 799999999999)}"
            if code not in self.used_codes:
                self.used_codes.add(code)
                return code

    def _email(self, person: _Person) -> str:
        local = f"{_slug(person.first_name)}.{_slug(person.last_name)}"
        seen = self.used_emails.get(local, 0) + 1
        self.used_emails[local] = seen
        return f"{local}{seen if seen > 1 else ''}@esempio.it"

    def _mobile(self) -> str:
        return f"+39{self.rng.choice(names.MOBILE_PREFIXES)}{self.rng.randint(0, 9999999):07d}"

    def _iban(self) -> str:
        account = f"{self.rng.randint(10**9, 10**12 - 1):012d}"
        return str(IBAN.generate("IT", bank_code=self.rng.choice(names.BANK_CODES), account_code=account))

    def _member_row(
        self, *, code: str, kind: str, person: _Person, province: Province, with_mobile: bool, with_iban: bool
    ) -> Member:
        rng = self.rng
        member = Member(
            code=code,
            kind=kind,
            fiscal_code=person.fiscal_code,
            first_name=person.first_name,
            last_name=person.last_name,
            sex=person.sex,
            birth_date=person.birth_date,
            birth_place=person.birth_place,
            residence_street=f"{rng.choice(names.STREETS)} {rng.randint(1, 220)}",
            residence_cap=names.CAPITAL_CAP[province.code],
            residence_city=province.capital,
            residence_province=province.code,
            email=self._email(person),
            mobile=self._mobile() if with_mobile else "",
            regional_office=self.offices[province.code],
        )
        if with_iban:
            member.iban = self._iban()
            member.account_holder = person.full_name
        return member

    def _named_households(self) -> list[_Household]:
        turin, milan, naples = self.provinces["TO"], self.provinces["MI"], self.provinces["NA"]
        anna = self._person(first="Anna", last="Verdi", sex=Sex.FEMALE, birth=dt.date(1978, 4, 12), place="Torino")
        mario = self._person(first="Mario", last="Rossi", sex=Sex.MALE, birth=dt.date(1975, 6, 21), place="Milano")
        giuseppe = self._person(
            first="Giuseppe", last="Esposito", sex=Sex.MALE, birth=dt.date(1980, 9, 3), place="Napoli"
        )
        family: list[tuple[str, _Person]] = [
            (
                Relationship.SPOUSE,
                self._person(first="Maria", last="Russo", sex=Sex.FEMALE, birth=dt.date(1982, 2, 17), place="Napoli"),
            ),
            (
                Relationship.CHILD,
                self._person(first="Luca", last="Esposito", sex=Sex.MALE, birth=dt.date(2012, 5, 4), place="Napoli"),
            ),
            (
                Relationship.CHILD,
                self._person(
                    first="Giulia", last="Esposito", sex=Sex.FEMALE, birth=dt.date(2016, 11, 20), place="Napoli"
                ),
            ),
        ]
        plans = {terms.code: terms for terms in PLANS}
        named = [
            ("new_member", NEW_MEMBER_CODE, anna, turin, plans["BASE"], dt.date(2019, 3, 1), [], False),
            ("member", MEMBER_CODE, mario, milan, plans["PLUS"], dt.date(2016, 1, 1), [], True),
            (
                "family_member",
                FAMILY_MEMBER_CODE,
                giuseppe,
                naples,
                plans["FAMIGLIA"],
                dt.date(2013, 1, 1),
                family,
                True,
            ),
        ]
        return [
            _Household(
                key=key,
                code=code,
                person=person,
                province=province,
                plan=plan,
                start_date=start,
                family=members_family,
                standing="regular",
                signed_in=signed_in,
                member=self._member_row(
                    code=code,
                    kind=MemberKind.ORDINARY,
                    person=person,
                    province=province,
                    with_mobile=True,
                    with_iban=True,
                ),
            )
            for key, code, person, province, plan, start, members_family, signed_in in named
        ]

    def _household(self) -> _Household:
        rng = self.rng
        codes = list(self.provinces)
        province = self.provinces[rng.choices(codes, weights=[1 + names.PROVINCE_WEIGHTS.get(c, 0) for c in codes])[0]]
        sex = rng.choice((Sex.MALE, Sex.FEMALE))
        first = rng.choice(names.MALE_NAMES if sex == Sex.MALE else names.FEMALE_NAMES)
        last = rng.choice(names.SURNAMES)
        birth = self._random_date(dt.date(1950, 1, 1), dt.date(2002, 12, 31))
        birth_place = province.capital if rng.random() < 0.75 else rng.choice(list(self.provinces.values())).capital
        person = self._person(first=first, last=last, sex=sex, birth=birth, place=birth_place)
        family = self._family(person, province)
        kind = MemberKind.COLLECTIVE if rng.random() < 0.15 else MemberKind.ORDINARY
        member = self._member_row(
            code=self._code(kind),
            kind=kind,
            person=person,
            province=province,
            with_mobile=rng.random() < 0.9,
            with_iban=rng.random() < 0.95,
        )
        if rng.random() < 0.08:
            elsewhere = rng.choice(list(self.provinces.values()))
            member.domicile_street = f"{rng.choice(names.STREETS)} {rng.randint(1, 220)}"
            member.domicile_cap = names.CAPITAL_CAP[elsewhere.code]
            member.domicile_city = elsewhere.capital
            member.domicile_province = elsewhere.code
            if rng.random() < 0.5:
                member.postal_address = PostalAddress.DOMICILE
        plans = {terms.code: terms for terms in PLANS}
        if family:
            plan = plans["FAMIGLIA"] if rng.random() < 0.75 else plans["PLUS"]
        else:
            plan = plans["BASE"] if rng.random() < 0.65 else plans["PLUS"]
        earliest = max(dt.date(2008, 1, 1), person.birth_date + dt.timedelta(days=18 * 366))
        start = self._random_date(earliest, self.today - dt.timedelta(days=300)).replace(day=1)
        standing = rng.choices(("regular", "unpaid", "partial", "late_partial"), weights=(84, 8, 5, 3))[0]
        return _Household(
            key="",
            code=member.code,
            person=person,
            province=province,
            plan=plan,
            start_date=start,
            family=family,
            standing=standing,
            signed_in=False,
            member=member,
        )

    def _family(self, member: _Person, province: Province) -> list[tuple[str, _Person]]:
        rng = self.rng
        if member.birth_date.year > 1998 or rng.random() > 0.6:
            return []
        spouse_sex = Sex.FEMALE if member.sex == Sex.MALE else Sex.MALE
        spouse_birth = min(member.birth_date + dt.timedelta(days=rng.randint(-6 * 365, 6 * 365)), dt.date(2002, 12, 31))
        spouse = self._person(
            first=rng.choice(names.FEMALE_NAMES if spouse_sex == Sex.FEMALE else names.MALE_NAMES),
            last=rng.choice(names.SURNAMES),
            sex=spouse_sex,
            birth=spouse_birth,
            place=province.capital if rng.random() < 0.7 else rng.choice(list(self.provinces.values())).capital,
        )
        relationship = Relationship.SPOUSE if rng.random() < 0.8 else Relationship.PARTNER
        family = [(str(relationship), spouse)]
        mother, father = (member, spouse) if member.sex == Sex.FEMALE else (spouse, member)
        for _ in range(rng.choices((0, 1, 2, 3), weights=(25, 35, 30, 10))[0]):
            birth = mother.birth_date + dt.timedelta(days=rng.randint(26 * 365, 40 * 365))
            age_days = (self.today - birth).days
            if age_days < 60 or age_days > 26 * 365:
                continue  # not born yet, or no longer a dependant
            sex = rng.choice((Sex.MALE, Sex.FEMALE))
            child = self._person(
                first=rng.choice(names.MALE_NAMES if sex == Sex.MALE else names.FEMALE_NAMES),
                last=father.last_name,
                sex=sex,
                birth=birth,
                place=province.capital,
            )
            family.append((str(Relationship.CHILD), child))
        return family

    def _write_households(self, households: list[_Household]) -> None:
        users = [
            User(
                username=h.code,
                role=Role.MEMBER,
                first_name=h.person.first_name,
                last_name=h.person.last_name,
                password=make_password(None),
            )
            for h in households
        ]
        User.objects.bulk_create(users)
        for household, user in zip(households, users, strict=True):
            household.user = user
            household.member.user = user
        Member.objects.bulk_create([h.member for h in households])

        for household in households:
            household.beneficiaries = [
                Beneficiary(
                    member=household.member,
                    relationship=relationship,
                    fiscal_code=person.fiscal_code,
                    first_name=person.first_name,
                    last_name=person.last_name,
                    birth_date=person.birth_date,
                )
                for relationship, person in household.family
            ]
        Beneficiary.objects.bulk_create([b for h in households for b in h.beneficiaries])

        enrollments = [
            Enrollment(member=h.member, plan=self.plans[h.plan.code], start_date=h.start_date) for h in households
        ]
        Enrollment.objects.bulk_create(enrollments)
        through = Enrollment.beneficiaries.through
        through.objects.bulk_create(
            [
                through(enrollment_id=enrollment.pk, beneficiary_id=beneficiary.pk)
                for enrollment, household in zip(enrollments, households, strict=True)
                for beneficiary in household.beneficiaries
            ]
        )
        Contribution.objects.bulk_create(
            [
                contribution
                for enrollment, household in zip(enrollments, households, strict=True)
                for contribution in self._contributions(household, enrollment)
            ]
        )

    def _contributions(self, household: _Household, enrollment: Enrollment) -> list[Contribution]:
        """One row per competence year since joining, within the last three years; some are unpaid or partial."""
        rng = self.rng
        method = rng.choices(
            (ContributionMethod.SDD, ContributionMethod.TRANSFER, ContributionMethod.PAYROLL, ContributionMethod.CARD),
            weights=(45, 30, 20, 5),
        )[0]
        if household.key:  # the named accounts pay by direct debit: their certificates show a detraibile amount
            method = ContributionMethod.SDD
        family_part = _money(household.plan.family_fee * len(household.family))
        due = household.plan.yearly_fee + family_part
        rows = []
        for year in range(max(self.first_year, household.start_date.year), self.today.year + 1):
            if method in (ContributionMethod.SDD, ContributionMethod.PAYROLL):
                paid_on = dt.date(year, 1, 31)
            else:
                paid_on = dt.date(year, rng.randint(1, 3), rng.randint(1, 28))
            paid_on = min(max(paid_on, household.start_date + dt.timedelta(days=15)), self.yesterday)
            paid: Decimal = due
            if household.standing == "unpaid" and year == self.today.year:
                paid = Decimal("0.00")
            elif household.standing == "partial" and year == self.today.year:
                paid = _money(due / 2)
            elif household.standing == "late_partial" and year == self.today.year - 1:
                paid = _money(due * Decimal("0.6"))
            rows.append(
                Contribution(
                    member=household.member,
                    enrollment=enrollment,
                    year=year,
                    period=f"Anno {year}",
                    amount_due=due,
                    amount_paid=paid,
                    family_part=family_part,
                    paid_on=paid_on if paid else None,
                    method=method,
                )
            )
        return rows

    def _complete_first_access(self, households: list[_Household]) -> None:
        """The named members who signed in went through the real first-access journey, then verified contacts."""
        notice = PrivacyNotice.objects.latest()
        passwords = {"member": MEMBER_PASSWORD, "family_member": FAMILY_MEMBER_PASSWORD}
        for household in households:
            assert household.user is not None
            first_access_complete(
                user=household.user,
                password=passwords[household.key],
                email=household.member.email,
                mobile=str(household.member.mobile),
                notice=notice,
                request=None,
            )
        now = timezone.now()
        Member.objects.filter(pk__in=[h.member.pk for h in households]).update(
            email_verified_at=now, mobile_verified_at=now
        )

    # --- Claims ------------------------------------------------------------------------------------------

    # How many days before today each status may have been submitted: (earliest, latest); None = the history start.
    WINDOWS: dict[str, tuple[int | None, int]] = {
        ClaimStatus.DRAFT: (10, 1),
        ClaimStatus.SUBMITTED: (12, 2),
        ClaimStatus.IN_REVIEW: (45, 6),
        ClaimStatus.SUSPENDED: (90, 15),
        ClaimStatus.SETTLED: (60, 25),
        ClaimStatus.PAID: (None, 70),
        ClaimStatus.REJECTED: (None, 14),
        ClaimStatus.CANCELLED: (None, 6),
    }

    def _claims(self, household: _Household) -> list[_ClaimSpec]:
        """Past claims are closed; only the latest can still be open, as the merge rule keeps it."""
        rng = self.rng
        count = rng.choices((0, 1, 2, 3, 4, 5), weights=(15, 25, 25, 20, 10, 5))[0]
        if not count:
            return []
        if household.standing == "unpaid" and rng.random() < 0.5:
            last = ClaimStatus.SUSPENDED
        else:
            last = rng.choices(
                (
                    ClaimStatus.PAID,
                    ClaimStatus.SETTLED,
                    ClaimStatus.SUBMITTED,
                    ClaimStatus.IN_REVIEW,
                    ClaimStatus.SUSPENDED,
                    ClaimStatus.REJECTED,
                    ClaimStatus.CANCELLED,
                ),
                weights=(35, 12, 12, 15, 8, 9, 9),
            )[0]
        earlier = rng.choices(
            (ClaimStatus.PAID, ClaimStatus.REJECTED, ClaimStatus.CANCELLED), weights=(80, 10, 10), k=count - 1
        )
        latest = self._submission_day(household, str(last))
        if latest is None:
            return []
        planned: list[tuple[dt.date, str]] = []
        for status in earlier:
            day = self._submission_day(household, status, before=latest - dt.timedelta(days=20))
            if day is not None:
                planned.append((day, status))
        planned.sort()
        planned.append((latest, str(last)))
        return [self._claim(household, status=status, day=day) for day, status in planned]

    def _named_claims(self, household: _Household) -> list[_ClaimSpec]:
        """Fixed statuses for the named members, so every status can be tried with a known account."""
        plan = {
            "new_member": [
                (ClaimStatus.REJECTED, 560, ClaimKind.REIMBURSEMENT_STANDARD),
                (ClaimStatus.PAID, 330, ClaimKind.REIMBURSEMENT_STANDARD),
                (ClaimStatus.PAID, 120, ClaimKind.REIMBURSEMENT_STANDARD),
                (ClaimStatus.SUSPENDED, 30, ClaimKind.REIMBURSEMENT_STANDARD),  # a paper claim missing a document
            ],
            # The merge rule: a claim in review and a draft, which "Invia pratica" adds to it.
            "member": [
                (ClaimStatus.PAID, 610, ClaimKind.REIMBURSEMENT_STANDARD),
                (ClaimStatus.REJECTED, 500, ClaimKind.REIMBURSEMENT_STANDARD),
                (ClaimStatus.PAID, 420, ClaimKind.REIMBURSEMENT_SURGERY),
                (ClaimStatus.CANCELLED, 300, ClaimKind.REIMBURSEMENT_STANDARD),
                (ClaimStatus.PAID, 200, ClaimKind.REIMBURSEMENT_STANDARD),
                (ClaimStatus.SETTLED, 40, ClaimKind.REIMBURSEMENT_STANDARD),
                (ClaimStatus.IN_REVIEW, 15, ClaimKind.REIMBURSEMENT_STANDARD),
                (ClaimStatus.DRAFT, 3, ClaimKind.REIMBURSEMENT_STANDARD),
            ],
            # Nothing open and no draft: his first claim is a new one, "Trasmessa", as the guide shows it.
            "family_member": [
                (ClaimStatus.PAID, 650, ClaimKind.REIMBURSEMENT_STANDARD),
                (ClaimStatus.PAID, 380, ClaimKind.REIMBURSEMENT_SURGERY),
                (ClaimStatus.CANCELLED, 240, ClaimKind.REIMBURSEMENT_STANDARD),
                (ClaimStatus.PAID, 150, ClaimKind.REIMBURSEMENT_STANDARD),
                (ClaimStatus.SETTLED, 35, ClaimKind.REIMBURSEMENT_STANDARD),
            ],
        }[household.key]
        return [
            self._claim(household, status=str(status), day=self.today - dt.timedelta(days=days), kind=str(kind))
            for status, days, kind in plan
        ]

    def _submission_day(self, household: _Household, status: str, before: dt.date | None = None) -> dt.date | None:
        earliest_days, latest_days = self.WINDOWS[status]
        start = max(self.history_start, household.start_date + dt.timedelta(days=30))
        if earliest_days is not None:
            start = max(start, self.today - dt.timedelta(days=earliest_days))
        end = self.today - dt.timedelta(days=latest_days)
        if before is not None:
            end = min(end, before)
        if end < start:
            return None
        return self._random_date(start, end)

    def _at(self, day: dt.date, *, after: dt.datetime | None = None) -> dt.datetime:
        """A moment in office hours on `day` (never after yesterday), later than `after`."""
        day = min(day, self.yesterday)
        moment = dt.datetime.combine(day, dt.time(self.rng.randint(8, 18), self.rng.randint(0, 59)), tzinfo=ROME)
        if after is not None and moment <= after:
            moment = after + dt.timedelta(minutes=self.rng.randint(5, 90))
        return moment

    def _claim(self, household: _Household, *, status: str, day: dt.date, kind: str | None = None) -> _ClaimSpec:
        rng = self.rng
        if kind is None:
            surgery = household.plan.code in SURGERY_PLANS and rng.random() < 0.12
            kind = ClaimKind.REIMBURSEMENT_SURGERY if surgery else ClaimKind.REIMBURSEMENT_STANDARD
        created_at = self._at(day - dt.timedelta(days=rng.randint(0, 3)))
        documents = self._documents(household, kind=kind, before=created_at.date())
        spec = _ClaimSpec(household=household, kind=kind, status=status, created_at=created_at, documents=documents)
        if status != ClaimStatus.DRAFT:
            self._history(spec, submitted=self._at(day, after=created_at))
        return spec

    def _documents(self, household: _Household, *, kind: str, before: dt.date) -> list[_DocumentSpec]:
        rng = self.rng
        patients: list[tuple[Beneficiary | None, str]] = [(None, household.person.full_name)]
        patients += [(b, f"{b.first_name} {b.last_name}") for b in household.beneficiaries]
        earliest = max(household.start_date, before - dt.timedelta(days=150))
        if kind == ClaimKind.REIMBURSEMENT_SURGERY:
            beneficiary, patient = rng.choice(patients)
            provider, province = self._provider(household, "interventi-chirurgici")
            issued = self._random_date(earliest, before - dt.timedelta(days=3))
            docs = [
                self._document(
                    DocumentType.FATTURA, issued, provider, province, beneficiary, patient, "interventi-chirurgici"
                ),
                self._document(
                    DocumentType.CARTELLA_CLINICA,
                    issued,
                    provider,
                    province,
                    beneficiary,
                    patient,
                    "interventi-chirurgici",
                ),
            ]
            if rng.random() < 0.5:
                docs.append(
                    self._document(
                        DocumentType.CERTIFICATO_OSPEDALIERO, issued, provider, province, beneficiary, patient, ""
                    )
                )
            if beneficiary is None and rng.random() < 0.4:
                employer = f"{rng.choice(names.SURNAMES)} {rng.choice(names.EMPLOYER_KINDS)} S.r.l."
                docs.append(
                    self._document(
                        DocumentType.CERTIFICATO_DATORE_LAVORO,
                        min(issued + dt.timedelta(days=rng.randint(5, 20)), before),
                        employer,
                        household.province.code,
                        None,
                        patient,
                        "",
                    )
                )
            return docs
        docs = []
        for _ in range(rng.choices((1, 2, 3), weights=(55, 30, 15))[0]):
            beneficiary, patient = rng.choice(patients)
            category = rng.choice(household.plan.categories)
            provider, province = self._provider(household, category)
            doc_type = DocumentType.FATTURA if rng.random() < 0.8 else DocumentType.RICEVUTA
            issued = self._random_date(earliest, before)
            docs.append(self._document(doc_type, issued, provider, province, beneficiary, patient, category))
        return docs

    def _provider(self, household: _Household, category: str) -> tuple[str, str]:
        """A provider offering `category` where the member lives, else anywhere in Italy."""
        local = [name for name, slugs in self.providers[household.province.code] if category in slugs]
        if local:
            return self.rng.choice(local), household.province.code
        anywhere = [(name, code) for code, rows in self.providers.items() for name, slugs in rows if category in slugs]
        return self.rng.choice(anywhere)

    def _document(
        self,
        doc_type: str,
        issued: dt.date,
        provider: str,
        province: str,
        beneficiary: Beneficiary | None,
        patient: str,
        category: str,
    ) -> _DocumentSpec:
        rng = self.rng
        amount = None
        if doc_type in EXPENSE_DOCUMENT_TYPES:
            low, high = names.EXPENSE_RANGES[category]
            amount = Decimal(rng.randint(low, high))
            if rng.random() < 0.3:
                amount += Decimal(rng.randint(1, 99)) / 100
            amount = _money(amount)
        if doc_type == DocumentType.FATTURA:
            number = f"{rng.randint(1, 2400)}/{issued.year}"
        elif doc_type == DocumentType.RICEVUTA:
            number = f"R{rng.randint(100, 9999)}"
        elif doc_type == DocumentType.CARTELLA_CLINICA:
            number = f"CC-{issued.year}-{rng.randint(1000, 99999)}"
        else:
            number = str(rng.randint(100, 9999))
        service = dict(names.CATEGORIES).get(category, "")
        return _DocumentSpec(doc_type, number, issued, amount, provider, province, beneficiary, patient, service)

    def _settle(self, spec: _ClaimSpec) -> Decimal:
        """Amounts per expense document under the plan's terms: tariff cap, scoperto or franchigia."""
        rng = self.rng
        terms = spec.household.plan
        total = Decimal("0.00")
        expenses = [document for document in spec.documents if document.amount is not None]
        for index, document in enumerate(expenses):
            assert document.amount is not None
            requested = document.amount
            reasons = []
            roll = rng.random()
            # The first document is always paid something, so a settled claim never pays nothing.
            if roll < 0.05 and index:
                admitted = Decimal("0.00")
                reasons.append("Prestazione non prevista dalla forma di assistenza.")
            elif roll < 0.25 and requested >= 4 * terms.deductible_min:
                admitted = _money(requested * Decimal(rng.randint(60, 90)) / 100)
                reasons.append("Importo eccedente il tariffario della forma di assistenza.")
            else:
                admitted = requested
            withheld = min(admitted, max(terms.deductible_min, _money(admitted * terms.deductible_pct)))
            if withheld and terms.deductible_pct:
                reasons.append(
                    f"Scoperto del {terms.deductible_pct * 100:.0f}% (minimo {format_eur(terms.deductible_min)}) "
                    "a carico del socio."
                )
            elif withheld:
                reasons.append(f"Franchigia di {format_eur(terms.deductible_min)} a carico del socio.")
            paid = admitted - withheld
            document.money = _Money(requested, admitted, withheld, paid, " ".join(reasons))
            total += paid
        return total

    def _history(self, spec: _ClaimSpec, *, submitted: dt.datetime) -> None:
        """The moves that brought the claim to its status, by whom and when."""
        rng = self.rng
        household, status = spec.household, spec.status
        by_member = household.signed_in
        operator = self.operator
        steps = spec.steps
        steps.append(
            _Step(
                ClaimStatus.SUBMITTED,
                household.user if by_member else operator,
                "" if by_member else "Pratica cartacea ricevuta in sede.",
                submitted,
            )
        )
        if status == ClaimStatus.SUBMITTED:
            return
        if status == ClaimStatus.CANCELLED and by_member and rng.random() < 0.6:
            day = submitted.date() + dt.timedelta(days=rng.randint(0, 2))
            steps.append(
                _Step(ClaimStatus.CANCELLED, household.user, "Annullata dal socio.", self._at(day, after=submitted))
            )
            return
        review = self._at(submitted.date() + dt.timedelta(days=rng.randint(1, 4)), after=submitted)
        steps.append(_Step(ClaimStatus.IN_REVIEW, operator, "", review))
        if status == ClaimStatus.IN_REVIEW:
            return
        later = review.date() + dt.timedelta(days=rng.randint(3, 10))
        if status == ClaimStatus.CANCELLED:
            steps.append(
                _Step(
                    ClaimStatus.CANCELLED, operator, "Annullata su richiesta del socio.", self._at(later, after=review)
                )
            )
        elif status == ClaimStatus.REJECTED:
            steps.append(
                _Step(
                    ClaimStatus.REJECTED, operator, rng.choice(names.REJECTION_REASONS), self._at(later, after=review)
                )
            )
        elif status == ClaimStatus.SUSPENDED:
            if household.standing == "unpaid":
                spec.block_reason = names.BLOCK_REASON.format(year=self.today.year)
                note = "Blocco amministrativo: posizione contributiva non regolare."
            else:
                deadline = later + dt.timedelta(days=30)
                note = f"{rng.choice(names.SUSPENSION_NOTES)} Termine: {format_date(deadline)}."
            steps.append(_Step(ClaimStatus.SUSPENDED, operator, note, self._at(later, after=review)))
        else:  # settled, and perhaps paid
            total = self._settle(spec)
            settled = self._at(review.date() + dt.timedelta(days=rng.randint(5, 20)), after=review)
            spec.settled_at = settled
            steps.append(_Step(ClaimStatus.SETTLED, operator, f"Liquidazione di {format_eur(total)}.", settled))
            if status == ClaimStatus.PAID:
                paid = self._at(settled.date() + dt.timedelta(days=rng.randint(7, 15)), after=settled)
                spec.paid_on = paid.date()
                note = f"Bonifico di {format_eur(total)} con valuta {format_date(spec.paid_on)}."
                steps.append(_Step(ClaimStatus.PAID, None, note, paid))

    def _write_claims(self, specs: list[_ClaimSpec]) -> None:
        """Write claims in rounds holding at most one claim per member, each replayed before the next round:
        a member has one draft at a time (a database constraint), and a claim starts as a draft.
        A member's remaining draft, if any, is written in the last round."""
        rounds: list[list[_ClaimSpec]] = []
        seen: dict[int, int] = {}
        for spec in sorted(specs, key=lambda s: (not s.steps, s.created_at)):
            member_key = id(spec.household)
            index = seen.get(member_key, 0)
            seen[member_key] = index + 1
            if index == len(rounds):
                rounds.append([])
            rounds[index].append(spec)
        for batch in rounds:
            self._write_claim_round(batch)

    def _write_claim_round(self, specs: list[_ClaimSpec]) -> None:
        claims = [
            Claim(member=s.household.member, kind=s.kind, block_reason=s.block_reason, created_at=s.created_at)
            for s in specs
        ]
        Claim.objects.bulk_create(claims)
        pairs: list[tuple[ClaimDocument, _DocumentSpec, _ClaimSpec]] = []
        for claim, spec in zip(claims, specs, strict=True):
            for d in spec.documents:
                row = ClaimDocument(
                    claim=claim,
                    doc_type=d.doc_type,
                    number=d.number,
                    issue_date=d.issue_date,
                    amount=d.amount,
                    provider_province=d.provider_province,
                    provider_name=d.provider_name,
                    beneficiary=d.beneficiary,
                    created_at=spec.created_at,
                )
                pairs.append((row, d, spec))
        ClaimDocument.objects.bulk_create([row for row, _, _ in pairs])
        Attachment.objects.bulk_create(
            [attachment for row, d, spec in pairs for attachment in self._attachments(row, d, spec)]
        )
        Settlement.objects.bulk_create(
            [
                Settlement(
                    document=row,
                    amount_requested=d.money.requested,
                    amount_admitted=d.money.admitted,
                    amount_withheld=d.money.withheld,
                    amount_paid=d.money.paid,
                    reason=d.money.reason,
                    competence_year=d.issue_date.year,
                    payment_year=spec.paid_on.year if spec.paid_on else None,
                    paid_on=spec.paid_on,
                    created_at=spec.settled_at or spec.created_at,
                )
                for row, d, spec in pairs
                if d.money is not None
            ]
        )
        for claim, spec in zip(claims, specs, strict=True):
            spec.claim = claim
            for step in spec.steps:
                claim_transition(claim=claim, to_status=step.to_status, actor=step.actor, note=step.note, at=step.at)

    def _family_notifications(self, specs: list[_ClaimSpec]) -> None:
        """The family member's bell: his latest paid claim (already read), his settled one and a message from the
        office (unread), as the portal wrote them at the time. Replayed moves send nothing (claim_transition's
        `at`), so these are written here, with the portal's own texts."""
        from mutua.claims.notices import claim_status_notice
        from mutua.notifications.models import Notification, NotificationKind

        rows = []
        for status in (ClaimStatus.PAID, ClaimStatus.SETTLED):
            spec = [s for s in specs if s.status == status][-1]
            step = next(step for step in spec.steps if step.to_status == status)
            assert spec.claim is not None
            with translation.override(settings.LANGUAGE_CODE):
                texts = claim_status_notice(claim=spec.claim, to_status=status, note=step.note)
            assert texts is not None
            rows.append(
                Notification(
                    member=spec.household.member,
                    kind=NotificationKind.CLAIM_STATUS,
                    title=texts.title,
                    body=texts.body,
                    url=texts.url,
                    created_at=step.at,
                    read_at=step.at + dt.timedelta(days=1) if status == ClaimStatus.PAID else None,
                )
            )
        year = self.today.year - 1
        rows.append(
            Notification(
                member=specs[0].household.member,
                kind=NotificationKind.GENERIC,
                title=f"Certificazione dei contributi {year} disponibile",
                body=f"Per la dichiarazione dei redditi puoi scaricare la certificazione dei contributi versati nel "
                f"{year}: la trovi in Adesioni e contributi, Certificazioni.",
                url=reverse("portal:certificates"),
                created_at=self._at(self.today - dt.timedelta(days=3)),
            )
        )
        Notification.objects.bulk_create(rows)

    def _attachments(self, row: ClaimDocument, d: _DocumentSpec, spec: _ClaimSpec) -> Iterable[Attachment]:
        """One or two scans per document: a PDF, or photos taken with a phone."""
        rng = self.rng
        title = f"{DocumentType(d.doc_type).label} n. {d.number}"
        lines = [
            d.provider_name,
            f"Data: {format_date(d.issue_date)}",
            f"Intestatario: {d.patient}",
        ]
        if d.service:
            lines.append(f"Prestazione: {d.service.lower()}")
        if d.amount is not None:
            lines.append(f"Totale: {format_eur(d.amount)}")
        pages = 2 if rng.random() < 0.15 else 1
        as_pdf = rng.random() < 0.65
        for page in range(1, pages + 1):
            page_lines = [*lines, f"Pagina {page} di {pages}"]
            if as_pdf:
                data = document_pdf(title=title, lines=page_lines)
                number = "".join(c if c.isalnum() else "-" for c in d.number)
                original = f"{d.doc_type}_{number}{f'_{page}' if pages > 1 else ''}.pdf"
                content_type = "application/pdf"
            else:
                data = document_jpeg(title=title, lines=page_lines)
                shot = f"{rng.randint(8, 20):02d}{rng.randint(0, 59):02d}{rng.randint(0, 59):02d}"
                original = f"IMG_{d.issue_date:%Y%m%d}_{shot}.jpg"
                content_type = "image/jpeg"
            attachment = Attachment(
                document=row,
                original_name=original,
                content_type=content_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                created_at=spec.created_at,
            )
            attachment.file.save(original, ContentFile(data), save=False)
            yield attachment
