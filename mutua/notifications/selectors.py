"""Reads of notifications, always scoped to the member who owns them."""

from __future__ import annotations

from django.db.models import QuerySet

from mutua.members.models import Member
from mutua.notifications.models import Notification


def notifications_for_member(*, member: Member) -> QuerySet[Notification]:
    """The member's notifications, newest first: the base of the bell and of the "Notifiche" page."""
    return Notification.objects.filter(member=member).order_by("-created_at", "-id")


def unread_count(*, member: Member) -> int:
    """How many of the member's notifications are unread: the number on the bell."""
    return Notification.objects.filter(member=member, read_at__isnull=True).count()
