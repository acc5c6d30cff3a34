"""The member's notifications: the list behind the header's bell."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from mutua.accounts.requests import MemberRequest, member_view
from mutua.notifications.selectors import notifications_for_member
from mutua.notifications.services import notifications_mark_read


@member_view
def notification_list(request: MemberRequest) -> HttpResponse:
    member = request.member
    page = Paginator(notifications_for_member(member_id=member.pk), 20).get_page(request.GET.get("pagina"))
    return render(request, "notifications/list.html", {"page": page})


@member_view
def notification_open(request: MemberRequest, pk: int) -> HttpResponse:
    """Open what the notification is about, marking it read."""
    member = request.member
    notification = notifications_for_member(member_id=member.pk).filter(pk=pk).first()
    if notification is None:
        raise Http404
    notifications_mark_read(member_id=member.pk, ids=[notification.pk])
    return redirect(notification.url or "portal:notification_list")


@require_POST
@member_view
def notification_read_all(request: MemberRequest) -> HttpResponse:
    notifications_mark_read(member_id=request.member.pk)
    return redirect("portal:notification_list")
