"""A run of the registry import started from the back office or by the nightly job: who, when, which file (by its
SHA-256), the dry run's summary, the progress and the outcome, with the error file."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    CHECKING = "checking", _("In verifica")
    CHECKED = "checked", _("Da confermare")
    QUEUED = "queued", _("In coda")
    RUNNING = "running", _("In corso")
    DONE = "done", _("Completata")
    FAILED = "failed", _("Non riuscita")


class RunSource(models.TextChoices):
    BACKOFFICE = "backoffice", _("Caricata nel back office")
    NIGHTLY = "nightly", _("Importazione notturna")


class RegistryRun(models.Model):
    """One registry file imported (or only checked): the back office's history of imports."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("caricata il"), auto_now_add=True)
    source = models.CharField(_("origine"), max_length=12, choices=RunSource.choices, default=RunSource.BACKOFFICE)
    file = models.FileField(_("file"), max_length=200)
    file_name = models.CharField(_("nome del file"), max_length=255)
    file_sha256 = models.CharField(_("impronta SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("dimensione (byte)"))
    # The nightly job's S3 object, "s3://bucket/key" and its ETag: an object already imported is not downloaded again.
    source_object = models.CharField(_("oggetto S3"), max_length=600, blank=True, db_index=True)
    entity = models.CharField(_("contenuto"), max_length=20)
    full = models.BooleanField(_("elenco completo dei soci"), default=False)
    status = models.CharField(_("stato"), max_length=10, choices=RunStatus.choices, default=RunStatus.CHECKING)
    preview = models.JSONField(_("simulazione"), default=dict, blank=True)  # counts and first errors of the dry run
    result = models.JSONField(_("esito"), default=dict, blank=True)  # counts and first errors of the import
    error_count = models.PositiveIntegerField(_("righe con errori"), default=0)
    error_file = models.FileField(_("file degli errori"), max_length=200, blank=True)
    rows_read = models.PositiveIntegerField(_("righe lette"), default=0)
    bytes_read = models.PositiveBigIntegerField(default=0)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confermata il"), null=True, blank=True)
    started_at = models.DateTimeField(_("iniziata il"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminata il"), null=True, blank=True)
    failure = models.CharField(_("motivo"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("importazione del registro")
        verbose_name_plural = _("importazioni del registro")
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=RunStatus.values), name="registry_run_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def in_progress(self) -> bool:
        return self.status in (RunStatus.CHECKING, RunStatus.QUEUED, RunStatus.RUNNING)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.bytes_read / self.size)) if self.size else 100
