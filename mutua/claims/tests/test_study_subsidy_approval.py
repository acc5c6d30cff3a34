"""Sussidi allo studio: approval with the fixed amount of the school level in the certificate's call."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from mutua.accounts.models import User
from mutua.audit.models import AuditEvent
from mutua.claims import services
from mutua.claims.models import Claim, ClaimKind, ClaimStatus, Settlement, StudySubsidyRate
from mutua.claims.services import DocumentData
from mutua.claims.tests import samples
from mutua.claims.tests.test_backoffice_services import sent_claim
from mutua.members.models import Member
from mutua.notifications.models import Notification

pytestmark = pytest.mark.django_db


def certificate(member: Member, *, school_type: str = "high", year: int = 2026, grade: int = 100) -> DocumentData:
    return DocumentData(
        doc_type="certificato_scolastico",
        number="",
        issue_date=dt.date(year, 7, 15),
        amount=None,
        provider_province="",
        provider_name="Liceo Scientifico Volta",
        beneficiary=member.beneficiaries.first(),
        notes="",
        school_type=school_type,
        grade=grade,
    )


def study_claim(member: Member, operator: User, *certificates: DocumentData, region: str = "Lombardia") -> Claim:
    """A study subsidy the member sent and an operator took in charge."""
    draft = services.draft_start(member=member, actor=member.user, study_subsidy=True)
    services.draft_set_region(claim=draft, region=region, actor=member.user)
    for data in certificates or (certificate(member),):
        services.document_add(claim=draft, actor=member.user, data=data, files=[samples.pdf_upload("certificato.pdf")])
    claim = services.claim_submit(member=member, token=draft.token, actor=member.user).claim
    return services.claim_take(claim=claim, actor=operator)


def test_the_seeded_calls_have_the_fixed_amounts_per_level():
    rates = {r.school_type: r.amount for r in StudySubsidyRate.objects.filter(call_year=2026)}
    assert rates == {
        "middle": Decimal("100.00"),
        "high": Decimal("150.00"),
        "bachelor": Decimal("200.00"),
        "master": Decimal("250.00"),
    }


def test_approve_pays_each_certificate_the_fixed_amount_of_its_call_and_settles(member, operator):
    claim = study_claim(
        member,
        operator,
        certificate(member, school_type="high", year=2026),
        certificate(member, school_type="master", year=2025, grade=110),
    )
    approved = services.claim_study_subsidy_approve(claim=claim, actor=operator)
    assert approved.status == ClaimStatus.SETTLED
    rows = {(s.document.school_type, s.competence_year): s for s in Settlement.objects.select_related("document")}
    assert set(rows) == {("high", 2026), ("master", 2025)}
    high = rows[("high", 2026)]
    assert high.amount_requested == high.amount_admitted == high.amount_paid == Decimal("150.00")
    assert high.amount_withheld == 0 and high.payment_year is None and "bando 2026" in high.reason
    assert rows[("master", 2025)].amount_paid == Decimal("250.00")
    event = claim.events.last()
    assert event.actor == operator and event.note == "Sussidio allo studio approvato: € 400,00."
    assert AuditEvent.objects.filter(action="claim.settled", actor=operator, member=member).exists()
    assert Notification.objects.filter(member=member, title__contains=str(claim.pk)).exists()


def test_a_call_without_the_amount_refuses_the_approval_and_changes_nothing(member, operator):
    claim = study_claim(member, operator, certificate(member, school_type="bachelor", year=2031, grade=100))
    with pytest.raises(services.ClaimError, match="Manca l'importo del bando 2031 per «Laurea triennale»"):
        services.claim_study_subsidy_approve(claim=claim, actor=operator)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW and not Settlement.objects.exists()


def test_only_a_study_subsidy_in_review_is_approved(member, operator):
    reimbursement = services.claim_take(claim=sent_claim(member), actor=operator)
    with pytest.raises(services.ClaimError, match="Solo un sussidio"):
        services.claim_study_subsidy_approve(claim=reimbursement, actor=operator)
    claim = study_claim(member, operator)
    services.claim_study_subsidy_approve(claim=claim, actor=operator)
    with pytest.raises(services.InvalidTransition):
        services.claim_study_subsidy_approve(claim=claim, actor=operator)
    assert Settlement.objects.count() == 1
    assert Claim.objects.get(pk=claim.pk).kind == ClaimKind.STUDY_SUBSIDY
