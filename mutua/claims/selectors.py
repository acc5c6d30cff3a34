"""Reads of claims, always scoped to the member who owns them."""

from __future__ import annotations

from django.db.models import Count, DecimalField, Max, Prefetch, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from mutua.claims.models import (
    OPEN_STATUSES,
    Attachment,
    Claim,
    ClaimDocument,
    ClaimKind,
    ClaimStatus,
    ClaimSubmission,
    claim_family,
)
from mutua.members.models import Member

ZERO = Value(0, output_field=DecimalField(max_digits=12, decimal_places=2))


def claims_for_member(*, member: Member) -> QuerySet[Claim]:
    """Every claim of the member, drafts included; the base of every member claim URL."""
    return Claim.objects.filter(member=member)


def claim_list_for_member(*, member: Member, status: str = "", year: int | None = None) -> QuerySet[Claim]:
    """Lista pratiche: sent claims with amounts asked and paid, newest first, in one query."""
    qs = (
        claims_for_member(member=member)
        .exclude(status=ClaimStatus.DRAFT)
        .annotate(
            amount_asked=Coalesce(Sum("documents__amount"), ZERO),
            amount_paid=Coalesce(Sum("documents__settlement__amount_paid"), ZERO),
            paid_on=Max("documents__settlement__paid_on"),
            document_count=Count("documents"),
        )
        .order_by("-submitted_at", "-pk")
    )
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(submitted_at__year=year)
    return qs


def claim_years_for_member(*, member: Member) -> list[int]:
    dates = claims_for_member(member=member).exclude(submitted_at=None).dates("submitted_at", "year", order="DESC")
    return [d.year for d in dates]


def claim_detail_for_member(*, member: Member, pk: int) -> Claim | None:
    documents = ClaimDocument.objects.select_related("beneficiary", "settlement").prefetch_related("attachments")
    return (
        claims_for_member(member=member)
        .prefetch_related(Prefetch("documents", queryset=documents), "events__actor")
        .filter(pk=pk)
        .first()
    )


def open_claim_for_member(*, member: Member, kind: str) -> QuerySet[Claim]:
    """The claim a new submission of this kind joins (the guide's rule): the oldest open one of its family."""
    return (
        claims_for_member(member=member)
        .filter(status__in=OPEN_STATUSES, kind__in=claim_family(kind))
        .order_by("submitted_at", "pk")
    )


def draft_for_member(*, member: Member, study_subsidy: bool = False) -> Claim | None:
    kinds = (
        [ClaimKind.STUDY_SUBSIDY]
        if study_subsidy
        else [ClaimKind.REIMBURSEMENT_STANDARD, ClaimKind.REIMBURSEMENT_SURGERY]
    )
    return claims_for_member(member=member).filter(status=ClaimStatus.DRAFT, kind__in=kinds).first()


def attachment_for_member(*, member: Member, pk: int) -> Attachment | None:
    return Attachment.objects.select_related("document__claim").filter(pk=pk, document__claim__member=member).first()


def submission_for_member(*, member: Member, token: str) -> ClaimSubmission | None:
    try:
        return ClaimSubmission.objects.select_related("claim").filter(token=token, claim__member=member).first()
    except Exception:  # not a UUID
        return None
