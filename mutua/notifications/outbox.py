"""The outbox: every e-mail and SMS is a row written in the caller's transaction, delivered by a task.

A change that rolls back sends nothing; one that commits has its messages queued with it, and a failed delivery is
tried again with a growing delay, a bounded number of times, then shown to operators as not delivered.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from mutua.notifications.models import Channel, MessageStatus, OutboundMessage
from mutua.notifications.sms import get_sms_backend


def message_queue(*, channel: str, to: str, body: str, subject: str = "") -> OutboundMessage:
    """Write the message and its delivery task in the caller's transaction: a rollback sends nothing."""
    message = OutboundMessage.objects.create(channel=channel, to=to, subject=subject, body=body)
    deliver_message.enqueue(message_id=message.pk)
    return message


def email_queue(*, to: str, subject: str, body: str) -> OutboundMessage:
    return message_queue(channel=Channel.EMAIL, to=to, subject=subject, body=body)


def sms_queue(*, to: str, body: str) -> OutboundMessage:
    return message_queue(channel=Channel.SMS, to=to, body=body)


@task()
def deliver_message(*, message_id: int) -> None:
    message_deliver(message_id=message_id)


def message_deliver(*, message_id: int) -> OutboundMessage | None:
    """Send one queued message; on failure retry later with a growing delay, then mark it failed."""
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status != MessageStatus.QUEUED:
            return message
        message.attempts += 1
        try:
            if message.channel == Channel.EMAIL:
                EmailMessage(
                    subject=message.subject, body=message.body, from_email=settings.DEFAULT_FROM_EMAIL, to=[message.to]
                ).send()
            else:
                get_sms_backend().send(to=message.to, body=message.body)
        except Exception as exc:  # any delivery failure is retried, never lost
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if message.attempts >= settings.MESSAGE_MAX_ATTEMPTS:
                message.status = MessageStatus.FAILED
            else:
                delay = timedelta(minutes=2**message.attempts)
                retry = deliver_message
                if deliver_message.get_backend().supports_defer:
                    retry = deliver_message.using(run_after=timezone.now() + delay)
                transaction.on_commit(lambda: retry.enqueue(message_id=message_id))
        else:
            message.status = MessageStatus.SENT
            message.sent_at = timezone.now()
            message.last_error = ""
        message.save(update_fields=["attempts", "status", "sent_at", "last_error"])
    return message
