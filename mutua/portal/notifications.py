"""The member's notifications: the list behind the header's bell."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from mutua.members.models import Member
from mutua.members.selectors import member_or_404
from mutua.notifications.selectors import notifications_for_member
from mutua.notifications.services import notifications_mark_read


def _member(request: HttpRequest) -> Member:
    return member_or_404(user=request.user)


def notification_list(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    page = Paginator(notifications_for_member(member_id=member.pk), 20).get_page(request.GET.get("pagina"))
    return render(request, "notifications/list.html", {"page": page})


def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open what the notification is about, marking it read."""
    member = _member(request)
    notification = notifications_for_member(member_id=member.pk).filter(pk=pk).first()
    if notification is None:
        raise Http404
    notifications_mark_read(member_id=member.pk, ids=[notification.pk])
    return redirect(notification.url or "portal:notification_list")


@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_read(member_id=_member(request).pk)
    return redirect("portal:notification_list")
