"""Reads of claims, always scoped to the member who owns them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Count, DecimalField, Max, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from mutua.claims.models import (
    OPEN_STATUSES,
    Attachment,
    Claim,
    ClaimDocument,
    ClaimKind,
    ClaimStatus,
    ClaimSubmission,
    ClaimSuspension,
    Settlement,
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


def latest_claims_for_member(*, member: Member) -> QuerySet[Claim]:
    """Panoramica's "Ultime pratiche": sent claims, most recently sent first, without the list's sums."""
    return claims_for_member(member=member).exclude(status=ClaimStatus.DRAFT).order_by("-submitted_at", "-pk")


def claim_years_for_member(*, member: Member) -> list[int]:
    dates = claims_for_member(member=member).exclude(submitted_at=None).dates("submitted_at", "year", order="DESC")
    return [d.year for d in dates]


def claim_detail_for_member(*, member: Member, pk: int) -> Claim | None:
    documents = ClaimDocument.objects.select_related("beneficiary", "settlement").prefetch_related("attachments")
    return (
        claims_for_member(member=member)
        .prefetch_related(
            Prefetch("documents", queryset=documents),
            "events__actor",
            Prefetch("suspensions", queryset=ClaimSuspension.objects.filter(ended_at=None), to_attr="open_suspensions"),
        )
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
    return (
        claims_for_member(member=member)
        .filter(status=ClaimStatus.DRAFT, kind__in=kinds)
        .annotate(document_count=Count("documents"))
        .first()
    )


def attachment_for_member(*, member: Member, pk: int) -> Attachment | None:
    return Attachment.objects.select_related("document__claim").filter(pk=pk, document__claim__member=member).first()


def submission_for_member(*, member: Member, token: str) -> ClaimSubmission | None:
    try:
        return ClaimSubmission.objects.select_related("claim").filter(token=token, claim__member=member).first()
    except Exception:  # not a UUID
        return None


@dataclass(frozen=True)
class DuplicateWarning:
    """`document` of the claim under review looks like `other`, already sent by the same member."""

    document: ClaimDocument
    other: ClaimDocument
    same_file: bool  # the very same file (SHA-256); otherwise same number, date, amount and provider


def _document_key(d: ClaimDocument) -> tuple[str, object, object, str]:
    return (d.number.strip().lower(), d.issue_date, d.amount, " ".join(d.provider_name.lower().split()))


def claim_duplicates(*, claim: Claim) -> list[DuplicateWarning]:
    """Likely duplicates of the claim's documents in any of the member's sent claims, this one included.

    Two queries whatever the number of documents; the claim's documents and attachments are read from the
    caller's prefetch when there is one.
    """
    documents = list(claim.documents.all())
    by_hash: dict[str, list[ClaimDocument]] = {}
    for d in documents:
        for a in d.attachments.all():
            by_hash.setdefault(a.sha256, []).append(d)
    sent = Q(claim__member_id=claim.member_id) & ~Q(claim__status=ClaimStatus.DRAFT)
    warnings: list[DuplicateWarning] = []
    seen: set[frozenset[int]] = set()

    def add(document: ClaimDocument, other: ClaimDocument, same_file: bool) -> None:
        pair = frozenset({document.pk, other.pk})
        if document.pk != other.pk and pair not in seen:
            seen.add(pair)
            warnings.append(DuplicateWarning(document=document, other=other, same_file=same_file))

    if by_hash:
        matches = (
            Attachment.objects.filter(sha256__in=list(by_hash))
            .filter(document__claim__member_id=claim.member_id)
            .exclude(document__claim__status=ClaimStatus.DRAFT)
            .select_related("document__claim")
            .order_by("document__created_at", "pk")
        )
        for a in matches:
            for d in by_hash[a.sha256]:
                add(d, a.document, True)
    numbers = {d.number.strip() for d in documents if d.number.strip()}
    if numbers:
        keys: dict[tuple[str, object, object, str], list[ClaimDocument]] = {}
        for d in documents:
            keys.setdefault(_document_key(d), []).append(d)
        for other in (
            ClaimDocument.objects.filter(sent, number__in=sorted(numbers))
            .select_related("claim")
            .order_by("created_at", "pk")
        ):
            for d in keys.get(_document_key(other), []):
                add(d, other, False)
    return warnings


class SubsidyBasis(models.TextChoices):
    """Riepilogo sussidi ricevuti: search by the year of the expense or by the year of the reimbursement."""

    COMPETENCE = "competenza", gettext_lazy("Anno di competenza")
    PAYMENT = "pagamento", gettext_lazy("Anno di pagamento")


def subsidies_received(*, member: Member, basis: str, year: int) -> QuerySet[Settlement]:
    """The member's settled documents that were paid, by the year the expense was paid (competenza) or the year
    of the reimbursement (pagamento), in payment order; one query with holder and document."""
    received = (
        Settlement.objects.filter(document__claim__member=member, paid_on__isnull=False, amount_paid__gt=0)
        .select_related("document__beneficiary", "document__claim")
        .order_by("paid_on", "document__issue_date", "pk")
    )
    if basis == SubsidyBasis.COMPETENCE:
        return received.filter(competence_year=year)
    return received.filter(payment_year=year)
