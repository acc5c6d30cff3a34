"""The streaming writer: header, one detail per person, trailer, written as the figures come; what it wrote and
what it had to leave out (the anomalies an operator checks before sending) come back in a `WrittenFile`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TextIO

from mutua.members.validators import valid_fiscal_code
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


def _negative(p: PersonFigures) -> bool:
    if p.contributions_same_year < 0 or p.contributions_earlier_years < 0:
        return True
    return any(r.paid < 0 or r.spent < 0 for r in p.reimbursed.values())


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
            split = p.reimbursed_split(year)
            if split.over_expense:
                written.note(AnomalyKind.OVER_EXPENSE, p)
            negative = _negative(p)
            is_member = p.beneficiary_id is None
            valid = member_valid if is_member else valid_fiscal_code(p.fiscal_code)
            contributions_same, contributions_earlier = p.contributions_same_year, p.contributions_earlier_years
            if negative or not valid or not member_valid:
                written.note(AnomalyKind.NEGATIVE if negative else AnomalyKind.INVALID_CF, p)
                written.excluded_contributions += contributions_same + contributions_earlier
                written.excluded_reimbursements += split.reimbursed_same_year + split.reimbursed_earlier_years
                continue
            if not contributions_same and not contributions_earlier and not p.reimbursed:
                continue  # a member heading a household with nothing of their own
            written.details += 1
            values = {
                "sequence": written.details,
                "member_cf": member_cf,
                "person_cf": p.fiscal_code,
                "relation": "I" if is_member else "F",
                "treatment": TREATMENT_CODES[p.treatment],
                "contributions_same_year": contributions_same,
                "contributions_earlier_years": contributions_earlier,
                "spent_same_year": split.spent_same_year,
                "reimbursed_same_year": split.reimbursed_same_year,
                "spent_earlier_years": split.spent_earlier_years,
                "reimbursed_earlier_years": split.reimbursed_earlier_years,
            }
            out.write(record("1", values))
            written.contributions_same_year += contributions_same
            written.contributions_earlier_years += contributions_earlier
            written.reimbursed_same_year += split.reimbursed_same_year
            written.reimbursed_earlier_years += split.reimbursed_earlier_years
            by_expense = written.reimbursed_by_expense
            for line in p.reimbursed.values():
                key = f"{line.expense_year}/{line.expense_type}"
                by_expense[key] = by_expense.get(key, ZERO) + line.paid
            if is_member:
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
