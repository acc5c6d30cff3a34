"""The streaming writer: header, one detail per person, trailer, written as the figures come; what it wrote and
what it had to leave out (the anomalies an operator checks before sending) come back in a `WrittenFile`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TextIO

from stdnum.it import codicefiscale

from mutua.tax.figures import ZERO, MemberFigures, PersonFigures, Treatment
from mutua.tax.layout import LAYOUT_VERSION, record

TREATMENT_CODES = {Treatment.DETRAIBILE: 2, Treatment.NONE: 0}
# How many anomalies of each kind are kept to be listed; the counts are always complete.
ANOMALY_SAMPLE = 200


class AnomalyKind:
    INVALID_CF = "invalid_cf"
    NEGATIVE = "negative"
    OVER_EXPENSE = "over_expense"


@dataclass
class Anomaly:
    kind: str
    member_id: int
    beneficiary_id: int | None
    fiscal_code: str
    name: str

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "member_id": self.member_id,
            "beneficiary_id": self.beneficiary_id,
            "fiscal_code": self.fiscal_code,
            "name": self.name,
        }


@dataclass
class Header:
    sender_cf: str
    sender_name: str
    fund_type: int
    year: int
    kind: str  # O, S, A
    created_on: dt.date
    version: int = 1
    replaced_protocol: str = ""


@dataclass
class WrittenFile:
    details: int = 0
    members: int = 0
    contributions_same_year: Decimal = ZERO
    contributions_earlier_years: Decimal = ZERO
    reimbursed_same_year: Decimal = ZERO
    reimbursed_earlier_years: Decimal = ZERO
    excluded_contributions: Decimal = ZERO
    excluded_reimbursements: Decimal = ZERO
    detraibile_amount: Decimal = ZERO
    anomaly_counts: dict[str, int] = field(default_factory=dict)
    anomalies: list[Anomaly] = field(default_factory=list)
    # reimbursed in the year, by year of the expense and type: the back office's totals
    reimbursed_by_expense: dict[str, Decimal] = field(default_factory=dict)

    def note(self, kind: str, person: PersonFigures) -> None:
        self.anomaly_counts[kind] = self.anomaly_counts.get(kind, 0) + 1
        if sum(1 for a in self.anomalies if a.kind == kind) < ANOMALY_SAMPLE:
            self.anomalies.append(
                Anomaly(kind, person.member_id, person.beneficiary_id, person.fiscal_code, person.name)
            )

    def totals(self) -> dict[str, str]:
        return {
            "details": str(self.details),
            "members": str(self.members),
            "contributions_same_year": str(self.contributions_same_year),
            "contributions_earlier_years": str(self.contributions_earlier_years),
            "reimbursed_same_year": str(self.reimbursed_same_year),
            "reimbursed_earlier_years": str(self.reimbursed_earlier_years),
            "excluded_contributions": str(self.excluded_contributions),
            "excluded_reimbursements": str(self.excluded_reimbursements),
            "detraibile_amount": str(self.detraibile_amount),
        }


def valid_fiscal_code(value: str) -> bool:
    """A person's 16-character codice fiscale, check character, date and omocodia letters included."""
    return len(value) == 16 and codicefiscale.is_valid(value)


def _negative(p: PersonFigures) -> bool:
    amounts = [p.contributions_same_year, p.contributions_earlier_years]
    amounts += [r.paid for r in p.reimbursed.values()] + [r.spent for r in p.reimbursed.values()]
    return any(a < 0 for a in amounts)


def write_communication(
    out: TextIO,
    *,
    header: Header,
    households: Iterable[MemberFigures],
    progress: Callable[[int], None] | None = None,
) -> WrittenFile:
    """Write the whole file to `out`; a cancelling communication (kind A) has no details.

    A person without a valid codice fiscale, or with a negative amount, is left out of the file and listed as an
    anomaly with what was left out; a reimbursement above its expense is written and listed. `progress` is told
    the number of members done, now and then.
    """
    year = header.year
    written = WrittenFile()
    out.write(
        record(
            "0",
            {
                "layout": LAYOUT_VERSION,
                "sender_cf": header.sender_cf,
                "sender_name": header.sender_name,
                "fund_type": header.fund_type,
                "year": year,
                "kind": header.kind,
                "replaced_protocol": header.replaced_protocol,
                "created_on": header.created_on,
                "version": header.version,
            },
        )
    )
    for household in households if header.kind != "A" else ():
        written.members += 1
        member_cf = household.member.fiscal_code
        member_valid = valid_fiscal_code(member_cf)
        for p in household.persons:
            if p.over_expense:
                written.note(AnomalyKind.OVER_EXPENSE, p)
            negative = _negative(p)
            valid = member_valid if p.is_member else valid_fiscal_code(p.fiscal_code)
            if negative or not valid or not member_valid:
                written.note(AnomalyKind.NEGATIVE if negative else AnomalyKind.INVALID_CF, p)
                written.excluded_contributions += p.contributions
                written.excluded_reimbursements += p.reimbursed_total
                continue
            if p.contributions == 0 and not p.reimbursed:
                continue  # a member heading a household with nothing of their own
            written.details += 1
            reimbursed_same, reimbursed_earlier = p.reimbursed_same_year(year), p.reimbursed_earlier_years(year)
            values = {
                "sequence": written.details,
                "member_cf": member_cf,
                "person_cf": p.fiscal_code,
                "relation": "I" if p.is_member else "F",
                "treatment": TREATMENT_CODES[p.treatment],
                "contributions_same_year": p.contributions_same_year,
                "contributions_earlier_years": p.contributions_earlier_years,
                "spent_same_year": p.spent_same_year(year),
                "reimbursed_same_year": reimbursed_same,
                "spent_earlier_years": p.spent_earlier_years(year),
                "reimbursed_earlier_years": reimbursed_earlier,
            }
            out.write(record("1", values))
            written.contributions_same_year += p.contributions_same_year
            written.contributions_earlier_years += p.contributions_earlier_years
            written.reimbursed_same_year += reimbursed_same
            written.reimbursed_earlier_years += reimbursed_earlier
            for line in p.reimbursed.values():
                key = f"{line.expense_year}/{line.expense_type}"
                written.reimbursed_by_expense[key] = written.reimbursed_by_expense.get(key, ZERO) + line.paid
            if p.is_member:
                written.detraibile_amount += household.detraibile_amount
        if progress is not None and written.members % 1000 == 0:
            progress(written.members)
    out.write(
        record(
            "9",
            {
                "detail_count": written.details,
                "contributions_same_year": written.contributions_same_year,
                "contributions_earlier_years": written.contributions_earlier_years,
                "reimbursed_same_year": written.reimbursed_same_year,
                "reimbursed_earlier_years": written.reimbursed_earlier_years,
            },
        )
    )
    if progress is not None:
        progress(written.members)
    return written
