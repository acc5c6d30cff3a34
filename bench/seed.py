# ruff: noqa: E402
"""Bulk seeder for the bench: members, families, claims with documents and settlements, providers, via COPY.

Run inside Django (DJANGO_SETTINGS_MODULE=bench.settings, DATABASE_URL pointing at the bench database):

    python -m bench.seed --members 10000 --plan var/bench/plan.json

Seeding is additive: it adds members until there are `--members` of them, so the 10 000-member database grows into
the 100 000-member one and the virtual users (drawn from the first members) stay the same across sizes. Rows are
drawn from a Random seeded per chunk of members, written as COPY text and sent with psycopg's `cursor.copy()`;
foreign-key triggers are off during the load (`session_replication_role = replica`, the data is built consistent)
and the tables are ANALYZEd afterwards. Columns the bench does not know (added by later migrations) get the model
field's default, so the seeder keeps working while the schema grows.

The ideas of the demo generator in mutua/demo/ (codici fiscali from real names, dates and birthplaces; Italian
IBANs; plans, offices and categories) without its per-row ORM path: a codice fiscale is computed here in a few
microseconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import queue
import random
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # pragma: no cover - set up Django before the model imports below
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()

from django.contrib.auth.hashers import make_password
from django.db import connection, models
from django.utils import timezone

from mutua.accounts.models import Role, User
from mutua.claims.models import (
    Attachment,
    Claim,
    ClaimDocument,
    ClaimEvent,
    ClaimKind,
    ClaimStatus,
    DocumentType,
    Settlement,
)
from mutua.core.provinces import Province, provinces
from mutua.demo import names
from mutua.members.models import Beneficiary, Member, MemberKind, Relationship, Sex
from mutua.notifications.models import Notification, NotificationKind
from mutua.plans.models import Contribution, Enrollment
from mutua.providers.models import Provider

BENCH_PASSWORD = "Bench2026ok"  # every seeded member's password: one Argon2 hash copied to every row
OPERATOR_USERNAME = "bench-operatore"
CHUNK = 5000  # members per COPY round
DEFAULT_PROVIDERS = 20_000
DEFAULT_CLAIMS_PER_MEMBER = 5
NULL = "\\N"
HOUR = dt.timedelta(hours=1)
# The latest claim of a member may still be open (one at most: the merge rule); earlier ones are closed.
LATEST_STATUSES = (
    ClaimStatus.PAID,
    ClaimStatus.SETTLED,
    ClaimStatus.SUBMITTED,
    ClaimStatus.IN_REVIEW,
    ClaimStatus.REJECTED,
    ClaimStatus.CANCELLED,
)
LATEST_WEIGHTS = tuple(itertools.accumulate((40, 12, 12, 18, 9, 9)))
EARLIER_STATUSES = (ClaimStatus.PAID, ClaimStatus.REJECTED, ClaimStatus.CANCELLED)
EARLIER_WEIGHTS = (80, 90, 100)

# --- Codice fiscale, computed directly -------------------------------------------------------------------------

_CONSONANTS = set("BCDFGHJKLMNPQRSTVWXYZ")
_VOWELS = set("AEIOU")
_MONTHS = "ABCDEHLMPRST"
_ODD = {
    **dict(zip("0123456789", (1, 0, 5, 7, 9, 13, 15, 17, 19, 21), strict=True)),
    **dict(
        zip(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            (1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23),
            strict=True,
        )
    ),
}
_EVEN = {**{str(d): d for d in range(10)}, **{chr(65 + i): i for i in range(26)}}


def _letters(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()
    return "".join(c for c in ascii_text if c.isalpha())


@cache
def _surname_part(surname: str) -> str:
    letters = _letters(surname)
    consonants = [c for c in letters if c in _CONSONANTS]
    vowels = [c for c in letters if c in _VOWELS]
    return "".join(consonants + vowels + ["X", "X", "X"])[:3]


@cache
def _name_part(name: str) -> str:
    letters = _letters(name)
    consonants = [c for c in letters if c in _CONSONANTS]
    if len(consonants) >= 4:
        return consonants[0] + consonants[2] + consonants[3]
    vowels = [c for c in letters if c in _VOWELS]
    return "".join(consonants + vowels + ["X", "X", "X"])[:3]


def check_character(partial: str) -> str:
    """The 16th character of a codice fiscale from the first 15 (odd and even positions weigh differently)."""
    total = sum(_ODD[c] if i % 2 == 0 else _EVEN[c] for i, c in enumerate(partial))
    return chr(65 + total % 26)


def fiscal_code(*, first_name: str, last_name: str, sex: str, birth: dt.date, belfiore: str) -> str:
    day = birth.day + (40 if sex == Sex.FEMALE else 0)
    partial = (
        f"{_surname_part(last_name)}{_name_part(first_name)}{birth.year % 100:02d}"
        f"{_MONTHS[birth.month - 1]}{day:02d}{belfiore}"
    )
    return partial + check_character(partial)


@cache
def belfiore_codes() -> dict[str, str]:
    """The cadastral code of every province's capital, taken once from python-codicefiscale."""
    from codicefiscale import codicefiscale

    result = {}
    for code, province in provinces().items():
        try:
            cf = codicefiscale.encode(
                lastname="Rossi", firstname="Mario", gender="M", birthdate="01/01/1980", birthplace=province.capital
            )
        except Exception:  # a capital the library spells differently: born in Rome, then
            cf = "RSSMRA80A01H501U"
        result[code] = cf[11:15]
    return result


