"""A member's copy of their own data ("Scarica i miei dati", GDPR art. 15 and 20): a ZIP built by the worker."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from mutua.documents.models import private_storage_name


def export_storage_name(instance: object, filename: str) -> str:
    """Never the member's name or code in the storage: a random name, like every private file."""
    return private_storage_name("data-exports") + ".zip"


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("In preparazione")
    READY = "ready", _("Pronto")
    FAILED = "failed", _("Non riuscito")
    EXPIRED = "expired", _("Scaduto")


class DataExport(models.Model):
    """One request of "Scarica i miei dati": pending until the worker has written the ZIP, then downloadable by the
    member only, until `expires_at`; then its file is deleted and the row stays as the record of the request."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="data_exports", verbose_name=_("socio")
    )
    status = models.CharField(_("stato"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING)
    requested_at = models.DateTimeField(_("richiesto il"))
    ready_at = models.DateTimeField(_("pronto il"), null=True, blank=True)
    expires_at = models.DateTimeField(_("scade il"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=export_storage_name, max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("dimensione (byte)"), default=0)
    downloaded_at = models.DateTimeField(_("ultimo scaricamento"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("copia dei dati del socio")
        verbose_name_plural = _("copie dei dati dei soci")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ExportStatus.values), name="privacy_dataexport_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.requested_at:%Y-%m-%d %H:%M} {self.status}"
