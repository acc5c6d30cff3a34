"""Webhooks the providers call: public, without a session or a CSRF token, each checked by its own signature."""

from __future__ import annotations

from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from mutua.notifications.deliveries import sms_delivery_report_record
from mutua.notifications.twilio import twilio_signature_valid


@csrf_exempt
@login_not_required
@require_POST
def twilio_sms_status(request: HttpRequest) -> HttpResponse:
    """Twilio's delivery report of an SMS (its StatusCallback). A missing or wrong signature is refused with 403 and
    nothing is stored; a report about a message we do not know is acknowledged and ignored."""
    params = {name: request.POST.get(name, "") for name in request.POST}
    url = settings.MUTUA_PUBLIC_URL + request.get_full_path()
    if not twilio_signature_valid(url=url, params=params, signature=request.headers.get("X-Twilio-Signature", "")):
        return HttpResponseForbidden()
    sms_delivery_report_record(
        provider_id=params.get("MessageSid", ""),
        status=params.get("MessageStatus", ""),
        error_code=params.get("ErrorCode", ""),
    )
    return HttpResponse(status=204)


_mailgun_tracking = MailgunTrackingWebhookView.as_view()


@csrf_exempt
@login_not_required
def mailgun_tracking(request: HttpRequest) -> HttpResponseBase:
    """Mailgun's tracking webhook, through django-anymail: it checks Mailgun's signature (HMAC-SHA256 of timestamp and
    token with the webhook signing key; 400 and nothing done otherwise) and sends the `tracking` signal, on which
    mutua.members.bounces marks bounced addresses. Not found while no signing key is set."""
    if not settings.ANYMAIL.get("MAILGUN_WEBHOOK_SIGNING_KEY"):
        raise Http404
    response: HttpResponseBase = _mailgun_tracking(request)
    return response
