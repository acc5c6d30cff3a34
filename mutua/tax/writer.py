"""The streaming writer: header, one detail per person, trailer, written as the figures come; what it wrote and
what it had to leave out (the anomalies an operator checks before sending) come back in a `WrittenFile`."""

from __future__ import annotations

import calendar
import datetime as dt
import re
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


# python-stdnum's rules for a personal codice fiscale (stdnum.it.codicefiscale), as tables read once: a million
# members' file checks a million and a half of them, and stdnum's generic path costs some 30 µs each.
_CF_FORMAT = re.compile(r"[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ODD = dict(zip("0123456789" + _ALPHABET, [1, 0, 5, 7, 9, 13, 15, 17, 19, 21] * 2 + [2, 4, 18, 20, 11, 3, 6, 8,
            12, 14, 16, 10, 22, 25, 24, 23], strict=True))  # fmt: skip
_EVEN = {**{d: n for n, d in enumerate("0123456789")}, **{c: n for n, c in enumerate(_ALPHABET)}}
_DIGITS = str.maketrans("LMNPQRSTUV", "0123456789")  # omocodia letters back to digits
_MONTHS = "ABCDEHLMPRST"
_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def valid_fiscal_code(value: str) -> bool:
    """A person's 16-character codice fiscale, check character, date and omocodia letters included: what
    `stdnum.it.codicefiscale.is_valid` says of it (tested), stdnum itself for anything not plainly upper case."""
    if len(value) != 16:
        return False
    if not _CF_FORMAT.fullmatch(value):
        return codicefiscale.is_valid(value)  # lower case, separators: stdnum's own clean-up first
    odd, even = value[0:15:2], value[1:15:2]
    check = sum(map(_ODD.__getitem__, odd)) + sum(map(_EVEN.__getitem__, even))
    if _ALPHABET[check % 26] != value[15]:
        return False
    day = int(value[9:11].translate(_DIGITS)) % 40
    year = int(value[6:8].translate(_DIGITS))
    year += 1900 if year >= 20 else 2000  # stdnum's reading: from 1920 to 2019
    month = _MONTHS.index(value[8]) + 1
    return 1 <= day <= (29 if month == 2 and calendar.isleap(year) else _MONTH_DAYS[month])


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
