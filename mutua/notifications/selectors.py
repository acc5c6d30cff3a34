"""Reads of notifications, always scoped to the member who owns them."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import QuerySet

from mutua.members.models import Member
from mutua.notifications.models import Notification


def notifications_for_member(*, member: Member) -> QuerySet[Notification]:
    """The member's notifications, newest first: the base of the bell and of the "Notifiche" page."""
    return Notification.objects.filter(member=member).order_by("-created_at", "-id")


UNREAD_CACHE_SECONDS = 60


def unread_cache_key(member_id: int) -> str:
    return f"mutua:unread:{member_id}"


def unread_count(*, member: Member, fresh: bool = False) -> int:
    """How many of the member's notifications are unread: the number on the bell.

    It is on every member page, so it is cached per member. Every change of a notification clears the entry
    (``mutua.notifications.signals`` and ``notifications_mark_read``), at once and again after the commit, so a
    reader racing the writer's transaction can leave a stale number for at most a minute. ``fresh`` counts in
    the database (and refreshes the entry), for pages kept longer than that (mutua.core.pagecache).
    """
    key = unread_cache_key(member.pk)
    count = None if fresh else cache.get(key)
    if count is None:
        count = Notification.objects.filter(member=member, read_at__isnull=True).count()
        cache.set(key, count, UNREAD_CACHE_SECONDS)
    return int(count)
