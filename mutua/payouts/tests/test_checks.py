"""The system check that keeps production from paying out of the sample IBAN of .env.example."""

from __future__ import annotations

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from mutua.payouts.checks import SAMPLE_IBAN, sepa_debtor_iban_check

VALID = "IT70B0306909606100000000123"


def ids(**overrides: object) -> list[str]:
    with override_settings(**overrides):
        return [m.id for m in sepa_debtor_iban_check() if m.level >= checks.ERROR]


@pytest.mark.parametrize(
    ("iban", "error"),
    [
        (SAMPLE_IBAN, "payouts.E002"),
        ("IT60 X054 2811 1010 0000 0123 456", "payouts.E002"),  # the sample, typed with spaces
        ("", "payouts.E001"),
        ("IT70B0306909606100000000124", "payouts.E003"),  # wrong check digits
        ("IT70A0306909606100000000123", "payouts.E003"),  # wrong CIN: only the national check catches it
        ("US64SVBKUS6S3300958879", "payouts.E003"),  # not an IBAN country, and not SEPA
    ],
)
def test_production_refuses_a_missing_sample_or_invalid_debtor_iban(iban, error):
    assert ids(DEBUG=False, MUTUA_SEPA_IBAN=iban) == [error]


def test_production_accepts_a_valid_italian_iban():
    assert ids(DEBUG=False, MUTUA_SEPA_IBAN=VALID) == []
    assert ids(DEBUG=False, MUTUA_SEPA_IBAN="it70 b030 6909 6061 0000 0000 123") == []


def test_development_keeps_the_sample_iban():
    assert ids(DEBUG=True, MUTUA_SEPA_IBAN=SAMPLE_IBAN) == []


def test_the_check_is_registered_and_stops_management_commands_in_production():
    """Not tagged `deploy`: `manage.py check`, `migrate` and `runserver` run it without --deploy."""
    with override_settings(DEBUG=False, MUTUA_SEPA_IBAN=SAMPLE_IBAN), pytest.raises(SystemCheckError, match="E002"):
        call_command("check")
    with override_settings(DEBUG=False, MUTUA_SEPA_IBAN=VALID):
        call_command("check")
