"""Reads of a member's claims for the portal's pages."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from mutua.claims.models import ClaimKind, ClaimStatus
from mutua.claims.selectors import claim_list_for_member, claim_list_summary_for_member, latest_claims_for_member
from mutua.claims.services import claim_transition
from mutua.claims.tests.factories import ClaimDocumentFactory, ClaimFactory

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")


def sent(member, when: dt.datetime, *, status: str = ClaimStatus.SUBMITTED):
    claim = claim_transition(claim=ClaimFactory(member=member), to_status=ClaimStatus.SUBMITTED, actor=None, at=when)
    if status == ClaimStatus.CANCELLED:
        claim = claim_transition(claim=claim, to_status=status, actor=None, at=when)
    return claim


class TestClaimListSummary:
    def test_years_draft_and_count_agree_with_the_listed_claims(self, member, other_member):
        sent(member, dt.datetime(2024, 5, 2, 10, 0, tzinfo=ROME))
        sent(member, dt.datetime(2024, 12, 31, 23, 30, tzinfo=ROME), status=ClaimStatus.CANCELLED)  # 2024 in Rome
        sent(member, dt.datetime(2025, 1, 1, 0, 30, tzinfo=ROME))  # still 2024 in UTC: 2025 in Rome
        ClaimFactory(member=member)  # the reimbursement draft
        sent(other_member, dt.datetime(2023, 3, 3, 10, 0, tzinfo=ROME))
        for status, year in [("", None), ("", 2024), ("", 2025), (ClaimStatus.CANCELLED, 2024), ("in_review", None)]:
            summary = claim_list_summary_for_member(member=member, status=status, year=year)
            assert summary.count == claim_list_for_member(member=member, status=status, year=year).count()
        summary = claim_list_summary_for_member(member=member)
        assert summary.years == [2025, 2024] and summary.has_draft and summary.count == 3
        assert claim_list_summary_for_member(member=member, year=2024).count == 2

    def test_a_study_subsidy_draft_is_not_the_reimbursement_draft(self, member):
        ClaimFactory(member=member, kind=ClaimKind.STUDY_SUBSIDY)
        summary = claim_list_summary_for_member(member=member)
        assert not summary.has_draft and summary.years == [] and summary.count == 0


def test_latest_claims_put_the_reimbursement_draft_first_with_its_documents(member):
    old = sent(member, dt.datetime(2024, 5, 2, 10, 0, tzinfo=ROME))
    new = sent(member, dt.datetime(2025, 5, 2, 10, 0, tzinfo=ROME))
    ClaimFactory(member=member, kind=ClaimKind.STUDY_SUBSIDY)  # a study draft is not shown
    draft = ClaimFactory(member=member)
    ClaimDocumentFactory.create_batch(2, claim=draft)
    rows = list(latest_claims_for_member(member=member))
    assert rows == [draft, new, old]
    assert rows[0].document_count == 2
