"""The settlement of one expense document under a plan's coverage rules, as a pure function.

The rules and the order they apply in: docs/domain.md, Coverage rules. Everything is `Decimal` rounded to cents,
half up. For every outcome the parts add up exactly: requested = not admitted + admitted, and admitted = withheld +
cut by the ceilings + paid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from mutua.core.formatting import format_eur

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CoverageRules:
    """A plan's rules; `None` ceilings and deadline mean no limit. `type_limits`: most recognised per document."""

    reimbursement_pct: Decimal = Decimal("100")
    deductible: Decimal = ZERO  # franchigia per document
    minimum_withheld: Decimal = ZERO  # minimum of the scoperto
    beneficiary_ceiling: Decimal | None = None  # massimale annuo per assistito
    family_ceiling: Decimal | None = None  # massimale annuo per nucleo
    waiting_days: int = 0  # carenza from the adesione
    submission_days: int | None = None  # the document must be sent within this many days of the expense
    type_limits: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Expense:
    """One expense document as the rules see it; `enrolled_on` None: no plan in force on the expense date."""

    doc_type: str
    amount: Decimal
    issue_date: dt.date
    submitted_on: dt.date
    enrolled_on: dt.date | None
    beneficiary_covered: bool = True  # the family member is on the adesione


@dataclass(frozen=True)
class Used:
    """What was already paid in the expense's year: to this beneficiary, and to the whole family."""

    beneficiary: Decimal = ZERO
    family: Decimal = ZERO


@dataclass(frozen=True)
class Outcome:
    requested: Decimal
    admitted: Decimal
    withheld: Decimal
    ceiling_cut: Decimal  # admitted and not withheld, but beyond what the ceilings leave
    paid: Decimal
    beneficiary_used: Decimal  # after this document
    beneficiary_left: Decimal | None  # None: no ceiling
    family_used: Decimal
    family_left: Decimal | None
    reasons: tuple[str, ...]

    @property
    def not_admitted(self) -> Decimal:
        return self.requested - self.admitted


def _left(ceiling: Decimal | None, used: Decimal) -> Decimal | None:
    return None if ceiling is None else max(cents(ceiling) - cents(used), ZERO)


def waiting_end(*, rules: CoverageRules, enrolled_on: dt.date) -> dt.date:
    """The first day an expense is covered: the adesione date plus the carenza."""
    return enrolled_on + dt.timedelta(days=rules.waiting_days)


def settlement_compute(*, rules: CoverageRules, expense: Expense, used: Used) -> Outcome:
    """What the plan pays for `expense`, given what was already paid this year, with the reasons in Italian.

    Order: cover (plan in force, family member on it, carenza over, sent in time), the per-type limit, then
    what the plan withholds (the larger of franchigia, scoperto and its minimum, never above the admitted
    amount), then the annual ceilings per beneficiary and per family.
    """
    requested = cents(max(expense.amount, ZERO))
    reasons: list[str] = []
    admitted = requested
    if expense.enrolled_on is None or expense.enrolled_on > expense.issue_date:
        admitted = ZERO
        reasons.append(_("Nessuna forma di assistenza attiva alla data della spesa."))
    elif not expense.beneficiary_covered:
        admitted = ZERO
        reasons.append(_("Il familiare non è iscritto alla forma di assistenza."))
    elif expense.issue_date < waiting_end(rules=rules, enrolled_on=expense.enrolled_on):
        admitted = ZERO
        reasons.append(
            _("Spesa sostenuta durante il periodo di carenza (fino al %(date)s).")
            % {"date": f"{waiting_end(rules=rules, enrolled_on=expense.enrolled_on) - dt.timedelta(days=1):%d/%m/%Y}"}
        )
    elif rules.submission_days is not None and (expense.submitted_on - expense.issue_date).days > rules.submission_days:
        admitted = ZERO
        reasons.append(
            _("Documento inviato oltre il termine di %(n)d giorni dalla spesa.") % {"n": rules.submission_days}
        )
    elif expense.doc_type in rules.type_limits:
        limit = cents(max(rules.type_limits[expense.doc_type], ZERO))
        if limit == ZERO:
            admitted = ZERO
            reasons.append(_("Tipo di documento non coperto dalla forma di assistenza."))
        elif limit < requested:
            admitted = limit
            reasons.append(
                _("Importo ammesso ridotto al massimo di %(amount)s per questo tipo di documento.")
                % {"amount": format_eur(limit)}
            )

    withheld = ZERO
    if admitted > ZERO:
        share = HUNDRED - min(max(rules.reimbursement_pct, ZERO), HUNDRED)
        scoperto = cents(admitted * share / HUNDRED)
        deductible = cents(max(rules.deductible, ZERO))
        minimum = cents(max(rules.minimum_withheld, ZERO)) if share > 0 else ZERO
        withheld = min(max(deductible, scoperto, minimum), admitted)
        pct = f"{share.normalize():f}".replace(".", ",")
        if withheld > ZERO and deductible >= max(scoperto, minimum):
            reasons.append(_("Franchigia di %(amount)s.") % {"amount": format_eur(withheld)})
        elif withheld > ZERO and minimum > scoperto:
            reasons.append(
                _("Scoperto del %(pct)s%% con il minimo di %(amount)s.") % {"pct": pct, "amount": format_eur(withheld)}
            )
        elif withheld > ZERO:
            reasons.append(_("Scoperto del %(pct)s%%.") % {"pct": pct})

    payable = admitted - withheld
    paid = payable
    beneficiary_left = _left(rules.beneficiary_ceiling, used.beneficiary)
    family_left = _left(rules.family_ceiling, used.family)
    for left, message in (
        (beneficiary_left, _("Massimale annuo per assistito raggiunto: liquidati %(amount)s.")),
        (family_left, _("Massimale annuo del nucleo familiare raggiunto: liquidati %(amount)s.")),
    ):
        if left is not None and paid > left:
            paid = left
            reasons.append(message % {"amount": format_eur(paid)})
    beneficiary_used = cents(used.beneficiary) + paid
    family_used = cents(used.family) + paid
    return Outcome(
        requested=requested,
        admitted=admitted,
        withheld=withheld,
        ceiling_cut=payable - paid,
        paid=paid,
        beneficiary_used=beneficiary_used,
        beneficiary_left=None if beneficiary_left is None else beneficiary_left - paid,
        family_used=family_used,
        family_left=None if family_left is None else family_left - paid,
        reasons=tuple(reasons),
    )


def rules_for_plan(plan: object) -> CoverageRules:
    """The rules of a `Plan` row with its per-type limits (prefetched as `document_limits`)."""
    from mutua.plans.models import Plan

    assert isinstance(plan, Plan)
    return CoverageRules(
        reimbursement_pct=plan.reimbursement_pct,
        deductible=plan.deductible,
        minimum_withheld=plan.minimum_withheld,
        beneficiary_ceiling=plan.beneficiary_ceiling,
        family_ceiling=plan.family_ceiling,
        waiting_days=plan.waiting_days,
        submission_days=plan.submission_days,
        type_limits={limit.doc_type: limit.max_amount for limit in plan.document_limits.all()},
    )
