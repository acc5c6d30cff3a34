from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("In coda")
    SENT = "sent", _("Inviato")
    FAILED = "failed", _("Non recapitato")


class OutboundMessage(models.Model):
    """An e-mail or SMS, written in the same transaction as the change it announces, delivered by a task."""

    channel = models.CharField(max_length=5, choices=Channel.choices)
    to = models.CharField(_("destinatario"), max_length=254)
    subject = models.CharField(_("oggetto"), max_length=200, blank=True)
    body = models.TextField(_("testo"))
    status = models.CharField(max_length=6, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("messaggio in uscita")
        verbose_name_plural = _("messaggi in uscita")
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=MessageStatus.values), name="message_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.to}"
