"""What the demo builder draws before it writes: people and households, claims with their documents, amounts
and moves. The rows they become are kept on them once written (`_Household.user`, `_ClaimSpec.claim`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from mutua.accounts.models import User
from mutua.claims.models import Claim
from mutua.core.provinces import Province
from mutua.demo.catalogue import PlanTerms
from mutua.members.models import Beneficiary, Member


@dataclass(frozen=True)
class _Person:
    first_name: str
    last_name: str
    sex: str
    birth_date: dt.date
    birth_place: str
    fiscal_code: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass
class _Household:
    """A member with what the demo gives them, before and after it is written."""

    key: str  # the named account it is, or "" for an ordinary member
    code: str
    person: _Person
    province: Province
    plan: PlanTerms
    start_date: dt.date
    family: list[tuple[str, _Person]]
    standing: str  # regular, unpaid, partial, late_partial
    signed_in: bool
    member: Member
    beneficiaries: list[Beneficiary] = field(default_factory=list)
    user: User | None = None


@dataclass(frozen=True)
class _Money:
    requested: Decimal
    admitted: Decimal
    withheld: Decimal
    paid: Decimal
    reason: str


@dataclass
class _DocumentSpec:
    doc_type: str
    number: str
    issue_date: dt.date
    amount: Decimal | None
    provider_name: str
    provider_province: str
    beneficiary: Beneficiary | None
    patient: str
    service: str
    money: _Money | None = None


@dataclass(frozen=True)
class _Suspension:
    """What a move to "Sospesa" records (ClaimSuspension): documents to add by a deadline, or a block's reason."""

    kind: str
    items: list[str] = field(default_factory=list)
    deadline: dt.date | None = None
    reason: str = ""


@dataclass
class _Step:
    to_status: str
    actor: User | None
    note: str
    at: dt.datetime
    suspension: _Suspension | None = None


@dataclass
class _ClaimSpec:
    household: _Household
    kind: str
    status: str
    created_at: dt.datetime
    documents: list[_DocumentSpec]
    block_reason: str = ""
    steps: list[_Step] = field(default_factory=list)
    settled_at: dt.datetime | None = None
    paid_on: dt.date | None = None
    claim: Claim | None = None  # once written
