"""Validators for the identity data of members: codice fiscale, user code, IBAN, CAP."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.it import codicefiscale as stdnum_cf

CODE_LENGTH = 12


def normalize_fiscal_code(value: str) -> str:
    return "".join((value or "").split()).upper()  # white space removed, as re.sub(r"\s+", "") but faster


def validate_fiscal_code(value: str) -> None:
    """A personal codice fiscale: format, omocodia letters, birth date and check character (python-stdnum)."""
    cf = normalize_fiscal_code(value)
    if len(cf) != 16:
        raise ValidationError(_("Il codice fiscale deve avere 16 caratteri."), code="cf_length")
    try:
        stdnum_cf.validate(cf)
    except StdnumError:
        raise ValidationError(
            _("Il codice fiscale non è valido: controlla di averlo scritto correttamente."), code="cf_invalid"
        )


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
    if not re.fullmatch(r"[0-9]+", digits):  # ASCII only: str.isdigit() accepts other scripts' digits
        raise ValidationError(
            _("La username contiene solo cifre (la matricola o il codice utente), ad esempio 000000003423."),
            code="username_digits",
        )
    if len(digits) > CODE_LENGTH:
        raise ValidationError(_("La username ha al massimo 12 cifre."), code="username_length")
    return digits.zfill(CODE_LENGTH)


def validate_user_code(value: str) -> None:
    if not re.fullmatch(r"\d{12}", value or ""):
        raise ValidationError(_("La username deve essere composta da 12 cifre."), code="username_format")


def normalize_iban(value: str) -> str:
    return "".join((value or "").split()).upper()


def validate_iban(value: str) -> None:
    """An IBAN with its national check (the Italian CIN) verified by schwifty."""
    try:
        IBAN(normalize_iban(value), validate_bban=True)
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
    if not re.fullmatch(r"[0-9]{5}", value or ""):
        raise ValidationError(_("Il CAP è composto da 5 cifre."), code="cap_invalid")
    if int(value) < 10:
        raise ValidationError(
            _("Questo CAP non esiste: controlla di averlo scritto correttamente."), code="cap_unknown"
        )
