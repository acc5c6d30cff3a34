"""The outbox: every e-mail and SMS is a row written in the caller's transaction, delivered by a task.

A change that rolls back sends nothing; one that commits has its messages queued with it, and a failed delivery is
tried again with a growing delay, a bounded number of times, then shown to operators as not delivered.

How a delivery survives a worker that dies (docs/operations.md, "Deliveries when a worker dies"):

1. **Claim, committed, before talking to the server.** The worker records the attempt on the row (`attempts` + 1,
   `claimed_at`, `claimed_by` = host:pid) with one conditional UPDATE that succeeds only if nobody else holds a live
   claim, and commits it. A second task for the same message, or a second worker, finds the claim and does nothing.
2. **Send, outside any transaction**, with a Message-ID made from the message's id and creation time (e-mail) or an
   Idempotency-Key header (the SMS gateway): the same message always carries the same id.
3. **Record the outcome:** sent; or the error, the claim released and a retry queued after 2, 4, 8… minutes; failed
   after MESSAGE_MAX_ATTEMPTS.
4. **SIGTERM** during the send (a deploy) interrupts it at once (mutua.core.tasks.interruptible): the claim is
   released and the message queued again to be sent now; the worker exits.
5. **SIGKILL**, a crash, a lost machine: the claim stays, the task stays RUNNING. Once older than
   TASK_LEASE_SECONDS both are taken as abandoned: `manage.py recover_deliveries` (every minute, from the scheduler)
   makes the task ready again and queues again any message still queued that no task will deliver; the next
   attempt takes over the expired claim and notes the interruption in `last_error`.

What remains: SMTP has no idempotency key. A worker that dies after the server accepted the message but before the
row is marked sent leaves a claim that is retried, so that message is sent twice, with the same Message-ID (mail
systems that deduplicate by Message-ID show it once). The window is the time between the server's "250 OK" and one
UPDATE: milliseconds. A send slower than the whole lease (a server that answers each step just before EMAIL_TIMEOUT)
can be taken over while still running, with the same outcome; keep TASK_LEASE_SECONDS well above it. Delivery is
therefore at least once, and exactly once whenever the worker survives the send.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus

from mutua.core.requestid import current_request_id
from mutua.core.tasks import WorkerStopping, interruptible, lease
from mutua.notifications.emails import EmailContent
from mutua.notifications.models import Channel, MessageStatus, OutboundMessage
from mutua.notifications.sms import get_sms_backend

logger = logging.getLogger("mutua.outbox")


def message_queue(*, channel: str, to: str, body: str, subject: str = "", html_body: str = "") -> OutboundMessage:
    """Write the message and its delivery task in the caller's transaction: a rollback sends nothing."""
    message = OutboundMessage.objects.create(channel=channel, to=to, subject=subject, body=body, html_body=html_body)
    deliver_message.enqueue(message_id=message.pk, request_id=current_request_id())
    return message


def email_queue(*, to: str, subject: str, body: str, html_body: str = "") -> OutboundMessage:
    return message_queue(channel=Channel.EMAIL, to=to, subject=subject, body=body, html_body=html_body)


def email_content_queue(*, to: str, email: EmailContent) -> OutboundMessage:
    """Queue an e-mail laid out by mutua.notifications.emails: text and HTML."""
    return email_queue(to=to, subject=email.subject, body=email.text, html_body=email.html)


def sms_queue(*, to: str, body: str) -> OutboundMessage:
    return message_queue(channel=Channel.SMS, to=to, body=body)


@task()
def deliver_message(*, message_id: int, request_id: str = "") -> None:
    """`request_id` is the request that queued the message: mutua.core.tasks puts it in the worker's log lines."""
    message_deliver(message_id=message_id)


