from typing import Any

from django.http import HttpRequest

from mutua.notifications.selectors import unread_count


def bell(request: HttpRequest) -> dict[str, Any]:
    """The number on the header's bell: the signed-in member's unread notifications.

    Counted with the user on every signed-in request (mutua.accounts.backends.user_with_member); counted here only
    for a user loaded otherwise, as on the request that signs in.
    """
    user = getattr(request, "user", None)
    member = getattr(user, "member", None) if user is not None and user.is_authenticated else None
    if member is None:
        return {"unread_notifications": 0}
    count = getattr(user, "unread_notifications", None)
    return {"unread_notifications": unread_count(member_id=member.pk) if count is None else count}
