"""The SEPA credit transfer file (ISO 20022 pain.001.001.09) and the TARGET calendar for its execution date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from dateutil.easter import easter
from django.conf import settings
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from sepaxml import SepaTransfer

SCHEMA = "pain.001.001.09"


def target_holidays(year: int) -> set[dt.date]:
    """Days the TARGET system is closed besides weekends: 1 Jan, Good Friday, Easter Monday, 1 May, 25-26 Dec."""
    sunday = easter(year)
    return {
        dt.date(year, 1, 1),
        sunday - dt.timedelta(days=2),
        sunday + dt.timedelta(days=1),
        dt.date(year, 5, 1),
        dt.date(year, 12, 25),
        dt.date(year, 12, 26),
    }


def is_target_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in target_holidays(day.year)


def next_target_day(day: dt.date) -> dt.date:
    """`day` itself when TARGET is open on it, otherwise the next day it is."""
    while not is_target_day(day):
        day += dt.timedelta(days=1)
    return day


def iban_problem(value: str) -> str | None:
    """None for an IBAN schwifty accepts (national check digits included) in the SEPA zone, else why not."""
    try:
        iban = IBAN(value, validate_bban=True)
    except (SchwiftyException, ValueError) as exc:
        return str(exc)
    if not iban.in_sepa_zone:
        return "not in the SEPA zone"
    return None


@dataclass(frozen=True)
class Transfer:
    end_to_end_id: str  # the settlement's id: it comes back on bank statements and returns
    name: str  # the account holder, as the bank knows them (Verification of Payee)
    iban: str
    amount: Decimal
    description: str


@dataclass(frozen=True)
class SepaFile:
    message_id: str
    xml: bytes


def sepa_file(*, transfers: Sequence[Transfer], execution_date: dt.date) -> SepaFile:
    """One PmtInf for the execution date, one CdtTrfTxInf per transfer; validated against the bundled XSD."""
    config = {
        "name": settings.MUTUA_SEPA_NAME,
        "IBAN": str(IBAN(settings.MUTUA_SEPA_IBAN)),
        "batch": True,
        "currency": "EUR",
    }
    if settings.MUTUA_SEPA_BIC:
        config["BIC"] = settings.MUTUA_SEPA_BIC
    sepa = SepaTransfer(config, schema=SCHEMA, clean=True)
    for transfer in transfers:
        payment = {
            "name": transfer.name,
            "IBAN": str(IBAN(transfer.iban)),
            "amount": int(transfer.amount * 100),
            "execution_date": execution_date,
            "description": transfer.description[:140],
            "endtoend_id": transfer.end_to_end_id[:35],
        }
        sepa.add_payment(payment)
    return SepaFile(message_id=sepa.msg_id, xml=sepa.export(validate=True, pretty_print=True))
