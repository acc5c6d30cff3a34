"""Bounces: the mail provider reports, on its signed tracking webhook (django-anymail), that a member's address
refuses our e-mails (a hard bounce) or that the member reported one as spam (a complaint). The address is marked
undeliverable: the member sees a banner asking to change it, operators see it on the member's data, and notices stop
going to it until the member gives another address (or proves this one with a code)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from mutua.audit.services import audit_record
from mutua.members.models import Member
from mutua.members.services import member_changes_record
from mutua.notifications.deliveries import email_delivery_report_record

logger = logging.getLogger("mutua.outbox")


def member_email_bounce_record(*, address: str, reason: str, message_key: str = "", description: str = "") -> int:
    """Mark `address` undeliverable on every member whose e-mail it is; return how many were marked.

    `reason` is what the provider reported (bounced, complained, rejected). Recorded as a dated version of the member's
    data (by nobody: the provider) and in the audit log; the e-mail the report is about keeps the outcome too.
    """
    address = address.strip()
    if message_key:
        email_delivery_report_record(message_key=message_key, status=reason, error=description)
    if not address:
        return 0
    marked = 0
    now = timezone.now()
    with transaction.atomic():
        for member in Member.objects.select_for_update(of=("self",)).filter(email__iexact=address):
            if member.email_undeliverable:
                continue
            member_changes_record(
                member=member, actor=None, at=now, changes={"email_bounced": (member.email_bounced, member.email)}
            )
            member.email_bounced = member.email
            member.email_bounced_at = now
            member.email_bounce_reason = f"{reason}: {description}".strip(": ")[:200]
            member.save(update_fields=["email_bounced", "email_bounced_at", "email_bounce_reason", "updated_at"])
            audit_record(action="member.email_undeliverable", member=member, reason=reason)
            marked += 1
    if marked:
        logger.warning("e-mail address reported undeliverable (%s): %s member(s) marked", reason, marked)
    return marked


def anymail_tracking_received(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    """django-anymail's `tracking` signal, after the webhook checked the provider's signature: a hard bounce, a
    complaint or a rejection for an address on the provider's suppression list marks it undeliverable."""
    from anymail.signals import EventType, RejectReason

    undeliverable = event.event_type in (EventType.BOUNCED, EventType.COMPLAINED) or (
        event.event_type == EventType.REJECTED and event.reject_reason in (RejectReason.BOUNCED, RejectReason.SPAM)
    )
    if not undeliverable:
        return
    member_email_bounce_record(
        address=event.recipient or "",
        reason=str(event.event_type),
        message_key=event.message_id or "",
        description=event.description or event.mta_response or "",
    )
