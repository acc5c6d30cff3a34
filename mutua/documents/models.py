from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    RECEIPT = "receipt", _("Ricevuta di trasmissione della pratica")
    CARD = "card", _("Tessera associativa")
    CONTRIBUTION_CERTIFICATE = "contrib_cert", _("Certificazione dei contributi versati")
    SUBSIDY_CERTIFICATE = "subsidy_cert", _("Certificazione dei sussidi ricevuti")
    BOOKING_RECEIPT = "booking", _("Ricevuta della richiesta di prenotazione")


class IssuedDocument(models.Model):
    """A document the mutual generated, found again from the verification code printed on it.

    The code is an HMAC of (kind, object_id, issued_at) and cannot be inverted, hence this row; it is
    written the first time the document is generated and never changed.
    """

    code = models.CharField(_("codice di verifica"), max_length=19, unique=True)
    kind = models.CharField(_("tipo"), max_length=20, choices=DocumentKind.choices)
    object_id = models.PositiveBigIntegerField(_("oggetto"))
    issued_at = models.DateTimeField(_("emesso il"))
    created_at = models.DateTimeField(_("generato la prima volta il"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("documento emesso")
        verbose_name_plural = _("documenti emessi")
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=DocumentKind.values), name="issued_document_kind_valid"),
        ]
        indexes = [models.Index(fields=["kind", "object_id"], name="issued_document_object_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.object_id} ({self.code})"


def private_storage_name(folder: str) -> str:
    """A random storage name under `folder`, by month: the member's file name never reaches the storage."""
    return f"{folder}/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}"


class ScanStatus(models.TextChoices):
    """Where a stored file stands with the malware scan (mutua.documents.scanning)."""

    PENDING = "pending", _("In verifica antivirus")
    CLEAN = "clean", _("Verificato")
    INFECTED = "infected", _("In quarantena")
    NOT_SCANNED = "not_scanned", _("Non verificato")  # scanning off (CLAMD_URL empty), or stored before it existed


class StoredFile(models.Model):
    """A file a member uploaded, checked by content (`documents.uploads`), never served from a public URL.

    A concrete model adds the row the file belongs to and declares `file` again with its own `upload_to`: the
    function its migrations name, which picks the storage folder (`private_storage_name`). With scanning on, a new
    file is `pending` until the worker's malware scan says `clean` or `infected` (then it is moved to quarantine).
    """

    file = models.FileField(_("file"), max_length=200)
    original_name = models.CharField(_("nome del file"), max_length=255)
    content_type = models.CharField(_("tipo di contenuto"), max_length=100)
    size = models.PositiveIntegerField(_("dimensione (byte)"))
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("caricato il"), default=timezone.now)
    scan_status = models.CharField(
        _("controllo antivirus"), max_length=12, choices=ScanStatus.choices, default=ScanStatus.NOT_SCANNED
    )
    scan_signature = models.CharField(_("minaccia rilevata"), max_length=200, blank=True)
    scanned_at = models.DateTimeField(_("controllato il"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def operator_can_open(self) -> bool:
        """Operators open a file only once the scan found it clean (or when nothing scans: `not_scanned`)."""
        return self.scan_status in (ScanStatus.CLEAN, ScanStatus.NOT_SCANNED)
