"""Reads of claims, always scoped to the member who owns them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, DecimalField, F, FilteredRelation, Max, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear

from mutua.claims.models import (
    OPEN_STATUSES,
    REIMBURSEMENT_KINDS,
    Attachment,
    Claim,
    ClaimDocument,
    ClaimEvent,
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
    """Lista pratiche: sent claims with amounts asked and paid, newest first, in one query (the columns shown)."""
    qs = (
        claims_for_member(member=member)
        .exclude(status=ClaimStatus.DRAFT)
        .annotate(
            amount_asked=Coalesce(Sum("documents__amount"), ZERO),
            amount_paid=Coalesce(Sum("documents__settlement__amount_paid"), ZERO),
            paid_on=Max("documents__settlement__paid_on"),
        )
        .only("kind", "status", "submitted_at")
        .order_by("-submitted_at", "-pk")
    )
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(submitted_at__year=year)
    return qs


@dataclass(frozen=True)
class ClaimListSummary:
    """What Lista pratiche shows around its rows: the years to filter by, whether a reimbursement request is being
    filled in, and how many sent claims the filters select (for its pages)."""

    years: list[int]
    has_draft: bool
    count: int


def claim_list_summary_for_member(*, member: Member, status: str = "", year: int | None = None) -> ClaimListSummary:
    """Lista pratiche's summary in one small query: the member's claims counted by status, kind and year sent.

    The year is the one ``submitted_at__year`` filters by (the current time zone's); a draft has none.
    """
    groups = (
        claims_for_member(member=member)
        .values("status", "kind", year=ExtractYear("submitted_at"))
        .annotate(claims=Count("pk"))
        .order_by()
    )
    years: set[int] = set()
    has_draft = False
    count = 0
    for group in groups:
        if group["status"] == ClaimStatus.DRAFT:
            has_draft = has_draft or group["kind"] in REIMBURSEMENT_KINDS
            continue
        if group["year"] is not None:
            years.add(group["year"])
        if (not status or group["status"] == status) and (not year or group["year"] == year):
            count += group["claims"]
    return ClaimListSummary(years=sorted(years, reverse=True), has_draft=has_draft, count=count)


def latest_claims_for_member(*, member: Member) -> QuerySet[Claim]:
    """Panoramica's "Ultime pratiche" and the reimbursement request being filled in, in one query.

    The draft, never sent and so without a date, comes first with its number of documents; then the sent claims,
    most recently sent first. Only the columns Panoramica shows.
    """
    return (
        claims_for_member(member=member)
        .filter(~Q(status=ClaimStatus.DRAFT) | Q(kind__in=REIMBURSEMENT_KINDS))
        .annotate(document_count=Count("documents"))
        .only("kind", "status", "submitted_at")
        .order_by(F("submitted_at").desc(nulls_first=True), "-pk")
    )


def claim_detail_for_member(*, member: Member, pk: int) -> Claim | None:
    """A claim's page: the claim with its open suspension, its documents (each with its family member, settlement
    and files) and its history, in four queries whatever their number.

    The open suspension (at most one, a constraint says so) is joined to the claim row: ``claim.open_suspension``,
    absent when there is none.
    """
    attachments = Attachment.objects.only("document_id", "original_name")
    documents = (
        ClaimDocument.objects.select_related("beneficiary", "settlement")
        .only(
            "claim_id",
            "doc_type",
            "number",
            "provider_name",
            "issue_date",
            "amount",
            "beneficiary__first_name",
            "beneficiary__last_name",
            "settlement__amount_admitted",
            "settlement__amount_withheld",
            "settlement__amount_paid",
            "settlement__paid_on",
            "settlement__reason",
        )
        .prefetch_related(Prefetch("attachments", queryset=attachments))
    )
    events = ClaimEvent.objects.only("claim_id", "created_at", "from_status", "to_status", "note")
    open_suspension = FilteredRelation("suspensions", condition=Q(suspensions__ended_at=None))
    return (
        claims_for_member(member=member)
        .annotate(open_suspension=open_suspension)
        .select_related("open_suspension")  # type: ignore[misc]  # django-stubs does not know filtered relations
        .prefetch_related(Prefetch("documents", queryset=documents), Prefetch("events", queryset=events))
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
