"""Liquida: a claim in review is settled per document under the member's plan, once, and the member is told."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mutua.accounts.models import User
from mutua.audit.models import AuditEvent
from mutua.claims import services
from mutua.claims.models import Claim, ClaimEvent, ClaimStatus, Settlement
from mutua.claims.services import SettlementFigures
from mutua.claims.tests.test_backoffice_services import data, sent_claim
from mutua.core.testing import needs_row_locks, race
from mutua.members.models import Member
from mutua.notifications.models import Notification
from mutua.plans.models import Plan, PlanDocumentLimit
from mutua.plans.tests.factories import EnrollmentFactory, PlanFactory

pytestmark = pytest.mark.django_db
D = Decimal


def enroll(member: Member, **rules: object) -> Plan:
    values: dict[str, object] = {"reimbursement_pct": D("80"), "minimum_withheld": D("20.00")}
    values.update(rules)
    plan = PlanFactory(**values)
    enrollment = EnrollmentFactory(member=member, plan=plan)
    enrollment.beneficiaries.set(member.beneficiaries.all())
    return plan


def in_review(member: Member, operator: User, **document: object) -> Claim:
    return services.claim_take(claim=sent_claim(member, **document), actor=operator)


def test_settle_computes_each_document_and_tells_the_member(member, operator):
    enroll(member)
    claim = in_review(member, operator)
    services.claim_settle(claim=claim, actor=operator)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SETTLED
    s = Settlement.objects.get(document__claim=claim)
    assert (s.amount_requested, s.amount_admitted, s.amount_withheld, s.amount_paid) == (
        D("80.00"),
        D("80.00"),
        D("20.00"),
        D("60.00"),
    )
    assert s.competence_year == s.document.issue_date.year and s.paid_on is None and s.payment_year is None
    assert s.reason == "Scoperto del 20% con il minimo di € 20,00."
    event = claim.events.last()
    assert event.actor == operator and event.to_status == ClaimStatus.SETTLED and event.note == "Liquidati € 60,00."
    assert AuditEvent.objects.filter(action="claim.settled", actor=operator, member=member).exists()
    note = Notification.objects.filter(member=member, title=f"Pratica n. {claim.pk} liquidata").get()
    assert "€ 60,00" in note.body


def test_operator_may_change_the_figures_only_with_a_reason(member, operator):
    enroll(member)
    claim = in_review(member, operator)
    doc = claim.documents.get()
    changed = SettlementFigures(admitted=D("80.00"), withheld=D("10.00"), paid=D("70.00"))
    with pytest.raises(services.SettlementRejected) as exc:
        services.claim_settle(claim=claim, actor=operator, figures={doc.pk: changed})
    assert exc.value.errors == {
        doc.pk: {"reason": "Hai cambiato gli importi calcolati: scrivi il motivo, il socio lo leggerà."}
    }
    assert not Settlement.objects.exists()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW
    reasoned = SettlementFigures(
        admitted=D("80.00"), withheld=D("10.00"), paid=D("70.00"), reason="Accordo con la sede."
    )
    services.claim_settle(claim=claim, actor=operator, figures={doc.pk: reasoned})
    s = Settlement.objects.get(document=doc)
    assert (s.amount_withheld, s.amount_paid, s.reason) == (D("10.00"), D("70.00"), "Accordo con la sede.")


@pytest.mark.parametrize(
    ("admitted", "withheld", "paid", "field"),
    [
        ("90.00", "20.00", "60.00", "admitted"),  # more than asked
        ("80.00", "90.00", "0.00", "withheld"),
        ("80.00", "20.00", "70.00", "paid"),  # more than admitted minus withheld
    ],
)
def test_figures_out_of_bounds_are_refused_next_to_the_field(member, operator, admitted, withheld, paid, field):
    enroll(member)
    claim = in_review(member, operator)
    doc = claim.documents.get()
    figures = {doc.pk: SettlementFigures(admitted=D(admitted), withheld=D(withheld), paid=D(paid), reason="x")}
    with pytest.raises(services.SettlementRejected) as exc:
        services.claim_settle(claim=claim, actor=operator, figures=figures)
    assert field in exc.value.errors[doc.pk]
    assert not Settlement.objects.exists()


def test_the_family_ceiling_counts_other_claims_and_earlier_documents(member, operator):
    enroll(member, reimbursement_pct=D("100"), minimum_withheld=D("0"), family_ceiling=D("100.00"))
    first = in_review(member, operator, amount=D("70.00"))
    services.claim_settle(claim=first, actor=operator)
    second = in_review(member, operator, amount=D("50.00"), number="13/2026")
    lines = services.claim_settlement_lines(claim=second)
    assert lines[0].family_used_before == D("70.00") and lines[0].family_left_before == D("30.00")
    assert lines[0].outcome.paid == D("30.00")
    doc = second.documents.get()
    over = SettlementFigures(admitted=D("50.00"), withheld=D("0"), paid=D("50.00"), reason="Eccezione")
    with pytest.raises(services.SettlementRejected) as exc:
        services.claim_settle(claim=second, actor=operator, figures={doc.pk: over})
    assert exc.value.errors[doc.pk]["paid"] == "L'importo liquidato supera il massimale annuo residuo (€ 30,00)."
    services.claim_settle(claim=second, actor=operator)
    assert Settlement.objects.get(document=doc).amount_paid == D("30.00")


def test_waiting_period_and_type_limits_come_from_the_plan(member, operator):
    plan = enroll(member, reimbursement_pct=D("100"), minimum_withheld=D("0"))
    PlanDocumentLimit.objects.create(plan=plan, doc_type="fattura", max_amount=D("50.00"))
    claim = in_review(member, operator)
    [line] = services.claim_settlement_lines(claim=claim)
    assert (line.outcome.admitted, line.outcome.paid) == (D("50.00"), D("50.00"))
    assert line.plan_name == plan.name


def test_nothing_to_pay_is_not_a_settlement(member, operator):
    claim = in_review(member, operator)  # no adesione: nothing is covered
    with pytest.raises(services.ClaimError) as exc:
        services.claim_settle(claim=claim, actor=operator)
    assert "respingila" in exc.value.message
    assert not Settlement.objects.exists()


def test_only_a_claim_in_review_can_be_settled_and_only_once(member, operator):
    enroll(member)
    claim = sent_claim(member)
    with pytest.raises(services.InvalidTransition):
        services.claim_settle(claim=claim, actor=operator)
    claim = services.claim_take(claim=claim, actor=operator)
    services.claim_settle(claim=claim, actor=operator)
    with pytest.raises(services.InvalidTransition):
        services.claim_settle(claim=claim, actor=operator)
    assert Settlement.objects.count() == 1


def test_documents_without_an_amount_are_not_settled(member, operator):
    enroll(member)
    claim = in_review(member, operator)
    draft_doc = data(doc_type="cartella_clinica", amount=None, number="")
    from mutua.claims.models import ClaimDocument

    ClaimDocument.objects.create(claim=claim, **draft_doc.as_fields())
    services.claim_settle(claim=claim, actor=operator)
    assert Settlement.objects.filter(document__claim=claim).count() == 1


@pytest.mark.django_db(transaction=True)
@needs_row_locks
def test_two_operators_settling_the_same_claim_at_once_yield_one_settlement(member, operator, supervisor):
    enroll(member)
    claim = in_review(member, operator)
    outcome = race(
        lambda user: services.claim_settle(claim=claim, actor=user),
        [operator, supervisor],
        refusal=services.InvalidTransition,
    )
    assert len(outcome.done) == 1 and len(outcome.refused) == 1
    assert Settlement.objects.filter(document__claim=claim).count() == 1
    assert ClaimEvent.objects.filter(claim=claim, to_status=ClaimStatus.SETTLED).count() == 1


def test_a_study_grant_does_not_use_up_the_health_plan_ceilings(member, operator):
    from mutua.claims.models import ClaimKind, DocumentType
    from mutua.claims.tests.factories import ClaimDocumentFactory, ClaimFactory, SettlementFactory

    enroll(member, reimbursement_pct=D("100"), minimum_withheld=D("0"), beneficiary_ceiling=D("100.00"))
    grant = ClaimFactory(member=member, kind=ClaimKind.STUDY_SUBSIDY, status=ClaimStatus.PAID)
    SettlementFactory(
        document=ClaimDocumentFactory(
            claim=grant, doc_type=DocumentType.CERTIFICATO_SCOLASTICO, amount=None, issue_date=data().issue_date
        ),
        amount_requested=D("150.00"),
    )
    claim = in_review(member, operator, amount=D("60.00"))
    [line] = services.claim_settlement_lines(claim=claim)
    assert line.beneficiary_used_before == D("0.00") and line.outcome.paid == D("60.00")
