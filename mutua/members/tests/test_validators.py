"""The fast checks of a codice fiscale and of an Italian IBAN give exactly the libraries' answers: compared with
python-stdnum and schwifty, as the validators called them before, on generated valid values, every single-character
change of them, wrong lengths, other countries, lower case and spaces, and hostile input."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import pytest
from django.core.exceptions import ValidationError
from schwifty import IBAN, registry
from schwifty.exceptions import SchwiftyException
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.it import codicefiscale
from stdnum.it.codicefiscale import calc_check_digit

from mutua.members.validators import (
    normalize_fiscal_code,
    normalize_iban,
    valid_fiscal_code,
    valid_italian_iban,
    validate_fiscal_code,
    validate_iban,
)

CHANGES = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZaz -./\t\n\x00<>é٣０ＡIT"  # noqa: RUF001 - other scripts on purpose
HOSTILE = [
    "",
    " ",
    "\n",
    "\x00" * 16,
    "IT" * 14,
    "٣" * 27,
    "IT٦٠X0542811101000000123456",  # noqa: RUF001 - Arabic-Indic digits, which \d accepts
    "IT60X0542811101000000123456\n",
    "ІТ60X0542811101000000123456",  # noqa: RUF001 - Cyrillic letters that look Latin
    "IT60X05428111010000001234567" * 40,
    "ABCDEF12G34H567I\x00",
    "ＲＳＳＭＲＡ８０Ａ０１Ｈ５０１Ｕ",  # noqa: RUF001 - full width
    "RSSMRA80A01H501U" + "\u200b",
    "<script>alert(1)</script>",
]


def outcome(check: Callable[[str], object], value: str) -> str:
    """What a check did with a value: accepted, or the error it raised (a ValidationError by its code)."""
    try:
        check(value)
    except ValidationError as error:
        return f"ValidationError:{error.code}"
    except Exception as error:  # noqa: BLE001 - a library's own exception is part of its answer
        return type(error).__name__
    return "valid"


def single_changes(value: str) -> Iterator[str]:
    """Every character replaced by each of CHANGES, deleted, or doubled; and the value cut or extended."""
    for index in range(len(value)):
        for character in CHANGES:
            yield value[:index] + character + value[index + 1 :]
        yield value[:index] + value[index + 1 :]
        yield value[:index] + value[index] + value[index:]
    for length in range(len(value)):
        yield value[:length]
    yield value + "0"
    yield value + "A"


# --- Codice fiscale -----------------------------------------------------------------------------------------------


def stdnum_validate_fiscal_code(value: str) -> None:
    """validate_fiscal_code as it was: the length, then python-stdnum."""
    cf = normalize_fiscal_code(value)
    if len(cf) != 16:
        raise ValidationError("", code="cf_length")
    try:
        codicefiscale.validate(cf)
    except StdnumError:
        raise ValidationError("", code="cf_invalid")


def fiscal_codes(rng: random.Random, count: int) -> list[str]:
    """Valid codici fiscali: any letters, day (women's included), month letter, place and omocodia letters."""
    codes = []
    omocodia = "LMNPQRSTUV"
    for _ in range(count):
        letters = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(6))
        day = rng.randint(1, 28) + rng.choice((0, 40))
        body = f"{letters}{rng.randint(0, 99):02d}{rng.choice('ABCDEHLMPRST')}{day:02d}"
        body += rng.choice("ABCDEFGHILMZ") + f"{rng.randint(0, 999):03d}"
        body = "".join(
            omocodia[int(c)] if c.isdigit() and i in (6, 7, 9, 10, 12, 13, 14) and rng.random() < 0.15 else c
            for i, c in enumerate(body)
        )
        codes.append(body + calc_check_digit(body))
    return codes


def test_the_generated_codici_fiscali_are_valid_for_python_stdnum() -> None:
    assert all(codicefiscale.is_valid(code) for code in fiscal_codes(random.Random(1), 200))


