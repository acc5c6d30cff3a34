"""The figures of a tax year, per member and per family member: one pure function over rows, in Decimal cents.

What the yearly communication to the Agenzia delle Entrate carries and what the member's page "Dati per la
dichiarazione dei redditi" shows are computed here and only here (docs/tax-communication.md):

- contributions paid *directly* in the year (cash basis: the date of payment), split by competence year (the
  same year, or earlier years); payroll deductions are left out, the employer certifies them in the CU;
- each payment split between the member's own position and the family's (`mutua.plans.selectors.payment_split`),
  the family part shared equally among the family members listed on the adesione (cent remainders to the first);
- the tax treatment: for a società di mutuo soccorso only the member's own contributions give the 19 % credit, up
  to the year's cap (`DeductionCap`); family members' contributions give none;
- reimbursements paid in the year (study subsidies are not health expenses and are left out), by person, by the
  year of the expense and by type of expense, with the expense they reimburse.

Nothing here touches the database: the rows come from `mutua.tax.rows` (SQL, for the whole mutual) or from one
member's selectors (the portal page), and the same sums come out.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from mutua.plans.selectors import NOT_DETRAIBILE_METHODS, payment_split

StrOrPromise = str | Promise
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# The family part of a payment whose adesione lists no family member: it belongs to nobody the file can name.
UNASSIGNED = 0


class Treatment(StrEnum):
    """How a person's contributions count in their tax return (field 9 of the detail record)."""

    DETRAIBILE = "detraibile"  # 19 % credit, art. 83 c. 5 D.Lgs. 117/2017, up to the yearly cap
    NONE = "nessuna"  # family members' contributions to a società di mutuo soccorso: neither credit nor deduction


class ExpenseType(StrEnum):
    """The type of expense a reimbursement is for, from the kind of claim."""

    HEALTH = "spese_sanitarie"
    SURGERY = "intervento_chirurgico"


EXPENSE_LABELS: dict[str, StrOrPromise] = {
    ExpenseType.HEALTH: gettext_lazy("Spese sanitarie"),
    ExpenseType.SURGERY: gettext_lazy("Intervento chirurgico"),
}


@dataclass(frozen=True)
class PersonRow:
    """A person the communication may name: the member (`beneficiary_id` None) or a family member."""

    member_id: int
    beneficiary_id: int | None
    fiscal_code: str
    name: str


@dataclass(frozen=True)
class ContributionRow:
    """One contribution paid: who paid, for which competence year, on which day, how; the adesione's family."""

    member_id: int
    competence_year: int
    paid_on: dt.date
    amount_paid: Decimal
    amount_due: Decimal
    family_part: Decimal
    method: str
    family_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class ReimbursementRow:
    """What was paid for one or more documents of one person, one expense year and one type (SQL may sum them).

    `over_expense` counts the documents reimbursed above their expense; `claim_ids` names the claims behind it
    when the rows are one member's (the portal page), and is empty when summed for the whole mutual.
    """

    member_id: int
    beneficiary_id: int | None
    expense_year: int
    payment_year: int
    expense_type: str
    amount_paid: Decimal
    amount_spent: Decimal
    over_expense: int = 0
    claim_ids: tuple[int, ...] = ()


@dataclass
class Reimbursed:
    """Reimbursements of one expense year and type: the expense documented and the amount paid back."""

    expense_year: int
    expense_type: str
    spent: Decimal = ZERO
    paid: Decimal = ZERO
    over_expense: int = 0
    claim_ids: list[int] = field(default_factory=list)


class ReimbursedSplit(NamedTuple):
    """A person's reimbursements of the year, by year of the expense: of the tax year itself, of earlier years."""

    spent_same_year: Decimal
    reimbursed_same_year: Decimal
    spent_earlier_years: Decimal
    reimbursed_earlier_years: Decimal
    over_expense: int


@dataclass
class PersonFigures:
    """One person's lines: one detail record of the file."""

    member_id: int
    beneficiary_id: int | None
    fiscal_code: str
    name: str
    contributions_same_year: Decimal = ZERO
    contributions_earlier_years: Decimal = ZERO
    reimbursed: dict[tuple[int, str], Reimbursed] = field(default_factory=dict)

    @property
    def is_member(self) -> bool:
        return self.beneficiary_id is None

    @property
    def treatment(self) -> Treatment:
        return Treatment.DETRAIBILE if self.is_member else Treatment.NONE

    @property
    def contributions(self) -> Decimal:
        return self.contributions_same_year + self.contributions_earlier_years

    def _sum(self, *, same_year: bool, year: int, attr: str) -> Decimal:
        return sum((getattr(r, attr) for r in self.reimbursed.values() if (r.expense_year == year) == same_year), ZERO)

    def reimbursed_same_year(self, year: int) -> Decimal:
        """Paid back for expenses of the tax year itself: they lower the expenses in the return (730, E1)."""
        return self._sum(same_year=True, year=year, attr="paid")

    def reimbursed_earlier_years(self, year: int) -> Decimal:
        """Paid back for expenses of earlier years: taxed separately in the year received (730, D7)."""
        return self._sum(same_year=False, year=year, attr="paid")

    def spent_same_year(self, year: int) -> Decimal:
        return self._sum(same_year=True, year=year, attr="spent")

    def spent_earlier_years(self, year: int) -> Decimal:
        return self._sum(same_year=False, year=year, attr="spent")

    def reimbursed_split(self, year: int) -> ReimbursedSplit:
        """The four sums above in one pass over the lines, and the documents reimbursed above their expense: what
        the file's writer needs for each of a million and a half records."""
        spent_same = paid_same = spent_earlier = paid_earlier = ZERO
        over = 0
        for r in self.reimbursed.values():
            if r.expense_year == year:
                spent_same += r.spent
                paid_same += r.paid
            else:
                spent_earlier += r.spent
                paid_earlier += r.paid
            over += r.over_expense
        return ReimbursedSplit(spent_same, paid_same, spent_earlier, paid_earlier, over)

    @property
    def reimbursed_total(self) -> Decimal:
        return sum((r.paid for r in self.reimbursed.values()), ZERO)

    @property
    def reimbursed_lines(self) -> list[Reimbursed]:
        return [self.reimbursed[key] for key in sorted(self.reimbursed, key=lambda k: (-k[0], k[1]))]

    @property
    def over_expense(self) -> int:
        return sum(r.over_expense for r in self.reimbursed.values())


