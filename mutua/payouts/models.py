from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutua.claims.models import Settlement


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("Da confermare")
    CONFIRMED = "confirmed", _("Confermata")


class PaymentBatch(models.Model):
    """A payment batch (distinta): settled claims paid by one SEPA credit transfer file on one execution date.

    The file is built once, when the batch is created, and kept with its MsgId and hash: what is downloaded
    again is byte for byte what the bank received. Confirming the batch marks its claims paid.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("creata da")
    )
    created_at = models.DateTimeField(_("creata il"), default=timezone.now)
    execution_date = models.DateField(_("data di esecuzione"))
    status = models.CharField(_("stato"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.DRAFT)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confermata da"),
    )
    confirmed_at = models.DateTimeField(_("confermata il"), null=True, blank=True)
    message_id = models.CharField(_("identificativo del messaggio (MsgId)"), max_length=35, blank=True)
    sepa_xml = models.TextField(_("file SEPA"), blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    total = models.DecimalField(_("totale"), max_digits=12, decimal_places=2, default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("distinta di pagamento")
        verbose_name_plural = _("distinte di pagamento")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=BatchStatus.values), name="payment_batch_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft", confirmed_at__isnull=True)
                | models.Q(status="confirmed", confirmed_at__isnull=False),
                name="payment_batch_confirmed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Distinta')} {self.pk}"


class PaymentBatchItem(models.Model):
    """One settlement carried by a batch; the one-to-one key keeps a settlement in at most one batch, ever.

    The payee's IBAN and account holder are copied from the member when the batch is built: the SEPA file and
    every batch page show where the money was sent, even after the member changes their IBAN.
    """

    batch = models.ForeignKey(PaymentBatch, on_delete=models.CASCADE, related_name="items", verbose_name=_("distinta"))
    settlement = models.OneToOneField(
        Settlement, on_delete=models.PROTECT, related_name="batch_item", verbose_name=_("liquidazione")
    )
    # db_default: a server still on the previous release, during a rolling upgrade, inserts items without them.
    iban = models.CharField(_("IBAN del beneficiario"), max_length=34, db_default="")
    account_holder = models.CharField(_("intestatario del conto"), max_length=140, db_default="")

    class Meta:
        ordering = ["id"]
        verbose_name = _("pagamento della distinta")
        verbose_name_plural = _("pagamenti della distinta")

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.settlement_id}"