def message_key(message: OutboundMessage) -> str:
    """The message's own id, the same at every attempt: the e-mail's Message-ID, the SMS gateway's Idempotency-Key.

    The creation time keeps it unique if a database is ever restored and ids are given out again.
    """
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "mutua.invalid"
    return f"<outbox.{message.pk}.{message.created_at:%Y%m%d%H%M%S%f}@{domain}>"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def message_deliver(*, message_id: int) -> OutboundMessage | None:
    """Send one queued message unless another attempt holds a live claim on it; record the outcome.

    The claim is committed before the server is contacted; the caller must not hold a transaction open (a worker
    does not; in tests the immediate task backend runs inside the test's transaction).
    """
    message = _claim(message_id)
    if message is None:
        return OutboundMessage.objects.filter(pk=message_id).first()
    error: BaseException | None = None
    sent = False
    provider_id = ""
    try:
        with interruptible() as stop:
            try:
                provider_id = _send(message)
                sent = True
            except BaseException as exc:  # any delivery failure is retried, never lost; a stop hands the message back
                error = exc
    except WorkerStopping:
        pass  # the signal came after the send had ended: its outcome stands
    if sent:
        _attempt_succeeded(message, provider_id=provider_id)
    elif stop.requested:
        _hand_back(message, reason=stop.signal_name)
        if error is not None and not isinstance(error, Exception):
            raise error  # the worker's own exit (a second signal)
    elif error is not None:
        if not isinstance(error, Exception):
            _hand_back(message, reason=type(error).__name__)
            raise error
        _attempt_failed(message, error)
    message.refresh_from_db()
    return message


def _claim(message_id: int) -> OutboundMessage | None:
    """Take the message for one attempt, or None: it is not queued, or another attempt's claim is still live."""
    now = timezone.now()
    message = OutboundMessage.objects.filter(pk=message_id, status=MessageStatus.QUEUED).first()
    if message is None:
        return None
    abandoned = message.claimed_at is not None and message.claimed_at <= now - lease()
    if message.claimed_at is not None and not abandoned:
        return None
    # Compare-and-set: the row moves only if nobody claimed or recorded an attempt since it was read (a conditional
    # UPDATE is atomic on PostgreSQL and SQLite alike).
    unchanged = OutboundMessage.objects.filter(
        pk=message_id, status=MessageStatus.QUEUED, attempts=message.attempts, claimed_at=message.claimed_at
    )
    note = message.last_error
    if abandoned:
        assert message.claimed_at is not None
        note = (
            f"Interrupted: the attempt of {message.claimed_by or 'a worker'} started at "
            f"{message.claimed_at.isoformat()} never ended (the worker stopped)"
        )
        logger.warning("message %s: the attempt of %s never ended; taking it over", message_id, message.claimed_by)
    if message.attempts >= settings.MESSAGE_MAX_ATTEMPTS:
        unchanged.update(status=MessageStatus.FAILED, claimed_at=None, claimed_by="", last_error=note)
        logger.error("message %s not delivered after %s attempts", message_id, message.attempts)
        return None
    if not unchanged.update(attempts=F("attempts") + 1, claimed_at=now, claimed_by=worker_name(), last_error=note):
        return None
    message.refresh_from_db()
    return message


def _send(message: OutboundMessage) -> str:
    """Hand the message to the relay or the SMS provider; return the provider's id for it, if it gives one."""
    if message.channel == Channel.EMAIL:
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
            headers={"Message-ID": message_key(message)},
        )
        if message.html_body:
            email.attach_alternative(message.html_body, "text/html")
        email.send()
        return ""
    return get_sms_backend().send(to=message.to, body=message.body, idempotency_key=message_key(message))


def _ours(message: OutboundMessage) -> Q:
    return Q(pk=message.pk, status=MessageStatus.QUEUED, claimed_by=message.claimed_by)


def _attempt_succeeded(message: OutboundMessage, *, provider_id: str = "") -> None:
    # Not only our claim: if ours had expired and another worker took over, the message is sent all the same. A new
    # send starts a new wait for the provider's delivery report.
    OutboundMessage.objects.filter(pk=message.pk, status=MessageStatus.QUEUED).update(
        status=MessageStatus.SENT,
        sent_at=timezone.now(),
        last_error="",
        claimed_at=None,
        claimed_by="",
        next_attempt_at=None,
        provider_id=provider_id[:64],
        delivery_status="",
        delivery_reported_at=None,
    )
    logger.info("message %s (%s) sent at attempt %s", message.pk, message.channel, message.attempts)