@dataclass
class MemberFigures:
    """A member's household for the year: the member first, then the family members, and the member's credit."""

    member_id: int
    year: int
    persons: list[PersonFigures]
    cap: Decimal | None

    @property
    def member(self) -> PersonFigures:
        return self.persons[0]

    @property
    def detraibile_paid(self) -> Decimal:
        """The member's own contributions paid in the year that count for the credit, before the cap."""
        return self.member.contributions

    @property
    def detraibile_amount(self) -> Decimal:
        """What gives the 19 % credit: the own contributions, never more than the year's cap."""
        if self.cap is None:
            return self.detraibile_paid
        return min(self.detraibile_paid, self.cap)

    @property
    def over_cap(self) -> Decimal:
        return self.detraibile_paid - self.detraibile_amount


def _shares(amount: Decimal, count: int) -> list[Decimal]:
    """`amount` in `count` equal shares to the cent; the leftover cents go one each to the first shares."""
    cents = int((amount / CENT).to_integral_value())
    base, extra = divmod(cents, count)
    return [(Decimal(base + (1 if i < extra else 0)) * CENT).quantize(CENT) for i in range(count)]


def contribution_counts(row: ContributionRow, *, year: int) -> bool:
    """A payment made in the year, of something, not through the employer's payroll."""
    return row.paid_on.year == year and row.amount_paid > 0 and row.method not in NOT_DETRAIBILE_METHODS


def tax_figures(
    *,
    year: int,
    people: Iterable[PersonRow],
    contributions: Iterable[ContributionRow],
    reimbursements: Iterable[ReimbursementRow],
    cap: Decimal | None,
) -> list[MemberFigures]:
    """Per member (by id) and per person, the year's contributions and reimbursements, to the cent.

    Rows outside the year (paid another year, payroll, nothing paid) are ignored, so a caller may pass more than
    it needs. A contribution paid for a later competence year (in advance) counts with the same year: the credit
    follows the date of payment. Only people with something to report are listed; a member whose only figures
    are a family member's is listed too, with zeros, since the member heads the household.
    """
    names: dict[tuple[int, int | None], PersonRow] = {(p.member_id, p.beneficiary_id): p for p in people}
    persons: dict[tuple[int, int | None], PersonFigures] = {}

    def person(member_id: int, beneficiary_id: int | None) -> PersonFigures:
        key = (member_id, beneficiary_id)
        found = persons.get(key)
        if found is None:
            row = names.get(key)
            found = persons[key] = PersonFigures(
                member_id=member_id,
                beneficiary_id=beneficiary_id,
                fiscal_code=row.fiscal_code if row else "",
                name=row.name if row else "",
            )
        return found

    for c in contributions:
        if not contribution_counts(c, year=year):
            continue
        own, family = payment_split(paid=c.amount_paid, due=c.amount_due, family_part=c.family_part)
        parts: list[tuple[int | None, Decimal]] = [(None, own)]
        if family > 0:
            ids: list[int] = sorted(c.family_ids) or [UNASSIGNED]
            parts.extend(zip(ids, _shares(family, len(ids)), strict=True))
        for beneficiary_id, amount in parts:
            if amount == 0:
                continue
            p = person(c.member_id, beneficiary_id)
            if c.competence_year < year:
                p.contributions_earlier_years += amount
            else:
                p.contributions_same_year += amount

    for r in reimbursements:
        if r.payment_year != year or r.amount_paid <= 0:
            continue
        p = person(r.member_id, r.beneficiary_id)
        line = p.reimbursed.get((r.expense_year, r.expense_type))
        if line is None:
            line = p.reimbursed[(r.expense_year, r.expense_type)] = Reimbursed(r.expense_year, r.expense_type)
        line.paid += r.amount_paid
        line.spent += r.amount_spent
        line.over_expense += r.over_expense
        line.claim_ids.extend(i for i in r.claim_ids if i not in line.claim_ids)

    households: dict[int, list[PersonFigures]] = defaultdict(list)
    for p in persons.values():
        households[p.member_id].append(p)
    result = []
    for member_id in sorted(households):
        members = households[member_id]
        if not any(p.is_member for p in members):
            members.append(person(member_id, None))
        members.sort(key=lambda p: (not p.is_member, p.beneficiary_id or 0))
        result.append(MemberFigures(member_id=member_id, year=year, persons=members, cap=cap))
    return result
