"""A member's mobile in the registry gives exactly phonenumbers' answer, whether it takes the fast path for an Italian
mobile written plainly or phonenumbers' own: the same E.164 number, or the same error. The registry's dates and
integers are read as before their patterns were compiled once and their parts taken from the match."""

from __future__ import annotations

import datetime as dt
import random
import re

import phonenumbers
from django.utils.translation import gettext as _

from mutua.registry.cleaning import int_value, parse_date
from mutua.registry.rows import MOBILE_TYPES, PLAIN_MOBILE, CleanRow, _mobile, plain_italian_mobile, value_of

PREFIXES = ("", "+39", "0039", "+39 ", "0039 ", "39", "+390", "0039 0", "+41", "+1", "00", "+", "+ 39", "0")
HOSTILE = [
    "",
    " ",
    "+",
    "+39",
    "0039",
    "3" * 30,
    "+39 " + "3" * 40,
    "333 1234567\x00",
    "333\t1234567",
    "333\n1234567",
    "٣٣٣ ١٢٣٤٥٦٧",  # noqa: RUF001 - Arabic-Indic digits: phonenumbers reads them, the fast path does not
    "３３３ １２３４５６７",  # noqa: RUF001 - full width
    "＋39 333 1234567",  # noqa: RUF001 - full width plus
    "333-1234567",
    "(333) 1234567",
    "333.123.4567",
    "333 1234567 ext. 12",
    "tel: 333 1234567",
    "+39 333 1234567;ext=1",
    "<b>333 1234567</b>",
    "+44 7911 123456",
    "+33 6 12 34 56 78",
    "02 1234567",
    "06 12345678",
    "800 123456",
    "899 123456",
    "+39 06 698 12345",
    "+379 333 1234567",
]


def phonenumbers_mobile(value: str) -> tuple[str, list[str]]:
    """The registry's mobile check as it was: phonenumbers for every value."""
    row = CleanRow(line=1, record="member")
    value = value_of({"mobile": value}, "mobile")
    if not value:
        return "", row.errors
    try:
        number = phonenumbers.parse(value, "IT")
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.number_type(number) in MOBILE_TYPES:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), row.errors
    if number is None or not phonenumbers.is_valid_number(number):
        row.errors.append(_("%(column)s: numero di telefono non valido.") % {"column": "mobile"})
    else:
        row.errors.append(_("%(column)s: il numero non è un cellulare.") % {"column": "mobile"})
    return "", row.errors


def registry_mobile(value: str) -> tuple[str, list[str]]:
    row = CleanRow(line=1, record="member")
    return _mobile({"mobile": value}, "mobile", row), row.errors


def numbers(rng: random.Random) -> list[str]:
    """Italian numbers of every first three digits and of 8 to 11 digits (mobiles, and what looks like them),
    with the prefixes and spaces people write, and each single-character change of some of them."""
    values = []
    for first in "0123456789":
        for second in "0123456789":
            for third in "0123456789":
                for length in (8, 9, 10, 11):
                    digits = first + second + third + "".join(rng.choice("0123456789") for _ in range(length - 3))
                    values.append(rng.choice(PREFIXES) + digits)
                    spaced = "".join(c + (" " if rng.random() < 0.2 else "") for c in digits)
                    values.append(rng.choice(PREFIXES) + spaced)
    for value in rng.sample(values, 150):
        for index in range(len(value)):
            for character in "0389+ -a٣":  # noqa: RUF001 - an Arabic-Indic digit on purpose
                values.append(value[:index] + character + value[index + 1 :])
            values.append(value[:index] + value[index + 1 :])
    return values


def test_a_mobile_is_checked_as_phonenumbers_checks_it() -> None:
    values = HOSTILE + numbers(random.Random(2026))
    assert len(values) > 20_000
    mismatches = [v for v in values if registry_mobile(v) != phonenumbers_mobile(v)]
    assert mismatches == []


def test_the_fast_path_answers_only_what_phonenumbers_answers_and_takes_the_usual_shapes() -> None:
    values = HOSTILE + numbers(random.Random(7))
    fast = {v: plain_italian_mobile(v) for v in values}
    assert all(phonenumbers_mobile(v)[0] == e164 for v, e164 in fast.items() if e164)
    plain = [v for v in values if PLAIN_MOBILE.fullmatch(v.replace(" ", "")) and phonenumbers_mobile(v)[0]]
    assert len(plain) > 500
    assert all(fast[v] for v in plain)
    for shape in ("333 1234567", "3331234567", "+39 333 1234567", "+393331234567", "0039 333 123 4567", "3201234567"):
        assert plain_italian_mobile(shape) == phonenumbers_mobile(shape)[0] != ""


# --- Dates and integers -------------------------------------------------------------------------------------------


def parse_date_before(value: str, column: str, row: CleanRow) -> dt.date | None:
    """parse_date as it was: the pattern matched, then the text split at its separators."""
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
        year, month, day = (int(part) for part in value.split("-"))
    elif re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", value):
        day, month, year = (int(part) for part in value.split("/"))
    else:
        row.errors.append(_("%(column)s: data non valida: usa GG/MM/AAAA o AAAA-MM-GG.") % {"column": column})
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        row.errors.append(
            _("%(column)s: la data %(value)s non esiste nel calendario.") % {"column": column, "value": value}
        )
        return None


def int_value_before(value: str, row: CleanRow) -> int | None:
    if not value:
        return None
    if not re.fullmatch(r"\d+", value) or not 1950 <= int(value) <= 2100:
        row.errors.append(_("%(column)s: un numero intero da %(low)d a %(high)d.") % {"column": "year", "low": 1950,
                                                                                       "high": 2100})  # fmt: skip
        return None
    return int(value)


def test_dates_and_integers_are_read_as_before() -> None:
    rng = random.Random(2026)
    values = ["", "-", "/", "2024-02-29", "2023-02-29", "29/02/2024", "31/04/2025", "00/01/2025", "1/1/2025"]
    values += ["2025-1-1", "0000-01-01", "01/01/0000", "١٢/٠٣/٢٠٢٤", "٢٠٢٤-٠٣-١٢", "12/03/2024\n", " 12/03/2024"]  # noqa: RUF001
    values += ["12-03-2024", "2024/03/12", "12/03/24", "12.03.2024", "123/03/2024", "2024", "1950", "2100", "2101"]
    for _round in range(20_000):
        day, month, year = rng.randint(0, 40), rng.randint(0, 14), rng.randint(0, 2200)
        values.append(rng.choice(("{d:02d}/{m:02d}/{y:04d}", "{d}/{m}/{y:04d}", "{y:04d}-{m:02d}-{d:02d}",
                                  "{y:04d}-{m}-{d}", "{y}")).format(d=day, m=month, y=year))  # fmt: skip
    for value in values:
        before, after = CleanRow(line=1, record="c"), CleanRow(line=1, record="c")
        assert parse_date(value, "paid_on", after) == parse_date_before(value, "paid_on", before), value
        assert after.errors == before.errors, value
        before, after = CleanRow(line=1, record="c"), CleanRow(line=1, record="c")
        cell = {"year": value}
        assert int_value(cell, "year", after, low=1950, high=2100) == int_value_before(value_of(cell, "year"), before)
        assert after.errors == before.errors, value
