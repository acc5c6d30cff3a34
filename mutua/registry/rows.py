"""Each registry row cleaned into the fields of a Member or a Beneficiary, or the reasons it cannot be imported.

Nothing here touches the database: what needs it (regional offices, the member of a beneficiary, codici fiscali
already taken) is checked by `registry_import` in services.py.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Model
from django.utils.translation import gettext as _

from mutua.core.provinces import provinces
from mutua.members.models import Beneficiary, Member, MemberKind, PostalAddress, Relationship, Sex
from mutua.members.validators import (
    normalize_fiscal_code,
    normalize_iban,
    normalize_user_code,
    validate_cap,
    validate_fiscal_code,
    validate_iban,
)
from mutua.registry.files import (
    ADDRESS_PARTS,
    BENEFICIARY,
    BENEFICIARY_COLUMNS,
    EARLIEST_BIRTH_DATE,
    FORBIDDEN_CHARACTERS,
    MEMBER,
    MEMBER_COLUMNS,
    RawRow,
)

ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
ITALIAN_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
# The choices, read once: a TextChoices' `.values` builds a new list at every call, and this runs per row.
MEMBER_KINDS = tuple(MemberKind.values)
SEXES = tuple(Sex.values)
POSTAL_ADDRESSES = tuple(PostalAddress.values)
RELATIONSHIPS = tuple(Relationship.values)
# Markup, and control characters (Unicode category C) in the Latin-1 range; str.isprintable() is False for every
# other character of category C, which then gets the full check.
MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
FORBIDDEN = re.compile(r"[<>\x00-\x1f\x7f-\x9f]")
# Looked up for every cell of every row: sets, and the address columns' names built once.
MEMBER_COLUMN_SET = frozenset(MEMBER_COLUMNS)
BENEFICIARY_COLUMN_SET = frozenset(BENEFICIARY_COLUMNS)
ADDRESS_COLUMNS = {prefix: {part: f"{prefix}_{part}" for part in ADDRESS_PARTS} for prefix in ("residence", "domicile")}


@dataclass
class CleanRow:
    """A row's values converted to model field values, or the reasons it cannot be imported."""

    line: int
    record: str
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


def clean_member_row(row: RawRow) -> CleanRow:
    """A row of the members file."""
    cleaned = CleanRow(line=row.line, record=MEMBER)
    if row.problem:
        cleaned.errors.append(row.problem)
    else:
        _clean_member(row.values, cleaned)
    return cleaned


def clean_beneficiary_row(row: RawRow) -> CleanRow:
    """A row of the family members file."""
    cleaned = CleanRow(line=row.line, record=BENEFICIARY)
    if row.problem:
        cleaned.errors.append(row.problem)
    else:
        _clean_beneficiary(row.values, cleaned)
    return cleaned


def clean_row(row: RawRow) -> CleanRow:
    """The row's values as model field values; every problem found is listed, not only the first."""
    record = value_of(row.values, "record").lower()
    cleaned = CleanRow(line=row.line, record=record)
    if row.problem:
        cleaned.errors.append(row.problem)
        return cleaned
    if record == MEMBER:
        _clean_member(row.values, cleaned)
    elif record == BENEFICIARY:
        _clean_beneficiary(row.values, cleaned)
    elif not record:
        cleaned.errors.append(_("record: campo obbligatorio (member o beneficiary)."))
    else:
        cleaned.errors.append(_("record: deve essere member o beneficiary."))
    return cleaned


def _clean_member(values: Mapping[str, str], row: CleanRow) -> None:
    _reject_columns(values, row, allowed=MEMBER_COLUMN_SET)
    data = row.data
    data["code"] = code_value(values, "code", row)
    data["kind"] = _choice(values, "kind", row, choices=MEMBER_KINDS, default=MemberKind.ORDINARY)
    data["first_name"] = text_value(values, "first_name", row, model=Member, is_required=True)
    data["last_name"] = text_value(values, "last_name", row, model=Member, is_required=True)
    data["sex"] = _choice(values, "sex", row, choices=SEXES, upper=True)
    data["birth_date"] = _birth_date(values, "birth_date", row)
    data["fiscal_code"] = _fiscal_code(values, row, birth_date=data["birth_date"], sex=data["sex"])
    data["birth_place"] = text_value(values, "birth_place", row, model=Member)
    for prefix in ("residence", "domicile"):
        data.update(_address(values, prefix, row))
    data["postal_address"] = _choice(
        values, "postal_address", row, choices=POSTAL_ADDRESSES, default=PostalAddress.RESIDENCE
    )
    if data["postal_address"] == PostalAddress.DOMICILE and not data["domicile_street"]:
        row.errors.append(_("postal_address: è domicile, ma l'indirizzo di domicilio è vuoto."))
    data["email"] = _email(values, "email", row)
    data["mobile"] = _mobile(values, "mobile", row)
    data["iban"] = _iban(values, "iban", row)
    data["account_holder"] = text_value(values, "account_holder", row, model=Member)
    data["regional_office"] = text_value(values, "regional_office", row, max_length=10)


