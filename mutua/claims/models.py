from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutua.core.provinces import province_choices
from mutua.documents.models import StoredFile, private_storage_name
from mutua.members.models import Beneficiary, Member
from mutua.plans.models import DocumentType as DocumentType  # what a claim's documents can be


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", _("Bozza")
    SUBMITTED = "submitted", _("Trasmessa")
    IN_REVIEW = "in_review", _("In lavorazione")
    SUSPENDED = "suspended", _("Sospesa")
    SETTLED = "settled", _("Liquidata")
    PAID = "paid", _("Pagata")
    REJECTED = "rejected", _("Respinta")
    CANCELLED = "cancelled", _("Annullata")


# The only moves a claim can make (docs/architecture.md, Claim statuses). Paid, rejected and cancelled are final.
TRANSITIONS: dict[str, frozenset[str]] = {
    ClaimStatus.DRAFT: frozenset({ClaimStatus.SUBMITTED}),
    ClaimStatus.SUBMITTED: frozenset({ClaimStatus.IN_REVIEW, ClaimStatus.CANCELLED}),
    ClaimStatus.IN_REVIEW: frozenset(
        {ClaimStatus.SUSPENDED, ClaimStatus.SETTLED, ClaimStatus.REJECTED, ClaimStatus.CANCELLED}
    ),
    ClaimStatus.SUSPENDED: frozenset({ClaimStatus.IN_REVIEW, ClaimStatus.REJECTED, ClaimStatus.CANCELLED}),
    ClaimStatus.SETTLED: frozenset({ClaimStatus.PAID}),
    ClaimStatus.PAID: frozenset(),
    ClaimStatus.REJECTED: frozenset(),
    ClaimStatus.CANCELLED: frozenset(),
}

# A new submission joins the member's claim in one of these statuses (the guide's merge rule).
OPEN_STATUSES: frozenset[str] = frozenset({ClaimStatus.SUBMITTED, ClaimStatus.IN_REVIEW, ClaimStatus.SUSPENDED})


class ClaimKind(models.TextChoices):
    REIMBURSEMENT_STANDARD = "reimbursement_standard", _("Rimborso – standard")
    REIMBURSEMENT_SURGERY = "reimbursement_surgery", _("Rimborso – intervento chirurgico")
    STUDY_SUBSIDY = "study_subsidy", _("Sussidio allo studio")


REIMBURSEMENT_KINDS: tuple[str, ...] = (ClaimKind.REIMBURSEMENT_STANDARD, ClaimKind.REIMBURSEMENT_SURGERY)


def claim_family(kind: str) -> tuple[str, ...]:
    """Reimbursements (standard or surgery) and study subsidies: each has its own draft and open claim."""
    return (ClaimKind.STUDY_SUBSIDY,) if kind == ClaimKind.STUDY_SUBSIDY else REIMBURSEMENT_KINDS


