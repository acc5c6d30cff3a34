from typing import Any

from django.http import HttpRequest

from mutua.notifications.selectors import unread_count


def bell(request: HttpRequest) -> dict[str, Any]:
    """The number on the header's bell: the signed-in member's unread notifications (one query)."""
    user = getattr(request, "user", None)
    member = getattr(user, "member", None) if user is not None and user.is_authenticated else None
    return {"unread_notifications": unread_count(member_id=member.pk) if member is not None else 0}
