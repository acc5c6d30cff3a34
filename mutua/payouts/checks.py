"""System check: production pays from the mutual's real account, never from the sample IBAN of .env.example."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.utils.translation import gettext as _

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
    return debtor_iban_errors()


def sepa_debtor_iban_deploy_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """`check --deploy` with DEBUG still on (a configuration checked before it is switched to production): the same
    errors, which the check above reports by itself once DEBUG is off."""
    if not settings.DEBUG:
        return []
    return debtor_iban_errors()


def debtor_iban_errors() -> list[CheckMessage]:
    value = str(getattr(settings, "MUTUA_SEPA_IBAN", "") or "")
    compact = value.replace(" ", "").upper()
    hint = _("Imposta MUTUA_SEPA_IBAN all'IBAN del conto da cui la mutua paga i rimborsi.")
    if not compact:
        return [Error(_("MUTUA_SEPA_IBAN è vuoto."), hint=hint, id="payouts.E001")]
    if compact == SAMPLE_IBAN:
        return [
            Error(
                _("MUTUA_SEPA_IBAN è l'IBAN di esempio di .env.example, non il conto della mutua."),
                hint=hint,
                id="payouts.E002",
            )
        ]
    problem = iban_problem(compact)
    if problem is not None:
        return [
            Error(
                _("MUTUA_SEPA_IBAN non è un IBAN SEPA valido: %(problem)s.") % {"problem": problem},
                hint=_("Controlla MUTUA_SEPA_IBAN: la banca rifiuta i file SEPA con un ordinante sbagliato."),
                id="payouts.E003",
            )
        ]
    return []