# --- COPY text -------------------------------------------------------------------------------------------------


def _eur(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _text(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


class _PerRowDefault:
    """A unique column with a callable default (a UUID): a fresh value for every row."""

    def __init__(self, field: models.Field[Any, Any]) -> None:
        self.field = field

    def __call__(self) -> str:
        return _text(self.field.get_default())


class Table:
    """One table's COPY: the columns the seeder fills, in order, then every other column at its field default."""

    def __init__(self, model: type[models.Model] | None, columns: Sequence[str], *, db_table: str = "") -> None:
        self.db_table = db_table or (model._meta.db_table if model else "")
        self.columns = list(columns)
        self.rows: list[str] = []
        self.per_row: list[Callable[[], str]] = []
        suffix: list[str] = []
        rest: list[str] = []
        fresh: list[str] = []  # after the constant ones, in the order of self.per_row
        if model is not None:
            now = timezone.now()
            for field in model._meta.concrete_fields:
                if field.column in self.columns:
                    continue
                if field.primary_key and field.get_internal_type().endswith("AutoField"):
                    continue  # not given: the database numbers the rows
                if field.has_default() and callable(field.default) and field.unique:
                    self.per_row.append(_PerRowDefault(field))
                    fresh.append(str(field.column))
                    continue
                rest.append(str(field.column))
                if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                    value: Any = now
                else:  # the default, else "" for text-like columns, else NULL (Django's own rule)
                    value = field.get_default()
                suffix.append(_text(value))
        self.all_columns = self.columns + rest + fresh
        self.suffix = ("\t" + "\t".join(suffix)) if suffix and not self.per_row else ""
        self.static_suffix = suffix

    def add(self, *values: str) -> None:
        """Values already as COPY text, in the order of `columns`."""
        if self.per_row:
            self.rows.append("\t".join([*values, *self.static_suffix, *(f() for f in self.per_row)]))
        else:
            self.rows.append("\t".join(values) + self.suffix)

    def take(self) -> tuple[str, list[str]]:
        """The COPY statement and the rows gathered so far, which the table then forgets."""
        columns = ", ".join(f'"{c}"' for c in self.all_columns)
        rows, self.rows = self.rows, []
        return f'COPY "{self.db_table}" ({columns}) FROM STDIN', rows

    def flush(self, cursor: Any) -> int:
        statement, rows = self.take()
        return _copy(cursor, statement, rows)


def _copy(cursor: Any, statement: str, rows: list[str]) -> int:
    if not rows:
        return 0
    with cursor.copy(statement) as copy:
        for start in range(0, len(rows), 5000):
            copy.write("\n".join(rows[start : start + 5000]) + "\n")
    return len(rows)


class Copier(threading.Thread):
    """Sends the COPYs of one chunk on its own connection while the next chunk is drawn: PostgreSQL and Python
    work at the same time. Foreign-key triggers are off on this connection (the rows are built consistent)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.jobs: queue.Queue[list[tuple[str, list[str]]] | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None

    def run(self) -> None:
        import psycopg

        try:
            with psycopg.connect(**connection.get_connection_params()) as conn:
                conn.execute("SET session_replication_role = replica")
                conn.execute("SET synchronous_commit = off")
                conn.commit()
                while (job := self.jobs.get()) is not None:
                    with conn.cursor() as cursor:
                        for statement, rows in job:
                            _copy(cursor, statement, rows)
                    conn.commit()
        except BaseException as exc:  # reported by finish(); drain the queue so the producer never blocks
            self.error = exc
            while self.jobs.get() is not None:
                pass

    def send(self, job: list[tuple[str, list[str]]]) -> None:
        if self.error:
            raise self.error
        self.jobs.put(job)

    def finish(self) -> None:
        self.jobs.put(None)
        self.join()
        if self.error:
            raise self.error


def _next_id(model: type[models.Model]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{model._meta.db_table}"')  # noqa: S608 - a model's table
        return int(cursor.fetchone()[0]) + 1


def _reset_sequences(tables: Iterable[str]) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608 - a model's table
                f'(SELECT GREATEST(COALESCE(MAX(id), 0), 1) FROM "{table}"))'
            )


def _secondary_indexes(tables: Sequence[str]) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the indexes on `tables` that back no constraint (primary key, unique)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            ORDER BY i.tablename, i.indexname
            """,
            [list(tables)],
        )
        return [(name, definition) for name, definition in cursor.fetchall()]


# --- Reference data --------------------------------------------------------------------------------------------


def _reference(today: dt.date) -> dict[str, Any]:
    """Categories, regional offices and plans as the demo makes them (get_or_create: idempotent), and an operator."""
    from mutua.demo.builder import _Builder

    builder = _Builder(seed=2026, today=today)
    categories = builder._categories()
    offices = builder._offices()
    plans = builder._plans()
    operator, created = User.objects.get_or_create(
        username=OPERATOR_USERNAME, defaults={"role": Role.OPERATOR, "first_name": "Bench", "last_name": "Operatore"}
    )
    if created:
        operator.set_unusable_password()
        operator.save(update_fields=["password"])
    return {
        "categories": {slug: c.pk for slug, c in categories.items()},
        "offices": {code: o.pk for code, o in offices.items()},
        "plans": dict(plans),
        "operator": operator.pk,
    }


def seed_providers(*, count: int, categories: dict[str, int], rng: random.Random) -> int:
    """Providers spread over every province, with the demo's kinds of names and their categories."""
    have = Provider.objects.count()
    if have >= count:
        return 0
    try:
        from mutua.providers.models import search_key  # type: ignore[attr-defined]
    except ImportError:  # older schema: no stored search key

        def search_key(text: str) -> str:
            return text.casefold()

    fields = {f.column for f in Provider._meta.concrete_fields}
    columns = ["id", "name", "address", "city", "province", "latitude", "longitude", "phone", "direct_form"]
    if "name_search" in fields:
        columns.append("name_search")
    table = Table(Provider, columns)
    through = Provider.categories.through
    links = Table(None, ["provider_id", "category_id"], db_table=through._meta.db_table)
    next_id = _next_id(Provider)
    province_list = list(provinces().values())
    for i in range(count - have):
        province = province_list[i % len(province_list)]
        pattern, slugs = rng.choice(names.PROVIDER_KINDS)
        female = rng.random() < 0.5
        surname = rng.choice(names.SURNAMES)
        name = pattern.format(
            saint=rng.choice(names.SAINTS),
            villa=rng.choice(names.VILLAS),
            place=rng.choice(names.PLACES),
            doctor=f"{'Dott.ssa' if female else 'Dott.'} "
            f"{rng.choice(names.FEMALE_NAMES if female else names.MALE_NAMES)} {surname}",
            surname=surname,
        )
        name = f"{name} {i + 1}" if i >= 2000 else name  # many alike in a big network: keep them apart
        pk = next_id + i
        values = [
            str(pk),
            _text(name),
            _text(f"{rng.choice(names.STREETS)} {rng.randint(1, 180)}"),
            _text(province.capital),
            province.code,
            f"{province.lat + rng.uniform(-0.2, 0.2):.6f}",
            f"{province.lon + rng.uniform(-0.25, 0.25):.6f}",
            f"0{rng.randint(10, 99)} {rng.randint(100000, 9999999)}",
            "t" if rng.random() < 0.6 else "f",
        ]
        if "name_search" in fields:
            values.append(_text(search_key(name)))
        table.add(*values)
        for slug in slugs:
            if slug in categories:
                links.add(str(pk), str(categories[slug]))
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        written = table.flush(cursor.cursor)
        links.flush(cursor.cursor)
        cursor.execute("SET session_replication_role = DEFAULT")
    _reset_sequences([Provider._meta.db_table, through._meta.db_table])
    return written


# --- Members and their claims ----------------------------------------------------------------------------------


class MemberWriter:
    """Writes CHUNK members at a time with everything they own, each chunk from its own seeded Random."""

    def __init__(self, *, seed: int, today: dt.date, reference: dict[str, Any], claims_per_member: int) -> None:
        self.seed = seed
        self.today = today
        self.reference = reference
        self.claims_per_member = claims_per_member
        self.password = make_password(BENCH_PASSWORD)  # Argon2 is slow: hashed once, copied to every row
        self.provinces: list[Province] = list(provinces().values())
        self.weights = list(itertools.accumulate(1 + names.PROVINCE_WEIGHTS.get(p.code, 0) for p in self.provinces))
        self.provider_names = [f"Poliambulatorio {surname}" for surname in names.SURNAMES]
        self.belfiore = belfiore_codes()
        self.used: set[str] = set(Member.objects.values_list("fiscal_code", flat=True))
        self.used.update(Beneficiary.objects.values_list("fiscal_code", flat=True))
        from schwifty import IBAN

        pool_rng = random.Random(seed)
        self.ibans = [
            str(
                IBAN.generate(
                    "IT",
                    bank_code=pool_rng.choice(names.BANK_CODES),
                    account_code=f"{pool_rng.randint(10**9, 10**12 - 1):012d}",
                )
            )
            for _ in range(500)
        ]
        models_with_ids: list[type[models.Model]] = [
            User, Member, Beneficiary, Enrollment, Contribution, Claim, ClaimDocument, Attachment, ClaimEvent,
            Settlement,
        ]  # fmt: skip
        self.ids: dict[type[models.Model], int] = {model: _next_id(model) for model in models_with_ids}
        self.now = timezone.now()
        plans = reference["plans"]
        self.plans = [(plans[code], code) for code in ("BASE", "FAMIGLIA", "PLUS") if code in plans]
        self.tables = self._tables()
        # The bell's notice of each claim's latest move; read unless recent. Labels in the portal's language.
        self.titles = {status: f"Pratica %(id)s: {label}" for status, label in ClaimStatus.choices}

    def _tables(self) -> dict[str, Table]:
        enrollment_links = Enrollment.beneficiaries.through
        return {
            "user": Table(
                User,
                ["id", "password", "username", "first_name", "last_name", "role", "first_access_completed_at"],
            ),
            "member": Table(
                Member,
                [
                    "id",
                    "user_id",
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
                    "email",
                    "email_verified_at",
                    "mobile",
                    "mobile_verified_at",
                    "iban",
                    "account_holder",
                    "regional_office_id",
                    "created_at",
                    "updated_at",
                ],
            ),  # fmt: skip
            "beneficiary": Table(
                Beneficiary,
                ["id", "member_id", "relationship", "fiscal_code", "first_name", "last_name", "birth_date"],
            ),
            "enrollment": Table(Enrollment, ["id", "member_id", "plan_id", "start_date"]),
            "enrollment_beneficiary": Table(
                None, ["enrollment_id", "beneficiary_id"], db_table=enrollment_links._meta.db_table
            ),
            "contribution": Table(
                Contribution,
                [
                    "id",
                    "member_id",
                    "enrollment_id",
                    "year",
                    "period",
                    "amount_due",
                    "amount_paid",
                    "family_part",
                    "paid_on",
                    "method",
                ],
            ),  # fmt: skip
            "claim": Table(
                Claim, ["id", "member_id", "kind", "status", "submitted_at", "token", "created_at", "updated_at"]
            ),
            "document": Table(
                ClaimDocument,
                [
                    "id",
                    "claim_id",
                    "doc_type",
                    "number",
                    "issue_date",
                    "amount",
                    "provider_province",
                    "provider_name",
                    "beneficiary_id",
                    "created_at",
                    "updated_at",
                ],
            ),  # fmt: skip
            "attachment": Table(
                Attachment, ["id", "document_id", "file", "original_name", "content_type", "size", "sha256"]
            ),
            "notification": Table(Notification, ["member_id", "kind", "title", "url", "created_at", "read_at"]),
            "event": Table(ClaimEvent, ["id", "claim_id", "actor_id", "from_status", "to_status", "created_at"]),
            "settlement": Table(
                Settlement,
                [
                    "id",
                    "document_id",
                    "amount_requested",
                    "amount_admitted",
                    "amount_withheld",
                    "amount_paid",
                    "reason",
                    "competence_year",
                    "payment_year",
                    "paid_on",
                    "created_at",
                ],
            ),  # fmt: skip
        }

    def _take(self, model: type[models.Model]) -> int:
        pk = self.ids[model]
        self.ids[model] = pk + 1
        return pk

    def _person_code(self, rng: random.Random, *, first: str, last: str, sex: str, birth: dt.date, place: str) -> str:
        while True:
            code = fiscal_code(first_name=first, last_name=last, sex=sex, birth=birth, belfiore=self.belfiore[place])
            if code not in self.used:
                self.used.add(code)
                return code
            birth += dt.timedelta(days=1)

    def write(self, *, count: int, progress: Callable[[int], None] | None = None) -> int:
        """Secondary indexes are dropped for the load and built again at the end: much faster than row by row."""
        done = 0
        first_index = Member.objects.count()
        tables = [t.db_table for t in self.tables.values()]
        indexes = _secondary_indexes(tables)
        with connection.cursor() as cursor:
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        copier = Copier()
        copier.start()
        try:
            while done < count:
                n = min(CHUNK, count - done)
                rng = random.Random(f"{self.seed}:{first_index + done}")
                for i in range(n):
                    self._member(rng, first_index + done + i)
                copier.send([table.take() for table in self.tables.values()])
                done += n
                if progress:
                    progress(first_index + done)
        finally:
            copier.finish()
            with connection.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '256MB'")
                for _name, definition in indexes:
                    cursor.execute(definition)
        _reset_sequences(tables)
        return done

    def _member(self, rng: random.Random, index: int) -> None:
        t = self.tables
        province = rng.choices(self.provinces, cum_weights=self.weights)[0]
        sex = Sex.MALE if rng.random() < 0.5 else Sex.FEMALE
        first = rng.choice(names.MALE_NAMES if sex == Sex.MALE else names.FEMALE_NAMES)
        last = rng.choice(names.SURNAMES)
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 19_000))
        cf = self._person_code(rng, first=first, last=last, sex=sex, birth=birth, place=province.code)
        user_id, member_id = self._take(User), self._take(Member)
        kind = MemberKind.COLLECTIVE if rng.random() < 0.15 else MemberKind.ORDINARY
        code = f"7{index + 1:011d}" if kind == MemberKind.COLLECTIVE else f"{100000 + index:012d}"
        verified = _text(self.now)
        t["user"].add(str(user_id), self.password, code, _text(first), _text(last), Role.MEMBER, verified)
        mobile = f"+39{rng.choice(names.MOBILE_PREFIXES)}{rng.randint(0, 9_999_999):07d}" if rng.random() < 0.9 else ""
        iban = rng.choice(self.ibans)
        t["member"].add(
            str(member_id), str(user_id), code, kind, cf, _text(first), _text(last), sex, birth.isoformat(),
            _text(province.capital), _text(f"{rng.choice(names.STREETS)} {rng.randint(1, 220)}"),
            names.CAPITAL_CAP.get(province.code, "00100"), _text(province.capital), province.code,
            f"{_letters(first).lower()}.{_letters(last).lower()}.{index + 1}@esempio.it", verified,
            mobile, verified if mobile else NULL, iban, _text(f"{first} {last}"),
            str(self.reference["offices"][province.code]), verified, verified,
        )  # fmt: skip

        family: list[int] = []
        if birth.year < 1995 and rng.random() < 0.4:
            spouse_sex = Sex.FEMALE if sex == Sex.MALE else Sex.MALE
            relatives = [(Relationship.SPOUSE, spouse_sex, birth + dt.timedelta(days=rng.randint(-1500, 1500)))]
            for _ in range(rng.choices((0, 1, 2, 3), cum_weights=(25, 60, 90, 100))[0]):
                child_birth = birth + dt.timedelta(days=rng.randint(26 * 365, 40 * 365))
                if 60 < (self.today - child_birth).days < 26 * 365:
                    relatives.append((Relationship.CHILD, rng.choice((Sex.MALE, Sex.FEMALE)), child_birth))
            for relationship, rel_sex, rel_birth in relatives:
                rel_first = rng.choice(names.MALE_NAMES if rel_sex == Sex.MALE else names.FEMALE_NAMES)
                rel_last = last if relationship == Relationship.CHILD else rng.choice(names.SURNAMES)
                rel_cf = self._person_code(
                    rng, first=rel_first, last=rel_last, sex=rel_sex, birth=rel_birth, place=province.code
                )
                pk = self._take(Beneficiary)
                family.append(pk)
                t["beneficiary"].add(
                    str(pk), str(member_id), relationship, rel_cf, _text(rel_first), _text(rel_last),
                    rel_birth.isoformat(),
                )  # fmt: skip

        plan, _code = (
            self.plans[1 if rng.random() < 0.75 else 2] if family else self.plans[0 if rng.random() < 0.65 else 2]
        )
        start = dt.date(rng.randint(2008, self.today.year - 1), rng.randint(1, 12), 1)
        enrollment_id = self._take(Enrollment)
        t["enrollment"].add(str(enrollment_id), str(member_id), str(plan.pk), start.isoformat())
        for pk in family:
            t["enrollment_beneficiary"].add(str(enrollment_id), str(pk))
        family_part = plan.family_fee * len(family)
        due = plan.yearly_fee + family_part
        for year in range(max(self.today.year - 2, start.year), self.today.year + 1):
            paid_on = max(dt.date(year, 1, 31), start + dt.timedelta(days=15))
            t["contribution"].add(
                str(self._take(Contribution)), str(member_id), str(enrollment_id), str(year), f"Anno {year}",
                str(due), str(due), str(family_part), min(paid_on, self.today).isoformat(), "sdd",
            )  # fmt: skip
        self._claims(rng, member_id=member_id, user_id=user_id, province=province.code, family=family)

    def _claims(self, rng: random.Random, *, member_id: int, user_id: int, province: str, family: list[int]) -> None:
        mean = self.claims_per_member
        count = max(0, min(2 * mean, round(rng.gauss(mean, mean / 2))))
        if not count:
            return
        days = sorted(rng.sample(range(3, 3 * 365), count))  # days before today, newest first
        for n, days_ago in enumerate(days):
            latest = n == 0
            if latest:
                status = rng.choices(LATEST_STATUSES, cum_weights=LATEST_WEIGHTS)[0]
            else:
                status = rng.choices(EARLIER_STATUSES, cum_weights=EARLIER_WEIGHTS)[0]
            self._claim(
                rng, status=status, days_ago=days_ago, member_id=member_id, user_id=user_id, p=province, f=family
            )

    def _claim(
        self, rng: random.Random, *, status: str, days_ago: int, member_id: int, user_id: int, p: str, f: list[int]
    ) -> None:
        t = self.tables
        claim_id = self._take(Claim)
        submitted = self.now - dt.timedelta(days=days_ago, minutes=rng.randint(0, 600))
        stamp = submitted.isoformat()
        kind = ClaimKind.REIMBURSEMENT_SURGERY if rng.random() < 0.05 else ClaimKind.REIMBURSEMENT_STANDARD
        t["claim"].add(
            str(claim_id), str(member_id), kind, status, stamp, f"{rng.getrandbits(128):032x}",
            (submitted - HOUR).isoformat(), stamp,
        )  # fmt: skip
        events: list[tuple[str, str, int | None, dt.datetime]] = [("", ClaimStatus.SUBMITTED, user_id, submitted)]
        when = submitted
        operator = self.reference["operator"]
        if status == ClaimStatus.CANCELLED:
            events.append((ClaimStatus.SUBMITTED, ClaimStatus.CANCELLED, user_id, when + dt.timedelta(hours=2)))
        elif status != ClaimStatus.SUBMITTED:
            when += dt.timedelta(days=1)
            events.append((ClaimStatus.SUBMITTED, ClaimStatus.IN_REVIEW, operator, when))
            if status in (ClaimStatus.SETTLED, ClaimStatus.PAID, ClaimStatus.REJECTED):
                when += dt.timedelta(days=2)
                to = ClaimStatus.REJECTED if status == ClaimStatus.REJECTED else ClaimStatus.SETTLED
                events.append((ClaimStatus.IN_REVIEW, to, operator, when))
            if status == ClaimStatus.PAID:
                events.append((ClaimStatus.SETTLED, ClaimStatus.PAID, None, when + dt.timedelta(days=1)))
        last = events[-1][3]
        t["notification"].add(
            str(member_id), NotificationKind.CLAIM_STATUS, self.titles[status] % {"id": claim_id},
            f"/pratiche/{claim_id}/", last.isoformat(), NULL if days_ago < 30 else (last + HOUR).isoformat(),
        )  # fmt: skip
        for from_status, to_status, actor, at in events:
            t["event"].add(
                str(self._take(ClaimEvent)), str(claim_id), NULL if actor is None else str(actor), from_status,
                to_status, at.isoformat(),
            )  # fmt: skip
        settled = status in (ClaimStatus.SETTLED, ClaimStatus.PAID)
        paid_on = (when + dt.timedelta(days=1)).date() if status == ClaimStatus.PAID else None
        for _ in range(rng.choices((1, 2, 3), cum_weights=(45, 80, 100))[0]):
            doc_id = self._take(ClaimDocument)
            doc_type = DocumentType.FATTURA if rng.random() < 0.7 else DocumentType.RICEVUTA
            cents = rng.randint(3000, 60000)
            issue = (submitted - dt.timedelta(days=rng.randint(1, 60))).date()
            beneficiary = str(rng.choice(f)) if f and rng.random() < 0.4 else NULL
            t["document"].add(
                str(doc_id), str(claim_id), doc_type, f"{rng.randint(1, 999)}/{issue.year}", issue.isoformat(),
                _eur(cents), p, rng.choice(self.provider_names), beneficiary, stamp, stamp,
            )  # fmt: skip
            pdf = rng.random() < 0.6
            t["attachment"].add(
                str(self._take(Attachment)), str(doc_id), f"attachments/bench/{rng.getrandbits(64):016x}",
                f"{doc_type}-{doc_id}.{'pdf' if pdf else 'jpg'}", "application/pdf" if pdf else "image/jpeg",
                str(rng.randint(40_000, 900_000)), f"{rng.getrandbits(256):064x}",
            )  # fmt: skip
            if settled:
                admitted = cents * 9 // 10
                withheld = admitted // 5
                t["settlement"].add(
                    str(self._take(Settlement)), str(doc_id), _eur(cents), _eur(admitted), _eur(withheld),
                    _eur(admitted - withheld), "Quota non rimborsabile secondo il piano.", str(issue.year),
                    str(paid_on.year) if paid_on else NULL, paid_on.isoformat() if paid_on else NULL, when.isoformat(),
                )  # fmt: skip