def test_a_codice_fiscale_is_checked_as_python_stdnum_checks_it() -> None:
    rng = random.Random(2026)
    values = list(HOSTILE)
    values += ["RSSMRA80A01H501U", "RSSMRA80B29H501S", "RSSMRA00B29H501?", "RSSMRA84B29H501A", "RSSMRA80A01H501"]
    for code in fiscal_codes(rng, 60):
        values += [code, code.lower(), f" {code[:8]} {code[8:]} ", code[:8] + "-" + code[8:]]
        values += list(single_changes(code))
    values += [code[:8] + month + code[9:] for code in fiscal_codes(rng, 20) for month in "ABCDEHLMPRSTXZ"]
    values += [code[:9] + f"{day:02d}" + code[11:] for code in fiscal_codes(rng, 10) for day in range(100)]
    assert len(values) > 50_000
    mismatches = [v for v in values if outcome(validate_fiscal_code, v) != outcome(stdnum_validate_fiscal_code, v)]
    assert mismatches == []
    assert all(valid_fiscal_code(v) == (len(v) == 16 and codicefiscale.is_valid(v)) for v in values)


# --- IBAN ---------------------------------------------------------------------------------------------------------


def schwifty_validate_iban(value: str) -> None:
    """validate_iban as it was: schwifty with the national check."""
    try:
        IBAN(normalize_iban(value), validate_bban=True)
    except SchwiftyException:
        raise ValidationError("", code="iban_invalid")


def italian_ibans(rng: random.Random, count: int) -> list[str]:
    """Valid Italian IBANs: banks of schwifty's registry, banks it does not know, accounts with letters."""
    ibans = []
    for index in range(count):
        if index % 3 == 0:
            ibans.append(str(IBAN.random("IT", random=rng)))
            continue
        account = "".join(rng.choice("0123456789" if index % 3 == 1 else "0123456789ABCXYZ") for _ in range(12))
        ibans.append(str(IBAN.generate("IT", bank_code=f"{rng.randint(0, 99999):05d}", account_code=account,
                                       branch_code=f"{rng.randint(0, 99999):05d}")))  # fmt: skip
    return ibans


def test_schwifty_checks_the_cin_of_every_italian_bank_with_its_default_algorithm() -> None:
    """schwifty picks the CIN's algorithm by the bank's entry in its registry; valid_italian_iban assumes the
    default one for all (as for a bank the registry does not know)."""
    banks = registry.get_banks_by_country("IT")
    assert banks
    assert {bank.checksum_algo for bank in banks} == {"default"}


def test_an_iban_is_checked_as_schwifty_checks_it() -> None:
    rng = random.Random(2026)
    values = list(HOSTILE)
    ibans = italian_ibans(rng, 120)
    assert all(valid_italian_iban(iban) for iban in ibans)  # the plain ones take the fast path
    for iban in ibans[:60]:
        values += [iban, iban.lower(), IBAN(iban).formatted, f" {iban} ", "SM" + iban[2:], "VA" + iban[2:]]
        values += list(single_changes(iban))
    for iban in ibans[60:]:
        values += [iban[:2] + f"{digits:02d}" + iban[4:] for digits in range(100)]  # 00, 01 and 99 included
        values += [iban[:4] + cin + iban[5:] for cin in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
    for country in ("SM", "DE", "FR", "ES", "GB", "CH", "AT", "NL", "BE", "PT"):
        values += [str(IBAN.random(country, random=rng)) for _ in range(20)]
    assert len(values) > 50_000
    mismatches = [v for v in values if outcome(validate_iban, v) != outcome(schwifty_validate_iban, v)]
    assert mismatches == []


@pytest.mark.parametrize(
    "iban", ["it60x0542811101000000123456", "IT60 X054 2811 1010 0000 0123 456", "SM86U0322509800000000270100"]
)
def test_an_iban_not_written_plainly_is_left_to_schwifty(iban: str) -> None:
    assert not valid_italian_iban(iban)
    validate_iban(iban)
