from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from mutua.notifications.models import OutboundMessage


@login_not_required
def outbox(request: HttpRequest) -> HttpResponse:
    """'Posta in uscita': every e-mail and SMS sent, so a newcomer can read the codes. Development only."""
    if not settings.MUTUA_SHOW_OUTBOX:
        raise Http404
    messages = OutboundMessage.objects.all()[:100]
    return render(request, "notifications/outbox.html", {"outbox": messages})