def _clean_beneficiary(values: Mapping[str, str], row: CleanRow) -> None:
    _reject_columns(values, row, allowed=BENEFICIARY_COLUMN_SET)
    data = row.data
    data["member_code"] = code_value(values, "member_code", row)
    data["relationship"] = _choice(values, "relationship", row, choices=RELATIONSHIPS)
    data["first_name"] = text_value(values, "first_name", row, model=Beneficiary, is_required=True)
    data["last_name"] = text_value(values, "last_name", row, model=Beneficiary, is_required=True)
    data["birth_date"] = _birth_date(values, "birth_date", row)
    sex = _choice(values, "sex", row, choices=SEXES, upper=True, needed=False)
    data["fiscal_code"] = _fiscal_code(values, row, birth_date=data["birth_date"], sex=sex)


def value_of(values: Mapping[str, str], column: str) -> str:
    """The cell with surrounding spaces removed and runs of white space (tabs, new lines) made one space."""
    return " ".join((values.get(column) or "").split())


def _reject_columns(values: Mapping[str, str], row: CleanRow, *, allowed: frozenset[str]) -> None:
    for column, value in values.items():
        if column != "record" and column not in allowed and value.strip():
            row.errors.append(
                _("%(column)s: colonna non prevista per una riga %(record)s: lasciala vuota.")
                % {"column": column, "record": row.record}
            )


def required(column: str, row: CleanRow) -> None:
    row.errors.append(_("%(column)s: campo obbligatorio.") % {"column": column})


def text_value(
    values: Mapping[str, str],
    column: str,
    row: CleanRow,
    *,
    model: type[Model] | None = None,
    max_length: int = 0,
    is_required: bool = False,
) -> str:
    """Free text (names, addresses): bounded by the model column, without markup or control characters."""
    value = value_of(values, column)
    if not value:
        if is_required:
            required(column, row)
        return ""
    if model is not None:
        max_length = _max_length(model, column)
    if max_length and len(value) > max_length:
        row.errors.append(
            _("%(column)s: al massimo %(max)d caratteri (ne ha %(n)d).")
            % {"column": column, "max": max_length, "n": len(value)}
        )
        return ""
    if FORBIDDEN.search(value) or (
        not value.isprintable()
        and any(c in FORBIDDEN_CHARACTERS or unicodedata.category(c).startswith("C") for c in value)
    ):
        row.errors.append(
            _("%(column)s: contiene caratteri non ammessi (< > o caratteri di controllo).") % {"column": column}
        )
        return ""
    return value


@functools.cache
def _max_length(model: type[Model], column: str) -> int:
    return int(getattr(model._meta.get_field(column), "max_length", 0) or 0)


def _choice(
    values: Mapping[str, str],
    column: str,
    row: CleanRow,
    *,
    choices: Sequence[str],
    default: str = "",
    upper: bool = False,
    needed: bool = True,
) -> str:
    value = value_of(values, column)
    value = value.upper() if upper else value.lower()
    if not value:
        if not default and needed:
            required(column, row)
        return default
    if value not in choices:
        row.errors.append(
            _("%(column)s: valore non ammesso: usa %(choices)s.") % {"column": column, "choices": ", ".join(choices)}
        )
        return default
    return value


def code_value(values: Mapping[str, str], column: str, row: CleanRow) -> str:
    value = value_of(values, column)
    if not value:
        required(column, row)
        return ""
    try:
        return normalize_user_code(value)
    except ValidationError as exc:
        row.errors.append(f"{column}: {exc.messages[0]}")
        return ""


