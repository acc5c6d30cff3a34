"""Adesioni and contribution certificates: regularity per year, the member's own part, the yearly cap."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from mutua.plans.models import Contribution, ContributionMethod, DeductionCap
from mutua.plans.selectors import (
    active_enrollments,
    certificate_years,
    certified_payment,
    contribution_certificate_for,
    contribution_regularity,
    contribution_summary,
    contributions_paid_in,
    deduction_cap_for,
    enrollments_for_member,
)
from mutua.plans.tests.factories import ContributionFactory, EnrollmentFactory

TODAY = dt.date(2026, 11, 30)
D = Decimal


def contribution(**kwargs) -> Contribution:
    """An unsaved contribution: the sums are pure functions of the rows."""
    defaults = {
        "year": 2025,
        "amount_due": D("240.00"),
        "amount_paid": D("240.00"),
        "family_part": D("0.00"),
        "paid_on": dt.date(2025, 1, 31),
        "method": ContributionMethod.SDD,
    }
    return Contribution(**{**defaults, **kwargs})


def cap(amount: str) -> DeductionCap:
    return DeductionCap(from_year=2018, amount=D(amount), legal_reference="art. 83, comma 5, D.Lgs. 117/2017")


# contribution_regularity


def test_a_year_paid_in_full_is_regular():
    [year] = contribution_regularity(contributions=[contribution(year=2026)], today=TODAY)
    assert (year.year, year.due, year.paid, year.outstanding, year.regular) == (2026, D("240"), D("240"), 0, True)


def test_a_partly_paid_year_says_what_is_due():
    [year] = contribution_regularity(
        contributions=[contribution(year=2026, amount_due=D("300.00"), amount_paid=D("120.50"))], today=TODAY
    )
    assert not year.regular and year.outstanding == D("179.50")


def test_instalments_of_one_year_are_added_up_and_years_listed_newest_first():
    rows = [
        contribution(year=2025, amount_due=D("120"), amount_paid=D("120"), period="1° semestre 2025"),
        contribution(year=2025, amount_due=D("120"), amount_paid=D("0"), paid_on=None, period="2° semestre 2025"),
        contribution(year=2026, amount_due=D("240"), amount_paid=D("240")),
    ]
    standing = contribution_regularity(contributions=rows, today=TODAY)
    assert [(y.year, y.due, y.outstanding) for y in standing] == [(2026, D("240"), 0), (2025, D("240"), D("120"))]


def test_an_overpaid_year_is_regular_and_does_not_cover_another_year():
    rows = [
        contribution(year=2025, amount_due=D("240"), amount_paid=D("300")),
        contribution(year=2026, amount_due=D("240"), amount_paid=D("200")),
    ]
    standing = {y.year: y for y in contribution_regularity(contributions=rows, today=TODAY)}
    assert standing[2025].regular and standing[2025].outstanding == 0
    assert standing[2026].outstanding == D("40")


def test_only_the_last_three_years_are_shown():
    rows = [contribution(year=y) for y in (2022, 2023, 2024, 2025, 2026)]
    assert [y.year for y in contribution_regularity(contributions=rows, today=TODAY)] == [2026, 2025, 2024]


# certified_payment and contribution_summary


def test_the_family_part_is_separated_from_the_members_own_part():
    payment = certified_payment(contribution(amount_due=D("420"), amount_paid=D("420"), family_part=D("180")))
    assert (payment.own_part, payment.family_part, payment.detraibile) == (D("240"), D("180"), True)


def test_a_partial_payment_covers_member_and_family_in_proportion():
    payment = certified_payment(contribution(amount_due=D("300"), amount_paid=D("100"), family_part=D("100")))
    assert (payment.own_part, payment.family_part) == (D("66.67"), D("33.33"))


def test_only_the_members_own_traceable_part_is_detraibile_and_payroll_is_not():
    summary = contribution_summary(
        year=2025,
        contributions=[
            contribution(amount_due=D("420"), amount_paid=D("420"), family_part=D("180")),
            contribution(amount_paid=D("100"), amount_due=D("100"), method=ContributionMethod.PAYROLL),
            contribution(amount_paid=D("50"), amount_due=D("50"), method=ContributionMethod.CARD),
        ],
        cap=cap("1300.00"),
    )
    assert summary.own_total == D("390")
    assert summary.family_total == D("180")
    assert summary.total == D("570")
    assert summary.detraibile_total == D("290")  # 240 by direct debit + 50 by card; the payroll 100 is not
    assert summary.detraibile_amount == D("290") and summary.over_cap == 0


def test_the_detraibile_amount_never_exceeds_the_cap():
    summary = contribution_summary(
        year=2025,
        contributions=[contribution(amount_due=D("1500"), amount_paid=D("1500"), family_part=D("100"))],
        cap=cap("1300.00"),
    )
    assert summary.detraibile_total == D("1400")
    assert summary.detraibile_amount == D("1300.00")
    assert summary.over_cap == D("100.00")


# deduction_cap_for


@pytest.mark.django_db
def test_the_cap_is_1300_since_2018_and_1291_14_before():
    assert deduction_cap_for(year=2018).amount == D("1300.00")
    assert deduction_cap_for(year=2026).amount == D("1300.00")
    assert deduction_cap_for(year=2017).amount == D("1291.14")
    assert "83" in deduction_cap_for(year=2025).legal_reference


@pytest.mark.django_db
def test_a_new_cap_row_applies_from_its_year_on():
    DeductionCap.objects.create(from_year=2027, amount=D("1500.00"), legal_reference="legge futura")
    assert deduction_cap_for(year=2026).amount == D("1300.00")
    assert deduction_cap_for(year=2027).amount == D("1500.00")


# certificate years and the payments of a year


def test_certificates_cover_the_last_two_years():
    assert certificate_years(today=TODAY) == [2026, 2025]


@pytest.mark.django_db
def test_a_certificate_counts_payments_by_the_date_paid_not_the_competence_year(member, other_member):
    enrollment = EnrollmentFactory(member=member)
    ContributionFactory(enrollment=enrollment, year=2024, paid_on=dt.date(2025, 2, 10))  # late, paid in 2025
    ContributionFactory(enrollment=enrollment, year=2025, paid_on=dt.date(2025, 1, 31))
    ContributionFactory(enrollment=enrollment, year=2026, paid_on=dt.date(2025, 12, 20))  # early
    ContributionFactory(enrollment=enrollment, year=2026, amount_paid=D("0"), paid_on=None, period="saldo")
    ContributionFactory(enrollment=EnrollmentFactory(member=other_member), year=2025)

    paid = list(contributions_paid_in(member=member, year=2025))
    assert [c.year for c in paid] == [2025, 2024, 2026]
    summary = contribution_certificate_for(member=member, year=2025)
    assert summary.total == D("720.00") and summary.cap == D("1300.00")


@pytest.mark.django_db
def test_enrollments_with_family_and_contributions_in_constant_queries(member, django_assert_num_queries):
    for _ in range(3):
        enrollment = EnrollmentFactory(member=member)
        enrollment.beneficiaries.set(member.beneficiaries.all())
        for year in (2024, 2025, 2026):
            ContributionFactory(enrollment=enrollment, year=year)
    with django_assert_num_queries(3):
        rows = [
            (e.plan.name, [b.first_name for b in e.beneficiaries.all()], len(e.contributions.all()))
            for e in enrollments_for_member(member=member)
        ]
    assert len(rows) == 3 and all(count == 3 for _, _, count in rows)


@pytest.mark.django_db
def test_active_enrollments_exclude_those_ended_or_not_yet_started(member):
    current = EnrollmentFactory(member=member, start_date=dt.date(2020, 1, 1))
    EnrollmentFactory(member=member, start_date=dt.date(2015, 1, 1), end_date=dt.date(2019, 12, 31))
    EnrollmentFactory(member=member, start_date=dt.date(2027, 1, 1))
    assert list(active_enrollments(member=member, on=TODAY)) == [current]
