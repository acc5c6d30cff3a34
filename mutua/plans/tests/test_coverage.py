"""The settlement of one document under a plan's rules: examples from the rules, then properties for any input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutua.plans.coverage import CoverageRules, Expense, Used, settlement_compute

D = Decimal
ENROLLED = dt.date(2025, 1, 1)


def expense(amount: str = "100.00", **overrides: object) -> Expense:
    values: dict[str, object] = {
        "doc_type": "fattura",
        "amount": D(amount),
        "issue_date": dt.date(2026, 3, 10),
        "submitted_on": dt.date(2026, 3, 20),
        "enrolled_on": ENROLLED,
    }
    values.update(overrides)
    return Expense(**values)  # type: ignore[arg-type]


# --- Examples --------------------------------------------------------------------------------------------


def test_scoperto_with_minimum_withholds_the_larger():
    rules = CoverageRules(reimbursement_pct=D("80"), minimum_withheld=D("30.00"))
    small = settlement_compute(rules=rules, expense=expense("100.00"), used=Used())
    assert (small.admitted, small.withheld, small.paid) == (D("100.00"), D("30.00"), D("70.00"))
    assert small.reasons == ("Scoperto del 20% con il minimo di € 30,00.",)
    big = settlement_compute(rules=rules, expense=expense("400.00"), used=Used())
    assert (big.withheld, big.paid) == (D("80.00"), D("320.00"))
    assert big.reasons == ("Scoperto del 20%.",)


def test_franchigia_per_document():
    rules = CoverageRules(deductible=D("15.00"))
    out = settlement_compute(rules=rules, expense=expense("62.50"), used=Used())
    assert (out.withheld, out.paid) == (D("15.00"), D("47.50"))
    assert out.reasons == ("Franchigia di € 15,00.",)
    tiny = settlement_compute(rules=rules, expense=expense("9.99"), used=Used())
    assert (tiny.withheld, tiny.paid) == (D("9.99"), D("0.00"))


def test_scoperto_is_rounded_half_up_to_the_cent():
    rules = CoverageRules(reimbursement_pct=D("75"))
    out = settlement_compute(rules=rules, expense=expense("10.10"), used=Used())
    assert (out.withheld, out.paid) == (D("2.53"), D("7.57"))


def test_nothing_is_paid_during_the_waiting_period():
    rules = CoverageRules(waiting_days=120)
    out = settlement_compute(rules=rules, expense=expense(enrolled_on=dt.date(2026, 1, 1)), used=Used())
    assert (out.admitted, out.paid) == (D("0.00"), D("0.00"))
    assert out.reasons == ("Spesa sostenuta durante il periodo di carenza (fino al 30/04/2026).",)


def test_no_plan_in_force_or_family_member_not_enrolled_pays_nothing():
    none = settlement_compute(rules=CoverageRules(), expense=expense(enrolled_on=None), used=Used())
    assert none.paid == 0 and none.reasons == ("Nessuna forma di assistenza attiva alla data della spesa.",)
    later = settlement_compute(rules=CoverageRules(), expense=expense(enrolled_on=dt.date(2026, 4, 1)), used=Used())
    assert later.paid == 0
    family = settlement_compute(rules=CoverageRules(), expense=expense(beneficiary_covered=False), used=Used())
    assert family.paid == 0 and family.reasons == ("Il familiare non è iscritto alla forma di assistenza.",)


def test_a_document_sent_after_the_deadline_is_not_admitted():
    rules = CoverageRules(submission_days=180)
    on_time = expense(issue_date=dt.date(2026, 1, 10), submitted_on=dt.date(2026, 7, 9))
    assert settlement_compute(rules=rules, expense=on_time, used=Used()).paid == D("100.00")
    late = expense(issue_date=dt.date(2026, 1, 10), submitted_on=dt.date(2026, 7, 10))
    out = settlement_compute(rules=rules, expense=late, used=Used())
    assert out.paid == 0 and out.reasons == ("Documento inviato oltre il termine di 180 giorni dalla spesa.",)


def test_per_type_limit_reduces_the_admitted_amount_and_zero_excludes_the_type():
    rules = CoverageRules(type_limits={"ricevuta": D("50.00"), "fattura": D("0")})
    out = settlement_compute(rules=rules, expense=expense("80.00", doc_type="ricevuta"), used=Used())
    assert (out.requested, out.admitted, out.paid, out.not_admitted) == (D("80.00"), D("50.00"), D("50.00"), D("30.00"))
    assert out.reasons == ("Importo ammesso ridotto al massimo di € 50,00 per questo tipo di documento.",)
    excluded = settlement_compute(rules=rules, expense=expense("80.00"), used=Used())
    assert excluded.admitted == 0 and excluded.reasons == ("Tipo di documento non coperto dalla forma di assistenza.",)


def test_ceilings_per_beneficiary_and_family_cap_what_is_paid():
    rules = CoverageRules(beneficiary_ceiling=D("1000.00"), family_ceiling=D("1500.00"))
    out = settlement_compute(
        rules=rules, expense=expense("300.00"), used=Used(beneficiary=D("800.00"), family=D("900"))
    )
    assert (out.paid, out.ceiling_cut, out.beneficiary_used, out.beneficiary_left) == (
        D("200.00"),
        D("100.00"),
        D("1000.00"),
        D("0.00"),
    )
    assert out.family_left == D("400.00")
    assert out.reasons == ("Massimale annuo per assistito raggiunto: liquidati € 200,00.",)
    family = settlement_compute(rules=rules, expense=expense("300.00"), used=Used(beneficiary=D("0"), family=D("1400")))
    assert family.paid == D("100.00") and family.family_left == D("0.00")
    assert family.reasons == ("Massimale annuo del nucleo familiare raggiunto: liquidati € 100,00.",)


def test_no_ceiling_reports_nothing_left_to_count():
    out = settlement_compute(rules=CoverageRules(), expense=expense("12.34"), used=Used(D("5"), D("5")))
    assert out.beneficiary_left is None and out.family_left is None and out.family_used == D("17.34")


# --- Properties ------------------------------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False, allow_infinity=False)
maybe_money = st.none() | money
pct = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
days = st.integers(min_value=0, max_value=800)
dates = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2030, 12, 31))

rules_st = st.builds(
    CoverageRules,
    reimbursement_pct=pct,
    deductible=money,
    minimum_withheld=money,
    beneficiary_ceiling=maybe_money,
    family_ceiling=maybe_money,
    waiting_days=st.integers(min_value=0, max_value=400),
    submission_days=st.none() | days,
    type_limits=st.dictionaries(st.sampled_from(["fattura", "ricevuta"]), money, max_size=2),
)


@st.composite
def expenses(draw: st.DrawFn) -> Expense:
    issue = draw(dates)
    return Expense(
        doc_type=draw(st.sampled_from(["fattura", "ricevuta"])),
        amount=draw(money),
        issue_date=issue,
        submitted_on=issue + dt.timedelta(days=draw(days)),
        enrolled_on=draw(st.none() | dates),
        beneficiary_covered=draw(st.booleans()),
    )


used_st = st.builds(Used, beneficiary=money, family=money)


@given(rules=rules_st, exp=expenses(), used=used_st)
def test_never_pays_more_than_asked_and_the_parts_add_up_exactly(rules, exp, used):
    out = settlement_compute(rules=rules, expense=exp, used=used)
    assert D("0") <= out.paid <= out.admitted <= out.requested == exp.amount
    assert out.withheld >= 0 and out.ceiling_cut >= 0
    assert out.admitted == out.withheld + out.ceiling_cut + out.paid
    assert out.requested == out.not_admitted + out.admitted
    for value in (out.admitted, out.withheld, out.paid, out.ceiling_cut):
        assert value == value.quantize(D("0.01"))
    assert out.beneficiary_used == used.beneficiary + out.paid and out.family_used == used.family + out.paid


@given(rules=rules_st, exp=expenses(), used=used_st)
def test_never_exceeds_a_ceiling(rules, exp, used):
    out = settlement_compute(rules=rules, expense=exp, used=used)
    if rules.beneficiary_ceiling is not None:
        assert out.paid <= max(rules.beneficiary_ceiling - used.beneficiary, D("0"))
        assert out.beneficiary_left is not None and out.beneficiary_left >= 0
    if rules.family_ceiling is not None:
        assert out.paid <= max(rules.family_ceiling - used.family, D("0"))
        assert out.family_left is not None and out.family_left >= 0


@given(rules=rules_st, exp=expenses(), used=used_st)
def test_never_pays_during_the_waiting_period_or_without_a_plan(rules, exp, used):
    out = settlement_compute(rules=rules, expense=exp, used=used)
    if exp.enrolled_on is None or exp.issue_date < exp.enrolled_on + dt.timedelta(days=rules.waiting_days):
        assert out.paid == 0 and out.admitted == 0 and out.reasons


@given(rules=rules_st, exp=expenses(), used=used_st)
def test_something_withheld_or_cut_always_has_a_reason(rules, exp, used):
    out = settlement_compute(rules=rules, expense=exp, used=used)
    if out.paid < out.requested:
        assert out.reasons


# --- Rules as data on the plan ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_plans_rules_and_type_limits_become_coverage_rules(client):
    from mutua.accounts.tests.factories import totp_enable
    from mutua.members.tests.factories import UserFactory
    from mutua.plans.coverage import rules_for_plan
    from mutua.plans.models import PlanDocumentLimit
    from mutua.plans.tests.factories import PlanFactory

    plan = PlanFactory(reimbursement_pct=D("75"), minimum_withheld=D("30"), family_ceiling=D("5000"), waiting_days=90)
    PlanDocumentLimit.objects.create(plan=plan, doc_type="ricevuta", max_amount=D("150"))
    rules = rules_for_plan(plan)
    assert (rules.reimbursement_pct, rules.minimum_withheld, rules.family_ceiling, rules.beneficiary_ceiling) == (
        D("75"),
        D("30"),
        D("5000"),
        None,
    )
    assert rules.waiting_days == 90 and rules.type_limits == {"ricevuta": D("150")}
    admin = UserFactory(username="amministratore1", is_staff=True, is_superuser=True, role="admin")
    totp_enable(admin)
    client.force_login(admin)
    page = client.get(f"/admin/plans/plan/{plan.pk}/change/")
    assert page.status_code == 200 and "Certificato ospedaliero" in page.content.decode()