def parse_date(value: str, column: str, row: CleanRow) -> dt.date | None:
    """`AAAA-MM-GG` or `GG/MM/AAAA`; a date that does not exist (31/02) is named as such."""
    if match := ITALIAN_DATE.fullmatch(value):
        day, month, year = match.groups()
    elif match := ISO_DATE.fullmatch(value):
        year, month, day = match.groups()
    else:
        row.errors.append(_("%(column)s: data non valida: usa GG/MM/AAAA o AAAA-MM-GG.") % {"column": column})
        return None
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        row.errors.append(
            _("%(column)s: la data %(value)s non esiste nel calendario.") % {"column": column, "value": value}
        )
        return None


def _birth_date(values: Mapping[str, str], column: str, row: CleanRow) -> dt.date | None:
    value = value_of(values, column)
    if not value:
        required(column, row)
        return None
    parsed = parse_date(value, column, row)
    if parsed is not None and not EARLIEST_BIRTH_DATE <= parsed <= dt.date.today():
        row.errors.append(_("%(column)s: data di nascita fuori dall'intervallo ammesso.") % {"column": column})
        return None
    return parsed


def _fiscal_code(values: Mapping[str, str], row: CleanRow, *, birth_date: dt.date | None, sex: str) -> str:
    """A valid codice fiscale that agrees with the birth date and sex given in the same row."""
    value = normalize_fiscal_code(values.get("fiscal_code") or "")
    if not value:
        required("fiscal_code", row)
        return ""
    try:
        validate_fiscal_code(value)
    except ValidationError as exc:
        row.errors.append(f"fiscal_code: {exc.messages[0]}")
        return ""
    problems = fiscal_code_disagreements(value, birth_date=birth_date, sex=sex or None)
    if "cf" in problems:
        row.errors.append(_("fiscal_code: il comune o lo Stato di nascita codificato non è riconosciuto."))
    if "birth_date" in problems:
        row.errors.append(_("fiscal_code: non corrisponde alla data di nascita indicata."))
    if "sex" in problems:
        row.errors.append(_("fiscal_code: non corrisponde al sesso indicato."))
    return value


def _address(values: Mapping[str, str], prefix: str, row: CleanRow) -> dict[str, str]:
    """Residence or domicile: all four parts or none."""
    columns = ADDRESS_COLUMNS[prefix]
    # A cell is given when it has more than white space (what value_of makes of it is then not empty).
    given = {column for column in columns.values() if (values.get(column) or "").strip()}
    if not given:
        return dict.fromkeys(columns.values(), "")
    address = {
        columns["street"]: text_value(values, columns["street"], row, model=Member),
        columns["city"]: text_value(values, columns["city"], row, model=Member),
        columns["cap"]: value_of(values, columns["cap"]),
        columns["province"]: value_of(values, columns["province"]).upper(),
    }
    for column in columns.values():
        if column not in given:
            row.errors.append(_("%(column)s: campo obbligatorio quando l'indirizzo è indicato.") % {"column": column})
    cap = address[columns["cap"]]
    if cap:
        try:
            validate_cap(cap)
        except ValidationError as exc:
            row.errors.append(f"{columns['cap']}: {exc.messages[0]}")
    province = address[columns["province"]]
    if province and province not in provinces():
        row.errors.append(
            _("%(column)s: sigla di provincia sconosciuta (due lettere, ad esempio MI o RM).")
            % {"column": columns["province"]}
        )
    return address


def _email(values: Mapping[str, str], column: str, row: CleanRow) -> str:
    value = value_of(values, column)
    if not value:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        row.errors.append(_("%(column)s: indirizzo email non valido.") % {"column": column})
        return ""
    max_length = _max_length(Member, column)
    if len(value) > max_length:
        row.errors.append(
            _("%(column)s: al massimo %(max)d caratteri (ne ha %(n)d).")
            % {"column": column, "max": max_length, "n": len(value)}
        )
        return ""
    return value


# An Italian mobile as usually written: digits and spaces, with or without +39 or 0039 in front.
PLAIN_MOBILE = re.compile(r"(?:\+39|0039)?(3[0-9]{8,9})")


# A phonenumbers description of a kind of number, as its `_is_number_matching_desc` reads it: the possible lengths
# (none: any), then the whole national number against the pattern.
NumberDesc = tuple[frozenset[int], re.Pattern[str]]


def _desc(desc: phonenumbers.PhoneNumberDesc | None) -> NumberDesc | None:
    if desc is None or not desc.national_number_pattern:
        return None
    return frozenset(desc.possible_length or ()), re.compile(desc.national_number_pattern)


