"""System check: production pays from the mutual's real account, never from the sample IBAN of .env.example."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error

from mutua.payouts.sepa import iban_problem

# The example IBAN of .env.example and of config/settings.py's fallback: valid, but nobody's account.
SAMPLE_IBAN = "IT60X0542811101000000123456"


def sepa_debtor_iban_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """With DEBUG off, MUTUA_SEPA_IBAN must be set, valid (national check digits included) and not the sample.

    Registered without the deploy tag, so `migrate`, `runserver` and `db_worker` refuse to start in production
    with a wrong debtor account, rather than the first SEPA file being refused by the bank.
    """
    if settings.DEBUG:
        return []
    value = str(getattr(settings, "MUTUA_SEPA_IBAN", "") or "")
    compact = value.replace(" ", "").upper()
    if not compact:
        return [
            Error(
                "MUTUA_SEPA_IBAN is empty.",
                hint="Set the MUTUA_SEPA_IBAN environment variable to the IBAN reimbursements are paid from.",
                id="payouts.E001",
            )
        ]
    if compact == SAMPLE_IBAN:
        return [
            Error(
                "MUTUA_SEPA_IBAN is the sample IBAN of .env.example, not the mutual's account.",
                hint="Set the MUTUA_SEPA_IBAN environment variable to the IBAN reimbursements are paid from.",
                id="payouts.E002",
            )
        ]
    problem = iban_problem(compact)
    if problem is not None:
        return [
            Error(
                f"MUTUA_SEPA_IBAN is not a valid SEPA IBAN: {problem}.",
                hint="Check the MUTUA_SEPA_IBAN environment variable: SEPA files are refused with a wrong debtor.",
                id="payouts.E003",
            )
        ]
    return []
