"""Reads of notifications, always scoped to the member who owns them."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from mutua.notifications.models import DELIVERY_FAILED, MessageStatus, Notification, OutboundMessage


def notifications_for_member(*, member_id: int) -> QuerySet[Notification]:
    """The member's notifications, newest first: the base of the bell and of the "Notifiche" page."""
    return Notification.objects.filter(member_id=member_id).order_by("-created_at", "-id")


def unread_count(*, member_id: int) -> int:
    """How many of the member's notifications are unread: the number on the bell."""
    return Notification.objects.filter(member_id=member_id, read_at__isnull=True).count()


def unread_count_of(member_field: str) -> Coalesce:
    """The bell's number as a column of another query, whose ``member_field`` is the member's id (0 for none).

    The user of every signed-in request is loaded with it (mutua.accounts.backends), so the bell costs no query.
    """
    unread = (
        Notification.objects.filter(member=OuterRef(member_field), read_at__isnull=True)
        .order_by()
        .values("member")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(unread), Value(0))


def undelivered_messages_to(*, addresses: list[str], limit: int = 5) -> list[OutboundMessage]:
    """The latest e-mails and SMS to these addresses that did not arrive: failed for good, or reported undelivered
    by the provider and waiting to be sent again. Operators see them on the member's data in the back office."""
    addresses = [a for a in addresses if a]
    if not addresses:
        return []
    return list(
        OutboundMessage.objects.filter(to__in=addresses)
        .filter(Q(status=MessageStatus.FAILED) | Q(status=MessageStatus.QUEUED, delivery_status__in=DELIVERY_FAILED))
        .only("channel", "to", "subject", "status", "last_error", "delivery_status", "delivery_error", "created_at")
        .order_by("-created_at", "-id")[:limit]
    )