@functools.cache
def _italian_number_descs() -> tuple[NumberDesc | None, tuple[NumberDesc, ...], NumberDesc | None]:
    """phonenumbers' descriptions of Italian numbers: valid at all, the kinds its `number_type` tries before fixed
    line and mobile (premium rate, toll free, …), and the one that makes a mobile (fixed line when the two share
    their pattern)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("IT")
    assert metadata is not None
    before = (
        *(metadata.premium_rate, metadata.toll_free, metadata.shared_cost, metadata.voip),
        *(metadata.personal_number, metadata.pager, metadata.uan, metadata.voicemail),
    )
    same = bool(metadata.same_mobile_and_fixed_line_pattern)
    return (
        _desc(metadata.general_desc),
        tuple(desc for desc in map(_desc, before) if desc is not None),
        _desc(metadata.fixed_line if same else metadata.mobile),
    )


def _matches(national: str, desc: NumberDesc | None) -> bool:
    if desc is None:
        return False
    lengths, pattern = desc
    return (not lengths or len(national) in lengths) and pattern.fullmatch(national) is not None


def plain_italian_mobile(value: str) -> str:
    """The E.164 form of an Italian mobile written plainly (`333 1234567`, `+39 333 1234567`, `0039…`), or "" when
    the value is anything else, mobile or not: what `phonenumbers.parse(value, "IT")`, `number_type` and
    `format_number(…, E164)` give (tested), with phonenumbers' own Italian patterns but without its generic parse
    (about six times slower: the registry import checks a million). A number of Italy's prefix is Italian for
    `number_type` whenever its Italian type is known (the Vatican's numbers share the prefix), so the Italian
    patterns decide."""
    match = PLAIN_MOBILE.fullmatch(value.replace(" ", ""))
    if match is None:
        return ""
    national = match.group(1)
    general, before, mobile = _italian_number_descs()
    if not _matches(national, general) or any(_matches(national, desc) for desc in before):
        return ""
    return f"+39{national}" if _matches(national, mobile) else ""


def _mobile(values: Mapping[str, str], column: str, row: CleanRow) -> str:
    """An Italian mobile number (or a foreign one with its prefix), stored as E.164."""
    value = value_of(values, column)
    if not value:
        return ""
    if plain := plain_italian_mobile(value):
        return plain
    try:
        number = phonenumbers.parse(value, "IT")
    except phonenumbers.NumberParseException:
        number = None
    # A number of a mobile type is a valid number: the validity check (as costly again) only tells the two
    # reasons apart when it is not one.
    if number is not None and phonenumbers.number_type(number) in MOBILE_TYPES:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number is None or not phonenumbers.is_valid_number(number):
        row.errors.append(_("%(column)s: numero di telefono non valido.") % {"column": column})
    else:
        row.errors.append(_("%(column)s: il numero non è un cellulare.") % {"column": column})
    return ""


def _iban(values: Mapping[str, str], column: str, row: CleanRow) -> str:
    value = normalize_iban(values.get(column) or "")
    if not value:
        return ""
    try:
        validate_iban(value)
    except ValidationError as exc:
        row.errors.append(f"{column}: {exc.messages[0]}")
        return ""
    return value


OMOCODIA = str.maketrans("LMNPQRSTUV", "0123456789")


@functools.cache
def _birthplace_codes() -> frozenset[str]:
    """Every comune and foreign state code python-codicefiscale knows, loaded once."""
    from codicefiscale import codicefiscale

    return frozenset(codicefiscale._get_data()["codes"])


def fiscal_code_disagreements(cf: str, *, birth_date: dt.date | None, sex: str | None) -> list[str]:
    """What in a valid CF disagrees with the declared birth date or sex, or an unknown birthplace.

    Read from the CF's own characters (omocodia letters turned back into digits) rather than decoded by
    python-codicefiscale, which is about 100 times slower: the registry import checks a million rows.
    """
    problems = []
    day_digits = cf[9:11].translate(OMOCODIA)
    year_digits = cf[6:8].translate(OMOCODIA)
    place = cf[11] + cf[12:15].translate(OMOCODIA)
    if place not in _birthplace_codes():
        problems.append("cf")
    day = int(day_digits)
    month = "ABCDEHLMPRST".find(cf[8]) + 1
    if birth_date is not None and (birth_date.day, birth_date.month, birth_date.year % 100) != (
        day % 40,
        month,
        int(year_digits),
    ):
        problems.append("birth_date")
    if sex and ("F" if day > 40 else "M") != sex:
        problems.append("sex")
    return problems