# --- The virtual users' plan -----------------------------------------------------------------------------------


def _routes() -> list[tuple[str, str]]:
    """Every (route, name) of the URL map, routes written with their converters (`pratiche/<int:pk>/`)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found: list[tuple[str, str]] = []

    def walk(patterns: Iterable[Any], prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern):
                found.append((prefix + str(pattern.pattern), f"{namespace}{pattern.name or ''}"))

    walk(get_resolver().url_patterns, "", "")
    return found


def _fill(route: str, values: dict[str, int]) -> str | None:
    """A route with its converters replaced by the member's own ids; None when one is unknown."""
    import re

    def replace(match: re.Match[str]) -> str:
        name = match.group(2)
        for key in (name, "pk"):
            if key in values:
                return str(values[key])
        raise KeyError(name)

    try:
        return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", replace, route)
    except KeyError:
        return None


def discover_endpoints() -> dict[str, dict[str, str]]:
    """Provider search (JSON) and the card PDF are built by other issues: found in the URL map when they exist."""
    routes = _routes()
    result: dict[str, dict[str, str]] = {}
    search = [
        (route, name)
        for route, name in routes
        if route.startswith("fornitori/") and any(w in (route + name).lower() for w in ("json", "cerca", "search"))
    ]
    result["provider_search"] = (
        {"route": search[0][0], "name": search[0][1]}
        if search
        else {"missing": "no JSON provider search under /fornitori/ in the URL map yet"}
    )
    cards = [(route, name) for route, name in routes if route.startswith("adesioni/tessera")]
    cards.sort(key=lambda r: (not r[0].endswith(".pdf"), "pdf" not in r[1], r[0]))
    result["card_pdf"] = (
        {"route": cards[0][0], "name": cards[0][1]} if cards else {"missing": "no card under /adesioni/tessera/ yet"}
    )
    return result


