"""Reads of claims, always scoped: to the member who owns them, or to what an operator may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import Count, DecimalField, F, FilteredRelation, Max, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy

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
    ClaimSuspension,
    FileReading,
    ReadingStatus,
    Settlement,
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
    attachments = Attachment.objects.only("document_id", "original_name", "scan_status")
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
    """`document` of the claim under review looks like `other`, already sent by the same member (or, for operators,
    by another member: `other_member`)."""

    document: ClaimDocument
    other: ClaimDocument
    same_file: bool  # the very same file (SHA-256); otherwise same number, date, amount and provider
    # The same provider's tax code read from both files (mutua.claims.reading) and the same document number.
    same_provider_number: bool = False
    other_member: bool = False  # `other` belongs to another member's claim (only with every_member=True)


def _document_key(d: ClaimDocument) -> tuple[str, object, object, str]:
    return (d.number.strip().lower(), d.issue_date, d.amount, " ".join(d.provider_name.lower().split()))


def claim_duplicates(*, claim: Claim, every_member: bool = False) -> list[DuplicateWarning]:
    """Likely duplicates of the claim's documents in any of the member's sent claims, this one included.

    With `every_member` (the operator's review) the same file and the same number, date, amount and provider are
    looked for in every member's sent claims too: the same invoice sent by two members, e.g. two spouses who are
    both members. The member's own page never says anything about another member's claims. The provider's tax code
    read from the files is compared within the member's claims only (it lives inside the stored proposals, which no
    index reaches).

    Three queries at most whatever the number of documents; the claim's documents and attachments are read from the
    caller's prefetch when there is one.
    """
    documents = list(claim.documents.all())
    by_hash: dict[str, list[ClaimDocument]] = {}
    for d in documents:
        for a in d.attachments.all():
            by_hash.setdefault(a.sha256, []).append(d)
    mine = Q() if every_member else Q(claim__member_id=claim.member_id)
    sent = mine & ~Q(claim__status=ClaimStatus.DRAFT)
    warnings: list[DuplicateWarning] = []
    seen: set[frozenset[int]] = set()

    def add(document: ClaimDocument, other: ClaimDocument, same_file: bool, provider_number: bool = False) -> None:
        pair = frozenset({document.pk, other.pk})
        if document.pk != other.pk and pair not in seen:
            seen.add(pair)
            warnings.append(
                DuplicateWarning(
                    document=document,
                    other=other,
                    same_file=same_file,
                    same_provider_number=provider_number,
                    other_member=other.claim.member_id != claim.member_id,
                )
            )

    if by_hash:
        matches = (
            Attachment.objects.filter(sha256__in=list(by_hash))
            .filter(Q() if every_member else Q(document__claim__member_id=claim.member_id))
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
    provider_keys: dict[tuple[str, str], list[ClaimDocument]] = {}
    for d in documents:
        for key in _provider_number_keys(d, list(d.attachments.all())):
            provider_keys.setdefault(key, []).append(d)
    if provider_keys:
        # One query: the member's readings in sent claims; the provider's tax code is inside the stored proposals.
        for reading in (
            FileReading.objects.filter(
                status=ReadingStatus.DONE, attachment__document__claim__member_id=claim.member_id
            )
            .exclude(attachment__document__claim__status=ClaimStatus.DRAFT)
            .select_related("attachment__document__claim")
            .order_by("created_at", "pk")
        ):
            assert reading.attachment is not None
            other = reading.attachment.document
            for key in _provider_number_keys(other, [reading.attachment]):
                for d in provider_keys.get(key, []):
                    add(d, other, False, provider_number=True)
    return warnings


def _reading_of(attachment: Attachment) -> FileReading | None:
    try:
        return attachment.reading
    except FileReading.DoesNotExist:
        return None


def _provider_number_keys(document: ClaimDocument, attachments: list[Attachment]) -> set[tuple[str, str]]:
    """(provider's tax code read, document number typed or read) for each read file of the document."""
    keys = set()
    for attachment in attachments:
        reading = _reading_of(attachment)
        proposals = reading.proposals if reading is not None and reading.status == ReadingStatus.DONE else {}
        code = proposals.get("provider_tax_code", {}).get("value")
        numbers = {document.number.strip().upper(), str(proposals.get("number", {}).get("value", "")).upper()}
        keys |= {(code, number) for number in numbers if code and number}
    return keys


@dataclass(frozen=True)
class AmountMismatch:
    """The total read from a file of `document` is not the amount the member typed."""

    document: ClaimDocument
    attachment: Attachment
    read: Decimal


def claim_amount_mismatches(*, claim: Claim) -> list[AmountMismatch]:
    """From the caller's prefetch (documents, attachments and their readings): no query of its own."""
    found = []
    for document in claim.documents.all():
        for attachment in document.attachments.all():
            reading = _reading_of(attachment)
            if reading is None or reading.status != ReadingStatus.DONE or document.amount is None:
                continue
            value = reading.proposals.get("amount", {}).get("value")
            if value and Decimal(value) != document.amount:
                found.append(AmountMismatch(document=document, attachment=attachment, read=Decimal(value)))
    return found


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


# --- The back office's reads (scoped to the operator by mutua.backoffice.permissions) -------------------------


def claims_sent(*, office_id: int | None = None) -> QuerySet[Claim]:
    """Every sent claim, or only those of one regional office's members; drafts are never an operator's business."""
    claims = Claim.objects.exclude(status=ClaimStatus.DRAFT)
    return claims if office_id is None else claims.filter(member__regional_office_id=office_id)


WORKLIST_DEFAULT_STATUSES = (ClaimStatus.SUBMITTED, ClaimStatus.IN_REVIEW, ClaimStatus.SUSPENDED)


@dataclass(frozen=True)
class WorklistFilters:
    """The worklist's GET parameters, already checked: an unknown value is no filter."""

    status: str = ""  # empty: the open claims (sent, in review, suspended)
    office: int | None = None  # a RegionalOffice pk
    kind: str = ""
    older_than_days: int | None = None
    region: str = ""  # study subsidies: the region of the school (Claim.region)


def _filtered(*, claims: QuerySet[Claim], filters: WorklistFilters) -> QuerySet[Claim]:
    if filters.office is not None:
        claims = claims.filter(member__regional_office_id=filters.office)
    if filters.kind:
        claims = claims.filter(kind=filters.kind)
    if filters.region:
        claims = claims.filter(region=filters.region)
    if filters.older_than_days is not None:
        claims = claims.filter(submitted_at__lte=timezone.now() - dt.timedelta(days=filters.older_than_days))
    return claims


def worklist(*, claims: QuerySet[Claim], filters: WorklistFilters) -> QuerySet[Claim]:
    """The claims to work among `claims` (an operator's, mutua.backoffice.permissions), oldest sent first, with what a
    row shows, in one query."""
    claims = _filtered(claims=claims, filters=filters)
    if filters.status:
        claims = claims.filter(status=filters.status)
    else:
        claims = claims.filter(status__in=WORKLIST_DEFAULT_STATUSES)
    return (
        claims.select_related("member__regional_office", "assigned_to")
        .annotate(document_count=Count("documents"), amount_asked=Coalesce(Sum("documents__amount"), ZERO))
        .order_by("submitted_at", "pk")
    )


def worklist_counts(*, claims: QuerySet[Claim], filters: WorklistFilters) -> dict[str, int]:
    """How many of `claims` in each status, under every filter but the status one (one query)."""
    rows = (
        _filtered(claims=claims, filters=filters)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    counts = {status: 0 for status in ClaimStatus.values if status != ClaimStatus.DRAFT}
    counts.update(dict(rows))
    return counts


def claim_review(*, claims: QuerySet[Claim], pk: int) -> Claim | None:
    """One of `claims` with everything the review page shows: member, office, family, documents and files,
    history."""
    attachments = Attachment.objects.select_related("reading")
    documents = ClaimDocument.objects.select_related("beneficiary", "settlement").prefetch_related(
        Prefetch("attachments", queryset=attachments)
    )
    return (
        claims.select_related("member__regional_office", "member__user", "assigned_to")
        .prefetch_related(
            Prefetch("documents", queryset=documents),
            "events__actor",
            "member__beneficiaries",
            Prefetch("suspensions", queryset=ClaimSuspension.objects.filter(ended_at=None), to_attr="open_suspensions"),
        )
        .filter(pk=pk)
        .first()
    )


def member_settlements_in_year(*, member: Member, year: int, exclude_claim: Claim) -> list[Settlement]:
    """The member's settlements made in `year` for other claims: what was already reimbursed this year."""
    return list(
        Settlement.objects.filter(document__claim__member=member, created_at__year=year)
        .exclude(document__claim=exclude_claim)
        .select_related("document__claim", "document__beneficiary")
        .order_by("created_at", "pk")
    )


def settlements_total(settlements: list[Settlement]) -> Decimal:
    return sum((s.amount_paid for s in settlements), Decimal("0"))


def reading_for_member(*, member: Member, claim: Claim, pk: int) -> FileReading | None:
    """A reading of a file of the member's draft `claim` (the caller fetched the claim scoped to the member)."""
    return FileReading.objects.filter(pk=pk, claim=claim, claim__member=member).first()