def _attempt_failed(message: OutboundMessage, error: Exception) -> None:
    last_error = f"{type(error).__name__}: {error}"[:2000]
    with transaction.atomic():
        if message.attempts >= settings.MESSAGE_MAX_ATTEMPTS or getattr(error, "permanent", False):
            OutboundMessage.objects.filter(_ours(message)).update(
                status=MessageStatus.FAILED, last_error=last_error, claimed_at=None, claimed_by="", next_attempt_at=None
            )
            logger.error("message %s not delivered after %s attempts", message.pk, message.attempts)
            return
        due = timezone.now() + timedelta(minutes=2**message.attempts)
        released = OutboundMessage.objects.filter(_ours(message)).update(
            last_error=last_error, claimed_at=None, claimed_by="", next_attempt_at=due
        )
        if released:
            logger.warning("message %s attempt %s failed; next at %s", message.pk, message.attempts, due.isoformat())
            _enqueue_on_commit(message.pk, run_after=due)


def message_delivery_failed(*, message_id: int, reason: str) -> OutboundMessage | None:
    """The provider reported that a message it had accepted never reached the recipient: send it again by the
    outbox's rules (after 2, 4, 8… minutes), or mark it failed once MESSAGE_MAX_ATTEMPTS are spent. Runs in the
    caller's transaction; the retry is queued when it commits."""
    message = OutboundMessage.objects.select_for_update().filter(pk=message_id, status=MessageStatus.SENT).first()
    if message is None:
        return None
    last_error = f"Delivery report: {reason}"[:2000]
    if message.attempts >= settings.MESSAGE_MAX_ATTEMPTS:
        OutboundMessage.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED, last_error=last_error)
        logger.error("message %s not delivered after %s attempts (delivery report)", message.pk, message.attempts)
    else:
        due = timezone.now() + timedelta(minutes=2**message.attempts)
        OutboundMessage.objects.filter(pk=message.pk).update(
            status=MessageStatus.QUEUED, last_error=last_error, next_attempt_at=due, sent_at=None
        )
        logger.warning("message %s not delivered (delivery report); next attempt at %s", message.pk, due.isoformat())
        _enqueue_on_commit(message.pk, run_after=due)
    message.refresh_from_db()
    return message


def _hand_back(message: OutboundMessage, *, reason: str) -> None:
    """The worker is stopping: release the claim and queue the message to be sent now by another worker."""
    with transaction.atomic():
        released = OutboundMessage.objects.filter(_ours(message)).update(
            last_error=f"Interrupted: the worker stopped during the attempt ({reason})",
            claimed_at=None,
            claimed_by="",
            next_attempt_at=timezone.now(),
        )
        if released:
            logger.warning("message %s handed back: the worker is stopping (%s)", message.pk, reason)
            _enqueue_on_commit(message.pk, run_after=None)


def _enqueue_on_commit(message_id: int, *, run_after: datetime | None) -> None:
    retry = deliver_message
    if run_after is not None and deliver_message.get_backend().supports_defer:
        retry = deliver_message.using(run_after=run_after)
    request_id = current_request_id()
    transaction.on_commit(lambda: retry.enqueue(message_id=message_id, request_id=request_id))


def messages_requeue_stale() -> int:
    """Queue again each message still queued, overdue by a lease, that no task will deliver.

    Its task was lost: failed when its worker was killed twice, pruned, or never written. Messages whose task is
    still READY (no worker runs yet) or RUNNING (recovered by mutua.core.tasks) are left alone.
    """
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    cutoff = now - lease()
    overdue = (
        OutboundMessage.objects.filter(status=MessageStatus.QUEUED)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lte=cutoff))
        .annotate(due=Coalesce("next_attempt_at", "created_at"))
        .filter(due__lte=cutoff)
        .values_list("pk", "next_attempt_at")
    )
    requeued = 0
    for pk, next_attempt_at in overdue:
        pending = DBTaskResult.objects.filter(
            task_path=deliver_message.module_path,
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
            args_kwargs__kwargs__message_id=pk,
        ).exists()
        if pending:
            continue
        with transaction.atomic():
            # The due time moves on first, so that two sweeps at once queue it once.
            if OutboundMessage.objects.filter(pk=pk, next_attempt_at=next_attempt_at).update(next_attempt_at=now):
                deliver_message.enqueue(message_id=pk)
                requeued += 1
                logger.warning("message %s was still queued with no task to deliver it: queued again", pk)
    return requeued