class Claim(models.Model):
    """A request for reimbursement or subsidy (pratica); its history is the ClaimEvent rows."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="claims", verbose_name=_("socio"))
    kind = models.CharField(
        _("tipo"), max_length=24, choices=ClaimKind.choices, default=ClaimKind.REIMBURSEMENT_STANDARD
    )
    status = models.CharField(_("stato"), max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT)
    submitted_at = models.DateTimeField(_("trasmessa il"), null=True, blank=True)
    # Sent back by the draft page's "Invia pratica": a retried or doubled submission is recognised by it.
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    block_reason = models.TextField(_("motivo del blocco amministrativo"), blank=True)
    # The operator in charge: who took the claim ("Prendi in carico") or last resumed it; set with the move to
    # in_review. Older data may hold a claim in review with nobody, which "Prendi in carico" then offers.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_claims",
        verbose_name=_("in carico a"),
    )
    region = models.CharField(_("regione"), max_length=40, blank=True)  # study subsidies: where the school is
    # Not auto_now_add: the registry import and the demo replay claims created in the past.
    created_at = models.DateTimeField(_("creata il"), default=timezone.now)
    updated_at = models.DateTimeField(_("aggiornata il"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("pratica")
        verbose_name_plural = _("pratiche")
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=ClaimStatus.values), name="claim_status_valid"),
            models.CheckConstraint(condition=models.Q(kind__in=ClaimKind.values), name="claim_kind_valid"),
            # One draft at a time per member for reimbursements, one for study subsidies.
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(status="draft", kind__in=["reimbursement_standard", "reimbursement_surgery"]),
                name="claim_one_reimbursement_draft",
            ),
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(status="draft", kind="study_subsidy"),
                name="claim_one_study_draft",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "status"], name="claim_member_status_idx"),
            models.Index(fields=["status", "submitted_at"], name="claim_status_submitted_idx"),
        ]

    def __str__(self) -> str:
        return f"{_('Pratica')} {self.pk}"

    @property
    def awaits_operator(self) -> bool:
        """Nobody is in charge of it yet: sent and waiting, or in review with nobody assigned (older data)."""
        return self.status == ClaimStatus.SUBMITTED or (
            self.status == ClaimStatus.IN_REVIEW and self.assigned_to_id is None
        )


class SchoolType(models.TextChoices):
    """Study subsidies: the school or university level and the scale its final grade is given on."""

    MIDDLE = "middle", _("Scuola secondaria di primo grado (licenza media)")
    HIGH = "high", _("Scuola secondaria di secondo grado (diploma)")
    BACHELOR = "bachelor", _("Laurea triennale")
    MASTER = "master", _("Laurea magistrale o a ciclo unico")


# (lowest passing grade, highest grade, honours possible) for each school type.
GRADE_SCALES: dict[str, tuple[int, int, bool]] = {
    SchoolType.MIDDLE: (6, 10, True),
    SchoolType.HIGH: (60, 100, True),
    SchoolType.BACHELOR: (66, 110, True),
    SchoolType.MASTER: (66, 110, True),
}


# Expense documents: the guide makes their number and amount mandatory; certificates carry no amount.
EXPENSE_DOCUMENT_TYPES: frozenset[str] = frozenset({DocumentType.FATTURA, DocumentType.RICEVUTA})


class ClaimDocument(models.Model):
    """One expense document or certificate of a claim, for the member (`beneficiary` empty) or a family member."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="documents", verbose_name=_("pratica"))
    doc_type = models.CharField(_("tipo documento"), max_length=30, choices=DocumentType.choices)
    number = models.CharField(_("numero"), max_length=40, blank=True)
    issue_date = models.DateField(_("data di emissione"))
    amount = models.DecimalField(_("importo"), max_digits=10, decimal_places=2, null=True, blank=True)
    provider_province = models.CharField(_("provincia fornitore"), max_length=2, blank=True, choices=province_choices())
    provider_name = models.CharField(_("fornitore"), max_length=200, blank=True)
    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claim_documents",
        verbose_name=_("intestatario"),
    )
    notes = models.TextField(_("annotazioni"), blank=True)
    # Study subsidies only.
    school_type = models.CharField(_("tipo di scuola"), max_length=10, choices=SchoolType.choices, blank=True)
    grade = models.PositiveSmallIntegerField(_("voto conseguito"), null=True, blank=True)
    grade_honours = models.BooleanField(_("con lode"), default=False)
    created_at = models.DateTimeField(_("caricato il"), default=timezone.now)
    updated_at = models.DateTimeField(_("aggiornato il"), auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("documento")
        verbose_name_plural = _("documenti")
        # The operator's duplicate check looks the same number up in every member's claims.
        indexes = [models.Index(fields=["number"], name="claim_document_number_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(doc_type__in=DocumentType.values), name="claim_document_type_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__isnull=True) | models.Q(amount__gte=0),
                name="claim_document_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=~models.Q(doc_type__in=sorted(EXPENSE_DOCUMENT_TYPES)) | models.Q(amount__isnull=False),
                name="claim_document_expense_has_amount",
            ),
        ]

    def __str__(self) -> str:
        label = self.get_doc_type_display()
        return f"{label} {self.number}".strip()


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    return private_storage_name("attachments")


