"""The demo's fixed catalogue: the named accounts and their passwords, the plans and their terms, and what
a run of the demo reports."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

DEFAULT_SEED = 2026
DEFAULT_MEMBERS = 220

NEW_MEMBER_CODE = "000000003423"
# A member the registry cannot reach (no e-mail, no mobile): first access needs an activation letter. Its code is
# fixed so that a person trying the demo can type it; real letters draw theirs at random.
LETTER_MEMBER_CODE = "000000004321"
LETTER_MEMBER_ACTIVATION_CODE = "DEMA-PAPR-4397"
MEMBER_CODE = "000000012345"
FAMILY_MEMBER_CODE = "000000054321"
OPERATOR_USERNAME = "operatore"
SUPERVISOR_USERNAME = "supervisore"
REGIONAL_OPERATOR_USERNAME = "operatore.lombardia"
MEMBER_PASSWORD = "Socio2026ok"
FAMILY_MEMBER_PASSWORD = "Famiglia2026ok"
OPERATOR_PASSWORD = "Operatore2026ok"
SUPERVISOR_PASSWORD = "Supervisore2026ok"
REGIONAL_OPERATOR_PASSWORD = "Regionale2026ok"
# Their presence means the demo data is already loaded.
NAMED_USERNAMES = (
    NEW_MEMBER_CODE,
    MEMBER_CODE,
    FAMILY_MEMBER_CODE,
    OPERATOR_USERNAME,
    SUPERVISOR_USERNAME,
    REGIONAL_OPERATOR_USERNAME,
)


@dataclass(frozen=True)
class PlanTerms:
    code: str
    name: str
    description: str
    yearly_fee: Decimal
    family_fee: Decimal
    categories: tuple[str, ...]  # what the demo claims ask reimbursement for
    deductible_pct: Decimal  # scoperto
    deductible_min: Decimal  # minimum of the scoperto, or the franchigia when the percentage is zero


PLANS = (
    PlanTerms(
        "BASE",
        "Piano Base",
        "Visite specialistiche, analisi, diagnostica e fisioterapia per il socio.",
        Decimal("120.00"),
        Decimal("0.00"),
        ("visite-specialistiche", "analisi", "alta-diagnostica", "fisioterapia"),
        Decimal("0.25"),
        Decimal("30.00"),
    ),
    PlanTerms(
        "FAMIGLIA",
        "Piano Famiglia",
        "Le prestazioni del Piano Base, odontoiatria e interventi chirurgici per il socio e i familiari.",
        Decimal("240.00"),
        Decimal("60.00"),
        ("visite-specialistiche", "analisi", "alta-diagnostica", "fisioterapia", "odontoiatria", "riabilitazione"),
        Decimal("0.20"),
        Decimal("25.00"),
    ),
    PlanTerms(
        "PLUS",
        "Piano Plus",
        "Copertura completa, anche per i familiari, con una franchigia fissa per documento.",
        Decimal("420.00"),
        Decimal("90.00"),
        ("visite-specialistiche", "analisi", "alta-diagnostica", "fisioterapia", "odontoiatria", "riabilitazione"),
        Decimal("0"),
        Decimal("15.00"),
    ),
)
SURGERY_PLANS = ("FAMIGLIA", "PLUS")
# Annual ceilings (per beneficiary, per family) of the demo plans; the Piano Base covers the member only.
PLAN_CEILINGS = {
    "BASE": (Decimal("2000.00"), None),
    "FAMIGLIA": (Decimal("3000.00"), Decimal("8000.00")),
    "PLUS": (Decimal("5000.00"), Decimal("12000.00")),
}


def _coverage_rules(terms: PlanTerms) -> dict[str, object]:
    """The Plan fields of mutua.plans.coverage matching the terms the demo claims were settled with."""
    beneficiary, family = PLAN_CEILINGS.get(terms.code, (None, None))
    scoperto = terms.deductible_pct > 0
    return {
        "reimbursement_pct": (1 - terms.deductible_pct) * 100,
        "minimum_withheld": terms.deductible_min if scoperto else Decimal("0"),
        "deductible": Decimal("0") if scoperto else terms.deductible_min,
        "beneficiary_ceiling": beneficiary,
        "family_ceiling": family,
        "waiting_days": 120,
        "submission_days": 730,
    }


@dataclass(frozen=True)
class DemoAccount:
    key: str
    username: str
    password: str
    name: str
    role: str
    description: str
    fiscal_code: str = ""


@dataclass
class DemoResult:
    created: bool
    accounts: list[DemoAccount]
    accounts_file: Path
    counts: dict[str, int]
    seconds: float
    digest: str
