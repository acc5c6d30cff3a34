"""The year's figures: the pure function (property-tested: its sums are the payments, to the cent) and the SQL rows
that feed it (the same figures for the whole mutual as for one member)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mutua.claims.models import ClaimKind
from mutua.claims.tests.factories import ClaimDocumentFactory, ClaimFactory, SettlementFactory
from mutua.members.tests.factories import BeneficiaryFactory, MemberFactory
from mutua.plans.models import ContributionMethod
from mutua.plans.tests.factories import ContributionFactory, EnrollmentFactory
from mutua.tax import rows
from mutua.tax.figures import (
    UNASSIGNED,
    ContributionRow,
    ExpenseType,
    PersonRow,
    ReimbursementRow,
    Treatment,
    tax_figures,
)

YEAR = 2025
D = Decimal

cents = st.integers(min_value=0, max_value=500_000).map(lambda n: (D(n) / 100).quantize(D("0.01")))
methods = st.sampled_from([m.value for m in ContributionMethod])


@st.composite
def contribution_rows(draw: st.DrawFn) -> ContributionRow:
    due = draw(cents)
    return ContributionRow(
        member_id=draw(st.integers(1, 4)),
        competence_year=draw(st.integers(YEAR - 2, YEAR + 1)),
        paid_on=dt.date(draw(st.integers(YEAR - 1, YEAR + 1)), draw(st.integers(1, 12)), 1),
        amount_paid=draw(cents),
        amount_due=due,
        family_part=draw(st.one_of(st.just(D("0.00")), cents)).min(due),
        method=draw(methods),
        family_ids=tuple(draw(st.lists(st.integers(10, 14), unique=True, max_size=3))),
    )


@st.composite
def reimbursement_rows(draw: st.DrawFn) -> ReimbursementRow:
    return ReimbursementRow(
        member_id=draw(st.integers(1, 4)),
        beneficiary_id=draw(st.one_of(st.none(), st.integers(10, 14))),
        expense_year=draw(st.integers(YEAR - 3, YEAR)),
        payment_year=draw(st.integers(YEAR - 1, YEAR + 1)),
        expense_type=draw(st.sampled_from(list(ExpenseType))),
        amount_paid=draw(cents),
        amount_spent=draw(cents),
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(contribution_rows(), max_size=12), st.lists(reimbursement_rows(), max_size=12))
def test_the_sums_are_the_year_s_direct_payments_and_reimbursements_to_the_cent(
    contributions: list[ContributionRow], reimbursements: list[ReimbursementRow]
) -> None:
    households = tax_figures(
        year=YEAR, people=[], contributions=contributions, reimbursements=reimbursements, cap=D("1300.00")
    )
    persons = [p for h in households for p in h.persons]
    direct = [c for c in contributions if c.paid_on.year == YEAR and c.amount_paid > 0 and c.method != "payroll"]
    assert sum((p.contributions for p in persons), D(0)) == sum((c.amount_paid for c in direct), D(0))
    assert sum((p.contributions_earlier_years for p in persons), D(0)) == sum(
        (c.amount_paid for c in direct if c.competence_year < YEAR), D(0)
    )
    paid = [r for r in reimbursements if r.payment_year == YEAR and r.amount_paid > 0]
    assert sum((p.reimbursed_total for p in persons), D(0)) == sum((r.amount_paid for r in paid), D(0))
    assert sum((p.reimbursed_earlier_years(YEAR) for p in persons), D(0)) == sum(
        (r.amount_paid for r in paid if r.expense_year < YEAR), D(0)
    )
    for household in households:
        assert household.member.is_member
        assert household.detraibile_amount == min(household.member.contributions, D("1300.00"))
        for p in household.persons:
            assert p.contributions.as_tuple().exponent == -2
            assert p.contributions >= 0


def test_the_family_part_is_shared_among_the_adesione_s_family_to_the_cent() -> None:
    row = ContributionRow(
        member_id=1, competence_year=YEAR, paid_on=dt.date(YEAR, 1, 31), amount_paid=D("340.00"),
        amount_due=D("340.00"), family_part=D("100.00"), method="sdd", family_ids=(12, 11, 13),
    )  # fmt: skip
    (household,) = tax_figures(year=YEAR, people=[], contributions=[row], reimbursements=[], cap=None)
    assert [(p.beneficiary_id, p.contributions) for p in household.persons] == [
        (None, D("240.00")), (11, D("33.34")), (12, D("33.33")), (13, D("33.33")),
    ]  # fmt: skip
    assert household.member.treatment == Treatment.DETRAIBILE
    assert household.persons[1].treatment == Treatment.NONE


def test_a_family_part_with_no_family_listed_belongs_to_nobody_the_file_can_name() -> None:
    row = ContributionRow(
        member_id=1, competence_year=YEAR, paid_on=dt.date(YEAR, 1, 31), amount_paid=D("300.00"),
        amount_due=D("300.00"), family_part=D("60.00"), method="transfer",
    )  # fmt: skip
    (household,) = tax_figures(year=YEAR, people=[], contributions=[row], reimbursements=[], cap=None)
    assert [(p.beneficiary_id, p.contributions) for p in household.persons] == [
        (None, D("240.00")),
        (UNASSIGNED, D("60.00")),
    ]


def test_payroll_other_years_and_advance_payments() -> None:
    def paid(method: str, paid_on: dt.date, competence: int) -> ContributionRow:
        return ContributionRow(1, competence, paid_on, D("10.00"), D("10.00"), D("0.00"), method)

    (household,) = tax_figures(
        year=YEAR,
        people=[PersonRow(1, None, "RSSMRA85T10H501O", "Rossi Mario")],
        contributions=[
            paid("payroll", dt.date(YEAR, 1, 31), YEAR),  # the employer's CU
            paid("sdd", dt.date(YEAR - 1, 12, 31), YEAR),  # paid the year before
            paid("sdd", dt.date(YEAR, 2, 1), YEAR - 1),  # late: an earlier year's
            paid("card", dt.date(YEAR, 12, 1), YEAR + 1),  # in advance: counts with the year paid
        ],
        reimbursements=[],
        cap=D("15.00"),
    )
    assert household.member.fiscal_code == "RSSMRA85T10H501O"
    assert household.member.contributions_same_year == D("10.00")
    assert household.member.contributions_earlier_years == D("10.00")
    assert (household.detraibile_amount, household.over_cap) == (D("15.00"), D("5.00"))


def test_a_year_with_nothing_has_no_household() -> None:
    assert tax_figures(year=YEAR, people=[], contributions=[], reimbursements=[], cap=None) == []


# --- From the database ------------------------------------------------------------------------------------------


@pytest.fixture
def household(db: None) -> dict[str, object]:
    """A member with two children on a family adesione, paying directly; a payroll member; reimbursements."""
    member = MemberFactory(first_name="Mario", last_name="Rossi")
    sofia = BeneficiaryFactory(member=member, first_name="Sofia")
    luca = BeneficiaryFactory(member=member, first_name="Luca", birth_date=dt.date(2014, 2, 3))
    enrollment = EnrollmentFactory(member=member)
    enrollment.beneficiaries.add(sofia, luca)
    ContributionFactory(enrollment=enrollment, year=YEAR, amount_due=D("360.01"), family_part=D("120.01"))
    ContributionFactory(enrollment=enrollment, year=YEAR - 1, paid_on=dt.date(YEAR, 2, 10), method="transfer")
    ContributionFactory(year=YEAR, method=ContributionMethod.PAYROLL)  # someone else, through the employer
    own = ClaimDocumentFactory(
        claim=ClaimFactory(member=member, status="paid"), amount=D("200.00"), issue_date=dt.date(YEAR, 3, 1)
    )
    SettlementFactory(document=own, amount_paid=D("150.00"), paid_on=dt.date(YEAR, 5, 4))
    old = ClaimDocumentFactory(
        claim=ClaimFactory(member=member, kind=ClaimKind.REIMBURSEMENT_SURGERY, status="paid"),
        beneficiary=sofia, amount=D("1000.00"), issue_date=dt.date(YEAR - 1, 11, 2),
    )  # fmt: skip
    SettlementFactory(document=old, amount_paid=D("800.00"), paid_on=dt.date(YEAR, 1, 20))
    study = ClaimDocumentFactory(
        claim=ClaimFactory(member=member, kind=ClaimKind.STUDY_SUBSIDY, status="paid"),
        doc_type="certificato_scolastico",
        amount=None,
    )
    SettlementFactory(document=study, amount_requested=D("300.00"), paid_on=dt.date(YEAR, 6, 1))  # not health
    SettlementFactory(paid_on=dt.date(YEAR - 1, 6, 1))  # another year's
    return {"member": member, "sofia": sofia, "luca": luca}


def test_the_sql_rows_give_the_household_s_figures(household: dict[str, object]) -> None:
    member, sofia, luca = household["member"], household["sofia"], household["luca"]
    (figures,) = [h for h in rows.households(year=YEAR, cap=D("1300.00")) if h.member_id == member.pk]  # type: ignore[attr-defined]
    me, first, second = figures.persons
    assert (me.is_member, me.contributions_same_year, me.contributions_earlier_years) == (
        True, D("240.00"), D("240.00")
    )  # fmt: skip
    assert [(p.beneficiary_id, p.contributions_same_year) for p in (first, second)] == [
        (sofia.pk, D("60.01")), (luca.pk, D("60.00")),  # type: ignore[attr-defined]
    ]  # fmt: skip
    assert (me.reimbursed_same_year(YEAR), me.spent_same_year(YEAR)) == (D("150.00"), D("200.00"))
    assert (first.reimbursed_earlier_years(YEAR), first.spent_earlier_years(YEAR)) == (D("800.00"), D("1000.00"))
    assert [(r.expense_year, r.expense_type) for r in first.reimbursed_lines] == [(YEAR - 1, ExpenseType.SURGERY)]
    assert figures.detraibile_amount == D("480.00")


def test_the_portal_s_rows_give_the_same_figures_with_their_claims(household: dict[str, object]) -> None:
    member = household["member"]
    whole = {h.member_id: h for h in rows.households(year=YEAR, cap=None)}[member.pk]  # type: ignore[attr-defined]
    one = rows.member_figures(member=member, year=YEAR, cap=None)  # type: ignore[arg-type]
    assert one is not None
    summary = [(p.beneficiary_id, p.contributions, p.reimbursed_total) for p in one.persons]
    assert summary == [(p.beneficiary_id, p.contributions, p.reimbursed_total) for p in whole.persons]
    assert all(line.claim_ids for p in one.persons for line in p.reimbursed.values())


def test_every_member_with_something_comes_once_in_member_order(household: dict[str, object]) -> None:
    """Members with only a reimbursement, only a contribution, both, neither: the merged streams miss nobody."""
    only_paid = [ContributionFactory(year=YEAR, amount_due=D("10.00") + n).member for n in range(3)]
    only_reimbursed = MemberFactory()
    document = ClaimDocumentFactory(claim=ClaimFactory(member=only_reimbursed, status="paid"), amount=D("9.99"))
    SettlementFactory(document=document, paid_on=dt.date(YEAR, 9, 9))
    MemberFactory()  # nothing in the year
    ContributionFactory(year=YEAR - 1)  # another year's
    progress: list[tuple[int, int]] = []
    everyone = [h.member_id for h in rows.households(year=YEAR, cap=None, progress=lambda *a: progress.append(a))]
    expected = sorted([household["member"].pk, *(m.pk for m in only_paid), only_reimbursed.pk])  # type: ignore[attr-defined]
    assert everyone == expected
    assert progress[-1] == (5, 4)  # five households, four of them with a contribution
