"""Delivery reports: what the SMS provider says, after accepting a message, about whether it reached the phone."""

from __future__ import annotations

import logging
import re

from django.db import transaction
from django.utils import timezone

from mutua.notifications.models import DELIVERY_FAILED, Channel, OutboundMessage
from mutua.notifications.outbox import message_delivery_failed
from mutua.notifications.outbox import message_key as outbox_key

logger = logging.getLogger("mutua.outbox")

# Reports that end the story of one send; an earlier one arriving late must not overwrite them.
FINAL = frozenset({"delivered", *DELIVERY_FAILED})


def sms_delivery_report_record(*, provider_id: str, status: str, error_code: str = "") -> OutboundMessage | None:
    """Store the provider's report on the message it names; a failure is retried by the outbox's rules.

    Unknown ids (a message sent again since, under a new id, or not ours) are ignored: None. A report of a non-final
    status after a final one (they may arrive out of order) changes nothing.
    """
    status = status.strip().lower()[:20]
    if not provider_id or not status:
        return None
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update()
            .filter(channel=Channel.SMS, provider_id=provider_id[:64])
            .first()
        )
        if message is None:
            logger.info("delivery report for an unknown message: ignored")
            return None
        if message.delivery_status in FINAL and status not in FINAL:
            return message
        error = f"{status} {error_code}".strip() if status in DELIVERY_FAILED else ""
        OutboundMessage.objects.filter(pk=message.pk).update(
            delivery_status=status, delivery_error=error[:200], delivery_reported_at=timezone.now()
        )
        if status in DELIVERY_FAILED and message.delivery_status not in DELIVERY_FAILED:
            message_delivery_failed(message_id=message.pk, reason=error)
        message.refresh_from_db()
    return message


def email_delivery_report_record(*, message_key: str, status: str, error: str = "") -> OutboundMessage | None:
    """Store the mail provider's report (a bounce, a complaint) on the e-mail whose Message-ID it names.

    Our Message-IDs are `<outbox.<id>.<created>@domain>` (mutua.notifications.outbox.message_key): the id is read
    from it and the whole key checked, so a forged or foreign id matches nothing. A bounce is not retried.
    """
    match = re.fullmatch(r"<?outbox\.(\d+)\.\d+@[^>]+>?", message_key.strip())
    if match is None:
        return None
    message = OutboundMessage.objects.filter(pk=int(match.group(1)), channel=Channel.EMAIL).first()
    if message is None or outbox_key(message).strip("<>") != message_key.strip().strip("<>"):
        return None
    OutboundMessage.objects.filter(pk=message.pk).update(
        delivery_status=status[:20], delivery_error=error[:200], delivery_reported_at=timezone.now()
    )
    message.refresh_from_db()
    return message