class Attachment(StoredFile):
    """A scanned file of a document (pdf, jpg, jpeg, tif, tiff)."""

    document = models.ForeignKey(
        ClaimDocument, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("documento")
    )
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=200)

    class Meta(StoredFile.Meta):
        verbose_name = _("allegato")
        verbose_name_plural = _("allegati")
        # The operator's duplicate check looks the same file up in every member's claims (selectors.claim_duplicates).
        indexes = [models.Index(fields=["sha256"], name="attachment_sha256_idx")]


class ClaimEvent(models.Model):
    """One move of a claim between statuses, with who made it; member and operator timelines read these rows."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events", verbose_name=_("pratica"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("autore"),
    )
    from_status = models.CharField(_("da"), max_length=12, choices=ClaimStatus.choices, blank=True)
    to_status = models.CharField(_("a"), max_length=12, choices=ClaimStatus.choices)
    note = models.TextField(_("nota"), blank=True)
    created_at = models.DateTimeField(_("data"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("evento della pratica")
        verbose_name_plural = _("eventi della pratica")

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.from_status or '-'} → {self.to_status}"


class SuspensionKind(models.TextChoices):
    DOCUMENTS = "documents", _("Documenti da integrare")
    BLOCK = "block", _("Blocco amministrativo")


class ClaimSuspension(models.Model):
    """One suspension of a claim: the documents the member must add by a deadline, or an administrative block.

    Open while `ended_at` is empty; the claim leaving "Sospesa" closes it. One reminder per suspension.
    """

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="suspensions", verbose_name=_("pratica"))
    kind = models.CharField(_("tipo"), max_length=10, choices=SuspensionKind.choices)
    items = models.JSONField(_("documenti richiesti"), default=list, blank=True)  # list of strings the member reads
    deadline = models.DateField(_("termine"), null=True, blank=True)
    reason = models.TextField(_("motivo"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("sospesa da")
    )
    created_at = models.DateTimeField(_("sospesa il"), default=timezone.now)
    reminded_at = models.DateTimeField(_("promemoria inviato il"), null=True, blank=True)
    ended_at = models.DateTimeField(_("chiusa il"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("sospensione")
        verbose_name_plural = _("sospensioni")
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=SuspensionKind.values), name="suspension_kind_valid"),
            models.CheckConstraint(
                condition=~models.Q(kind="documents") | models.Q(deadline__isnull=False),
                name="suspension_documents_have_deadline",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="block") | ~models.Q(reason=""), name="suspension_block_has_reason"
            ),
            models.UniqueConstraint(
                fields=["claim"], condition=models.Q(ended_at__isnull=True), name="suspension_one_open_per_claim"
            ),
        ]
        indexes = [models.Index(fields=["kind", "deadline"], name="suspension_kind_deadline_idx")]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.get_kind_display()}"


class Settlement(models.Model):
    """What was paid for one document (liquidazione): asked, admitted, withheld, paid, and why not all of it."""

    document = models.OneToOneField(
        ClaimDocument, on_delete=models.PROTECT, related_name="settlement", verbose_name=_("documento")
    )
    amount_requested = models.DecimalField(_("importo richiesto"), max_digits=10, decimal_places=2)
    amount_admitted = models.DecimalField(_("importo ammesso"), max_digits=10, decimal_places=2)
    amount_withheld = models.DecimalField(_("franchigia / scoperto"), max_digits=10, decimal_places=2, default=0)
    amount_paid = models.DecimalField(_("importo liquidato"), max_digits=10, decimal_places=2)
    reason = models.TextField(_("motivazione"), blank=True)
    competence_year = models.PositiveSmallIntegerField(_("anno di competenza"))
    # Both empty until the payment batch that carries the claim is sent.
    payment_year = models.PositiveSmallIntegerField(_("anno di pagamento"), null=True, blank=True)
    paid_on = models.DateField(_("data di pagamento"), null=True, blank=True)
    created_at = models.DateTimeField(_("liquidata il"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("liquidazione")
        verbose_name_plural = _("liquidazioni")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    amount_requested__gte=0, amount_admitted__gte=0, amount_withheld__gte=0, amount_paid__gte=0
                ),
                name="settlement_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_admitted__lte=models.F("amount_requested")),
                name="settlement_admitted_within_requested",
            ),
            # Plain comparisons only: SQLite compares decimals as floats, so sums would be off by a cent.
            models.CheckConstraint(
                condition=models.Q(
                    amount_withheld__lte=models.F("amount_admitted"), amount_paid__lte=models.F("amount_admitted")
                ),
                name="settlement_parts_within_admitted",
            ),
            models.CheckConstraint(
                condition=models.Q(paid_on__isnull=True, payment_year__isnull=True)
                | models.Q(paid_on__isnull=False, payment_year__isnull=False),
                name="settlement_payment_year_with_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document}: € {self.amount_paid}"


class ClaimSubmission(models.Model):
    """The outcome of one "Invia pratica" of a draft: retries with the same token find it instead of resubmitting."""

    token = models.UUIDField(unique=True)
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="submissions")
    merged = models.BooleanField(default=False)  # the draft's documents joined an already open claim
    document_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.token} → {self.claim_id}"


class StudySubsidyRate(models.Model):
    """The fixed study subsidy for a school level in one call (bando), whose year is the certificate's year.

    Kept as data so the board can set next year's amounts without a release; one amount per level and year.
    """

    school_type = models.CharField(_("tipo di scuola"), max_length=10, choices=SchoolType.choices)
    call_year = models.PositiveSmallIntegerField(_("anno del bando"))
    amount = models.DecimalField(_("importo"), max_digits=8, decimal_places=2)

    class Meta:
        ordering = ["-call_year", "school_type"]
        verbose_name = _("importo del sussidio allo studio")
        verbose_name_plural = _("importi dei sussidi allo studio")
        constraints = [
            models.UniqueConstraint(fields=["school_type", "call_year"], name="study_rate_one_per_level_and_year"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="study_rate_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(school_type__in=SchoolType.values), name="study_rate_school_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call_year} {self.get_school_type_display()}: {self.amount}"


class ReadingStatus(models.TextChoices):
    PENDING = "pending", _("Lettura in corso")
    DONE = "done", _("Letto")
    FAILED = "failed", _("Non letto")


def reading_upload_to(instance: FileReading, filename: str) -> str:
    return private_storage_name("readings")


class FileReading(models.Model):
    """What the worker read from a file of a draft's document (mutua.documents.reading): the values it proposes, with
    where they are on the page, and the text, which the operator sees in review.

    Made either before the document exists (the draft page sends the chosen file to be read while the member fills
    in the form: `file` holds that copy until the document is saved, then the reading is tied to its attachment and
    the copy deleted) or for an attachment added without JavaScript. The text is never logged and goes with the
    attachment, the draft or the claim it belongs to.
    """

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="readings", verbose_name=_("pratica"))
    attachment = models.OneToOneField(
        Attachment, on_delete=models.CASCADE, null=True, blank=True, related_name="reading", verbose_name=_("allegato")
    )
    file = models.FileField(_("file"), upload_to=reading_upload_to, max_length=200, blank=True)
    content_type = models.CharField(_("tipo di contenuto"), max_length=100)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(_("stato"), max_length=8, choices=ReadingStatus.choices, default=ReadingStatus.PENDING)
    method = models.CharField(_("metodo"), max_length=8, blank=True)  # "text" (the PDF's own text) or "ocr"
    proposals = models.JSONField(_("valori proposti"), default=dict, blank=True)
    page_angles = models.JSONField(default=list, blank=True)
    text = models.TextField(_("testo letto"), blank=True)
    created_at = models.DateTimeField(_("creata il"), default=timezone.now)
    read_at = models.DateTimeField(_("letta il"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("lettura di un file")
        verbose_name_plural = _("letture dei file")
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=ReadingStatus.values), name="reading_status_valid"),
        ]
        indexes = [models.Index(fields=["sha256"], name="reading_sha256_idx")]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.get_status_display()}"
