from csp.constants import NONE
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from mutua.notifications.models import Channel, OutboundMessage


@login_not_required
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    """'Posta in uscita': every e-mail and SMS sent, so a newcomer can read the codes. Development only."""
    if not settings.MUTUA_SHOW_OUTBOX:
        raise Http404
    messages = OutboundMessage.objects.all()[:100]
    return render(request, "notifications/outbox.html", {"outbox": messages})


# The e-mail as a mail program shows it: its own inline styles and the logo from the public address; sandboxed, so
# that nothing in it runs or reaches the portal's cookies.
@login_not_required
@require_GET
def outbox_html(request: HttpRequest, pk: int) -> HttpResponse:
    """One e-mail of 'Posta in uscita' as HTML. Development only."""
    if not settings.MUTUA_SHOW_OUTBOX:
        raise Http404
    message = get_object_or_404(OutboundMessage, pk=pk, channel=Channel.EMAIL)
    if not message.html_body:
        raise Http404
    response = HttpResponse(message.html_body, content_type="text/html; charset=utf-8")
    # What django-csp's csp_replace decorator sets (typed there for views without arguments).
    response._csp_replace = {  # type: ignore[attr-defined]
        "style-src": ["'unsafe-inline'"],
        "img-src": ["*", "data:"],
        "script-src": [NONE],
        "sandbox": True,
    }
    return response
