from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutua.documents.models import private_storage_name


class CommunicationKind(models.TextChoices):
    ORDINARY = "O", _("Ordinaria")
    REPLACING = "S", _("Sostitutiva")
    CANCELLING = "A", _("Annullamento")


class CommunicationStatus(models.TextChoices):
    GENERATING = "generating", _("In preparazione")
    READY = "ready", _("Pronta da inviare")
    FAILED = "failed", _("Non riuscita")
    DISCARDED = "discarded", _("Sostituita da una nuova preparazione")
    SENT = "sent", _("Inviata")


def communication_upload_to(instance: TaxCommunication, filename: str) -> str:
    return private_storage_name("tax")


class TaxCommunication(models.Model):
    """One version of a year's communication to the Agenzia delle Entrate (docs/tax-communication.md).

    Prepared by a background task (`mutua.tax.services`), downloaded, then marked sent with the protocol of the
    Agenzia's receipt. A later version replaces (kind S) or cancels (kind A) the latest one sent. The file is stored
    only once complete, and never changes afterwards.
    """

    year = models.PositiveSmallIntegerField(_("anno d'imposta"))
    version = models.PositiveSmallIntegerField(_("versione"))
    kind = models.CharField(_("tipo di invio"), max_length=1, choices=CommunicationKind.choices)
    status = models.CharField(
        _("stato"), max_length=10, choices=CommunicationStatus.choices, default=CommunicationStatus.GENERATING
    )
    replaces = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("sostituisce")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("preparata da")
    )
    created_at = models.DateTimeField(_("preparata il"), default=timezone.now)
    finished_at = models.DateTimeField(_("completata il"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("avanzamento (%)"), default=0)
    file = models.FileField(_("file"), upload_to=communication_upload_to, max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("dimensione (byte)"), default=0)
    totals = models.JSONField(_("totali"), default=dict, blank=True)
    anomaly_counts = models.JSONField(_("anomalie per tipo"), default=dict, blank=True)
    anomalies = models.JSONField(_("anomalie"), default=list, blank=True)  # a sample, see ANOMALY_SAMPLE
    changes = models.JSONField(_("modifiche rispetto all'invio sostituito"), default=list, blank=True)
    changes_count = models.PositiveIntegerField(_("numero di modifiche"), default=0)
    error = models.TextField(_("errore"), blank=True)
    sent_at = models.DateTimeField(_("inviata il"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("segnata come inviata da"),
    )
    protocol = models.CharField(_("protocollo della ricevuta"), max_length=24, blank=True)

    class Meta:
        ordering = ["-year", "-version"]
        verbose_name = _("comunicazione all'Agenzia delle Entrate")
        verbose_name_plural = _("comunicazioni all'Agenzia delle Entrate")
        constraints = [
            models.UniqueConstraint(fields=["year", "version"], name="tax_communication_year_version"),
            # One preparation at a time, and one version waiting to be sent, per year.
            models.UniqueConstraint(
                fields=["year"], condition=Q(status="generating"), name="tax_communication_one_generating"
            ),
            models.UniqueConstraint(fields=["year"], condition=Q(status="ready"), name="tax_communication_one_ready"),
            models.UniqueConstraint(fields=["protocol"], condition=~Q(protocol=""), name="tax_communication_protocol"),
            models.CheckConstraint(
                condition=Q(status__in=CommunicationStatus.values), name="tax_communication_status_valid"
            ),
            models.CheckConstraint(condition=Q(kind__in=CommunicationKind.values), name="tax_communication_kind_valid"),
            models.CheckConstraint(
                condition=~Q(status="sent") | (Q(sent_at__isnull=False) & ~Q(protocol="")),
                name="tax_communication_sent_has_protocol",
            ),
            models.CheckConstraint(
                condition=Q(kind="O", replaces__isnull=True) | (~Q(kind="O") & Q(replaces__isnull=False)),
                name="tax_communication_replaces_with_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} v{self.version} ({self.get_kind_display()})"

    @property
    def file_name(self) -> str:
        return f"comunicazione-rimborsi-{self.year}-v{self.version}.txt"
