"""Validators for the identity data of members: codice fiscale, user code, IBAN, CAP."""

from __future__ import annotations

import calendar
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.it import codicefiscale as stdnum_cf

CODE_LENGTH = 12
CAP = re.compile(r"[0-9]{5}")
USER_CODE_FORMAT = re.compile(r"\d{12}")
USER_CODE = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() accepts other scripts' digits


def normalize_fiscal_code(value: str) -> str:
    return "".join((value or "").split()).upper()  # white space removed, as re.sub(r"\s+", "") but faster


def validate_fiscal_code(value: str) -> None:
    """A personal codice fiscale: format, omocodia letters, birth date and check character (python-stdnum)."""
    cf = normalize_fiscal_code(value)
    if len(cf) != 16:
        raise ValidationError(_("Il codice fiscale deve avere 16 caratteri."), code="cf_length")
    if not valid_fiscal_code(cf):
        raise ValidationError(
            _("Il codice fiscale non è valido: controlla di averlo scritto correttamente."), code="cf_invalid"
        )


# python-stdnum's rules for a personal codice fiscale (stdnum.it.codicefiscale), as tables read once: the registry
# import and the tax file check a million and a half of them, and stdnum's generic path costs some 30 µs each.
# The Italian IBAN's CIN is computed with the same two tables (the check character's algorithm is the same).
_CF_FORMAT = re.compile(r"[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ODD = dict(zip("0123456789" + _ALPHABET, [1, 0, 5, 7, 9, 13, 15, 17, 19, 21] * 2 + [2, 4, 18, 20, 11, 3, 6, 8,
            12, 14, 16, 10, 22, 25, 24, 23], strict=True))  # fmt: skip
_EVEN = {**{d: n for n, d in enumerate("0123456789")}, **{c: n for n, c in enumerate(_ALPHABET)}}
_DIGITS = str.maketrans("LMNPQRSTUV", "0123456789")  # omocodia letters back to digits
_MONTHS = "ABCDEHLMPRST"
_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def valid_fiscal_code(value: str) -> bool:
    """A person's 16-character codice fiscale, check character, date and omocodia letters included: what
    `stdnum.it.codicefiscale.is_valid` says of it (tested), stdnum itself for anything not plainly upper case."""
    if len(value) != 16:
        return False
    if not _CF_FORMAT.fullmatch(value):
        return stdnum_cf.is_valid(value)  # lower case, separators: stdnum's own clean-up first
    odd, even = value[0:15:2], value[1:15:2]
    check = sum(map(_ODD.__getitem__, odd)) + sum(map(_EVEN.__getitem__, even))
    if _ALPHABET[check % 26] != value[15]:
        return False
    day = int(value[9:11].translate(_DIGITS)) % 40
    year = int(value[6:8].translate(_DIGITS))
    year += 1900 if year >= 20 else 2000  # stdnum's reading: from 1920 to 2019
    month = _MONTHS.index(value[8]) + 1
    return 1 <= day <= (29 if month == 2 and calendar.isleap(year) else _MONTH_DAYS[month])


def fiscal_code_mismatches(cf: str, *, birth_date: object | None = None, sex: str | None = None) -> list[str]:
    """What in the CF disagrees with the declared birth date or sex (decoded by python-codicefiscale)."""
    from codicefiscale import codicefiscale

    try:
        decoded = codicefiscale.decode(normalize_fiscal_code(cf))
    except ValueError:
        return ["cf"]
    problems = []
    decoded_birth = decoded["birthdate"].date()
    # The CF holds only two digits of the year and the library guesses the century (1924 decodes as 2024):
    # compare day, month and the year's last two digits.
    if birth_date is not None and (
        getattr(birth_date, "day", None),
        getattr(birth_date, "month", None),
        getattr(birth_date, "year", 0) % 100,
    ) != (decoded_birth.day, decoded_birth.month, decoded_birth.year % 100):
        problems.append("birth_date")
    if sex and decoded["gender"] != sex:
        problems.append("sex")
    return problems


def normalize_user_code(value: str) -> str:
    """The username: digits only, left-padded with zeros to 12 (the guide asks members to pad by hand)."""
    digits = (value or "").strip()
    if not USER_CODE.fullmatch(digits):
        raise ValidationError(
            _("La username contiene solo cifre (la matricola o il codice utente), ad esempio 000000003423."),
            code="username_digits",
        )
    if len(digits) > CODE_LENGTH:
        raise ValidationError(_("La username ha al massimo 12 cifre."), code="username_length")
    return digits.zfill(CODE_LENGTH)


def validate_user_code(value: str) -> None:
    if not USER_CODE_FORMAT.fullmatch(value or ""):
        raise ValidationError(_("La username deve essere composta da 12 cifre."), code="username_format")


def normalize_iban(value: str) -> str:
    return "".join((value or "").split()).upper()


# An Italian IBAN as typed plainly (upper case, ASCII, no spaces): country, check digits, CIN, ABI, CAB, account.
_ITALIAN_IBAN = re.compile(r"IT[0-9]{2}[A-Z][0-9]{10}[A-Z0-9]{12}")
_IBAN_LETTERS = str.maketrans({letter: str(n) for n, letter in enumerate(_ALPHABET, start=10)})


def valid_italian_iban(iban: str) -> bool:
    """What `IBAN(iban, validate_bban=True)` of schwifty says of a plain Italian IBAN (tested), some 30 times faster:
    the ISO 7064 mod 97-10 check digits computed as schwifty does (so 00, 01 and 99 are refused), then the CIN.

    schwifty picks the CIN's algorithm by the bank's entry in its registry; every Italian bank there has the default
    one (asserted in the tests), which is also the one for a bank it does not know."""
    if not _ITALIAN_IBAN.fullmatch(iban):
        return False
    bban = iban[4:]
    remainder = int((bban + "IT").translate(_IBAN_LETTERS)) * 100 % 97
    if f"{98 - remainder:02d}" != iban[2:4]:
        return False
    odd, even = bban[1::2], bban[2::2]  # the CIN's first position is the ABI's first digit
    check = sum(map(_ODD.__getitem__, odd)) + sum(map(_EVEN.__getitem__, even))
    return _ALPHABET[check % 26] == bban[0]


def validate_iban(value: str) -> None:
    """An IBAN with its national check (the Italian CIN) verified by schwifty; a plain Italian one by
    `valid_italian_iban`, which gives schwifty's answer (the registry import checks a million)."""
    iban = normalize_iban(value)
    if valid_italian_iban(iban):
        return
    try:
        IBAN(iban, validate_bban=True)
    except SchwiftyException:
        raise ValidationError(_("L'IBAN non è valido: controlla di averlo copiato per intero."), code="iban_invalid")


def validate_payment_iban(value: str) -> None:
    """An IBAN the mutual can pay with a SEPA credit transfer: valid (CIN included) and in the SEPA zone."""
    validate_iban(value)
    if not IBAN(normalize_iban(value), validate_bban=True).in_sepa_zone:
        raise ValidationError(
            _("I sussidi sono pagati con bonifico SEPA: indica un IBAN di un paese dell'area SEPA."),
            code="iban_not_sepa",
        )


def validate_cap(value: str) -> None:
    # ASCII digits only (\d would accept other scripts' digits); Italian CAPs start at 00010.
    if not CAP.fullmatch(value or ""):
        raise ValidationError(_("Il CAP è composto da 5 cifre."), code="cap_invalid")
    if int(value) < 10:
        raise ValidationError(
            _("Questo CAP non esiste: controlla di averlo scritto correttamente."), code="cap_unknown"
        )
