from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


# The provider's delivery reports that mean the message did not reach the phone: retried by the outbox's rules.
DELIVERY_FAILED = frozenset({"failed", "undelivered"})


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("In coda")
    SENT = "sent", _("Inviato")
    FAILED = "failed", _("Non recapitato")


class OutboundMessage(models.Model):
    """An e-mail or SMS, written in the same transaction as the change it announces, delivered by a task.

    `claimed_at` and `claimed_by` say that a worker is talking to the SMTP server or the gateway about it right now
    (a lease, mutua.notifications.outbox); `next_attempt_at` is when a retry is due.
    """

    channel = models.CharField(max_length=5, choices=Channel.choices)
    to = models.CharField(_("destinatario"), max_length=254)
    subject = models.CharField(_("oggetto"), max_length=200, blank=True)
    body = models.TextField(_("testo"))
    # The same e-mail as HTML (mutua.notifications.emails), sent beside the text as multipart/alternative.
    html_body = models.TextField(_("testo HTML"), blank=True, db_default="")
    status = models.CharField(max_length=6, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The lease of the attempt in progress: set, and committed, before the worker talks to the server; cleared when
    # the attempt ends. One older than DELIVERY_LEASE_SECONDS belongs to a worker that died.
    claimed_at = models.DateTimeField(_("tentativo in corso dal"), null=True, blank=True)
    claimed_by = models.CharField(_("tentativo in corso di"), max_length=100, blank=True, db_default="")
    next_attempt_at = models.DateTimeField(_("prossimo tentativo"), null=True, blank=True)
    # What the provider said afterwards: its id for the message (the SMS provider's, e.g. Twilio's SM…), and the last
    # delivery report received on its signed webhook (mutua.notifications.deliveries).
    provider_id = models.CharField(_("id presso il fornitore"), max_length=64, blank=True, db_default="")
    delivery_status = models.CharField(_("esito della consegna"), max_length=20, blank=True, db_default="")
    delivery_error = models.CharField(_("errore di consegna"), max_length=200, blank=True, db_default="")
    delivery_reported_at = models.DateTimeField(_("esito ricevuto il"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("messaggio in uscita")
        verbose_name_plural = _("messaggi in uscita")
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=MessageStatus.values), name="message_status_valid"),
        ]
        # The recovery (every minute) looks only at the messages still queued: a handful among every message sent.
        indexes = [
            models.Index(
                fields=["created_at"], condition=models.Q(status=MessageStatus.QUEUED), name="message_queued_idx"
            ),
            # A delivery report names the message by the provider's id.
            models.Index(fields=["provider_id"], condition=~models.Q(provider_id=""), name="message_provider_id_idx"),
            # The back office lists the messages that did not reach a member's address.
            models.Index(fields=["to", "-created_at"], name="message_to_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.to}"


class NotificationKind(models.TextChoices):
    CLAIM_STATUS = "claim_status", _("Stato di una pratica")
    CLAIM_DOCUMENTS_MERGED = "claim_documents_merged", _("Documenti aggiunti a una pratica")
    SECURITY = "security", _("Sicurezza")
    GENERIC = "generic", _("Avviso")


class Notification(models.Model):
    """A message in the member's area (the bell and "Notifiche"): short, linking to a page, never a health detail."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="notifications", verbose_name=_("socio")
    )
    kind = models.CharField(_("tipo"), max_length=24, choices=NotificationKind.choices)
    title = models.CharField(_("titolo"), max_length=200)
    body = models.CharField(_("testo"), max_length=500, blank=True)
    # A path inside the portal ("/pratiche/12/"), never a full URL: the bell links to it as it is.
    url = models.CharField(_("collegamento"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("creata il"), default=timezone.now)
    read_at = models.DateTimeField(_("letta il"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notifica")
        verbose_name_plural = _("notifiche")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(url="") | (models.Q(url__startswith="/") & ~models.Q(url__startswith="//")),
                name="notification_url_relative",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "read_at", "-created_at"], name="notification_member_unread_idx"),
        ]

    def __str__(self) -> str:
        return self.title