def _map_queries(n: int) -> list[str]:
    """What a member's map asks for: the area around a city, then a category, then a name typed in "Cerca"."""
    from urllib.parse import urlencode

    cities = [provinces()[code] for code in ("MI", "RM", "NA", "TO", "BO", "FI", "BA", "PA", "VE", "GE")]
    city = cities[n % len(cities)]
    bbox = f"{city.lon - 0.6:.4f},{city.lat - 0.4:.4f},{city.lon + 0.6:.4f},{city.lat + 0.4:.4f}"
    return [
        urlencode({"bbox": bbox}),
        urlencode({"bbox": bbox, "categoria": "analisi"}),
        urlencode({"q": "poliambulatorio", "bbox": bbox}),
    ]


def upload_files(directory: Path, *, size: int = 500 * 1024) -> list[tuple[str, str]]:
    """Two scans of about 500 KB each, as a member sends them: a JPEG photo and a PDF. (path, content type)."""
    import io

    from PIL import Image
    from reportlab import rl_config
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(500)
    side = 400
    while True:  # noise does not compress: grow the picture until the JPEG weighs about `size`
        pixels = bytes(rng.getrandbits(8) for _ in range(side * side * 3))
        buffer = io.BytesIO()
        Image.frombytes("RGB", (side, side), pixels).save(buffer, "JPEG", quality=85)
        if buffer.tell() >= size * 0.95:
            break
        side = int(side * (size / buffer.tell()) ** 0.5) + 8
    (directory / "scansione.jpg").write_bytes(buffer.getvalue())
    pdf_buffer = io.BytesIO()
    rl_config.useA85 = 0  # binary streams, as scanners write them, not ASCII85 (+25 %)
    pdf = canvas.Canvas(pdf_buffer, pagesize=A4, invariant=True)
    pdf.drawString(40, 800, "Fattura - documento di prova del bench")
    # A file path keeps the JPEG as it is (DCTDecode) inside the PDF: a scanned page of about the same weight.
    pdf.drawImage(str(directory / "scansione.jpg"), 40, 200, width=500, height=500)
    pdf.showPage()
    pdf.save()
    (directory / "fattura.pdf").write_bytes(pdf_buffer.getvalue())
    return [(str(directory / "scansione.jpg"), "image/jpeg"), (str(directory / "fattura.pdf"), "application/pdf")]


