"""In-app notifications: the member's bell and "Notifiche". Members are known here by their id only."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone
from django.utils.text import Truncator

from mutua.notifications.models import Notification, NotificationKind


def notification_create(*, member_id: int, kind: str, title: str, body: str, url: str) -> Notification:
    """Write one notification for the member; `url` is a path inside the portal. No health details in the text."""
    if kind not in NotificationKind.values:
        raise ValueError(f"unknown notification kind: {kind!r}")
    if url and (not url.startswith("/") or url.startswith("//")):
        raise ValueError(f"a notification links to a path inside the portal, not {url!r}")
    return Notification.objects.create(
        member_id=member_id,
        kind=kind,
        title=Truncator(title).chars(200),  # the columns' lengths
        body=Truncator(body).chars(500),
        url=url,
    )


def notifications_mark_read(*, member_id: int, ids: Iterable[int] | None = None) -> int:
    """Mark the member's unread notifications read (only those in `ids` when given); returns how many changed.

    Ids of other members' notifications are ignored, not reported: the member learns nothing about them.
    """
    unread = Notification.objects.filter(member_id=member_id, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
