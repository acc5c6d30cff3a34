"""Reads of notifications, always scoped to the member who owns them."""

from __future__ import annotations

from django.db.models import QuerySet

from mutua.notifications.models import Notification


def notifications_for_member(*, member_id: int) -> QuerySet[Notification]:
    """The member's notifications, newest first: the base of the bell and of the "Notifiche" page."""
    return Notification.objects.filter(member_id=member_id).order_by("-created_at", "-id")


def unread_count(*, member_id: int) -> int:
    """How many of the member's notifications are unread: the number on the bell."""
    return Notification.objects.filter(member_id=member_id, read_at__isnull=True).count()