def build_plan(*, users: int) -> dict[str, Any]:
    """Virtual users: members spread over the first 10 000, each with a paid claim (claim page and receipt)."""
    first = Member.objects.order_by("pk").values_list("pk", flat=True)[:1]
    start = first[0] if first else 0
    span = min(Member.objects.count(), 10_000)
    chosen: list[dict[str, Any]] = []
    step = max(1, span // (users * 4))
    candidate = start
    while len(chosen) < users and candidate < start + span:
        member = Member.objects.filter(pk=candidate, kind=MemberKind.ORDINARY).select_related("user").first()
        candidate += step
        if member is None or member.user is None:
            continue
        claim = (
            Claim.objects.filter(member=member, status=ClaimStatus.PAID).order_by("-submitted_at").only("pk").first()
        )
        enrollment = Enrollment.objects.filter(member=member).order_by("start_date").only("pk").first()
        if claim is None or enrollment is None:
            continue
        ids = {"member": member.pk, "claim": claim.pk, "enrollment": enrollment.pk, "pk": enrollment.pk}
        chosen.append({"username": member.user.username, "claim": claim.pk, "enrollment": enrollment.pk, "ids": ids})
    endpoints = discover_endpoints()
    card = endpoints["card_pdf"].get("route")
    search = endpoints["provider_search"].get("route")
    for n, user in enumerate(chosen):
        if card:
            user["card_pdf"] = _fill(card, user["ids"])
        if search:
            user["provider_search"] = [f"{_fill(search, user['ids'])}?{query}" for query in _map_queries(n)]
    from bench.urls import FLOOR_PATH

    return {
        "password": BENCH_PASSWORD,
        "floor": "/" + FLOOR_PATH,
        "upload_files": upload_files(Path(os.environ.get("BENCH_DIR", "var/bench"))),
        "users": chosen,
        "endpoints": endpoints,
        "provinces": sorted(provinces()),
        "members": Member.objects.count(),
    }


def counts() -> dict[str, int]:
    return {
        "members": Member.objects.count(),
        "beneficiaries": Beneficiary.objects.count(),
        "providers": Provider.objects.count(),
        "claims": Claim.objects.count(),
        "documents": ClaimDocument.objects.count(),
        "attachments": Attachment.objects.count(),
        "settlements": Settlement.objects.count(),
        "claim_events": ClaimEvent.objects.count(),
        "notifications": Notification.objects.count(),
    }


def seed(
    *,
    members: int,
    providers: int = DEFAULT_PROVIDERS,
    claims_per_member: int = DEFAULT_CLAIMS_PER_MEMBER,
    seed_value: int = 2026,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Grow the bench database to `members` members (and `providers` providers); returns counts and timings."""
    started = time.perf_counter()
    today = timezone.localdate()
    reference = _reference(today)
    added_providers = seed_providers(count=providers, categories=reference["categories"], rng=random.Random(seed_value))
    have = Member.objects.count()
    added = 0
    if members > have:
        writer = MemberWriter(seed=seed_value, today=today, reference=reference, claims_per_member=claims_per_member)
        t0 = time.perf_counter()

        def progress(n: int) -> None:
            rate = (n - have) / max(time.perf_counter() - t0, 1e-9)
            log(f"  {n:>9,} members  ({rate:,.0f} members/s)")

        added = writer.write(count=members - have, progress=progress)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "added_members": added,
        "added_providers": added_providers,
        "seconds": round(time.perf_counter() - started, 1),
        "counts": counts(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--members", type=int, required=True)
    parser.add_argument("--providers", type=int, default=DEFAULT_PROVIDERS)
    parser.add_argument("--claims-per-member", type=int, default=DEFAULT_CLAIMS_PER_MEMBER)
    parser.add_argument("--users", type=int, default=16, help="virtual users in the plan")
    parser.add_argument("--plan", type=Path, help="write the virtual users' plan (JSON) here")
    parser.add_argument("--out", type=Path, help="write the seeding report (JSON) here")
    args = parser.parse_args(argv)
    report = seed(members=args.members, providers=args.providers, claims_per_member=args.claims_per_member)
    if args.out:
        args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    if args.plan:
        args.plan.write_text(json.dumps(build_plan(users=args.users), indent=2), encoding="utf-8")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
