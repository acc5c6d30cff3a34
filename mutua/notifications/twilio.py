"""Twilio's Programmable Messaging, an SMS provider that serves Italian numbers (alphanumeric senders included).

Sending: POST {TWILIO_API_URL}/2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded To, Body, From (or
MessagingServiceSid) and StatusCallback, with HTTP Basic authentication (the Account SID and the Auth Token). Twilio
answers 201 with the Message resource as JSON, whose `sid` (SM…) names the message in its delivery reports; an error
is a JSON object {"code", "message", "more_info", "status"}.

Delivery reports: Twilio POSTs form-encoded MessageSid, MessageStatus (queued, sent, delivered, undelivered,
failed…), ErrorCode and more to the StatusCallback address, signed in the X-Twilio-Signature header: the Base64 of
the HMAC-SHA1, keyed with the Auth Token, of the full URL followed by every POST parameter's name and value, sorted by
name. docs/operations.md, "SMS with Twilio".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping

from django.conf import settings
from django.urls import reverse

from mutua.notifications.sms import BaseSmsBackend, SmsError

TIMEOUT_SECONDS = 10


def status_callback_url() -> str:
    """Where Twilio sends the delivery reports: the portal's public address, the path of the webhook."""
    return settings.MUTUA_PUBLIC_URL + reverse("webhooks:twilio_sms_status")


def twilio_signature(*, url: str, params: Mapping[str, str], auth_token: str) -> str:
    """X-Twilio-Signature of a request to `url` with the form `params`."""
    data = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def twilio_signature_valid(*, url: str, params: Mapping[str, str], signature: str) -> bool:
    """Whether `signature` is Twilio's for this request (compared in constant time); never without an Auth Token."""
    token = settings.TWILIO_AUTH_TOKEN
    if not token or not signature:
        return False
    return hmac.compare_digest(twilio_signature(url=url, params=params, auth_token=token), signature)


class TwilioSmsBackend(BaseSmsBackend):
    """Sends through Twilio's Messages API; returns the message's SID for the delivery reports."""

    def send(self, *, to: str, body: str, idempotency_key: str = "") -> str:
        account, token = settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN
        if not account or not token:
            raise SmsError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set")
        base = settings.TWILIO_API_URL.rstrip("/")
        if not base.startswith(("https://", "http://")):
            raise SmsError("TWILIO_API_URL must be an http(s) URL")
        fields = {"To": to, "Body": body, "StatusCallback": status_callback_url()}
        if settings.TWILIO_MESSAGING_SERVICE_SID:
            fields["MessagingServiceSid"] = settings.TWILIO_MESSAGING_SERVICE_SID
        else:
            fields["From"] = settings.TWILIO_FROM or settings.SMS_SENDER
        credentials = base64.b64encode(f"{account}:{token}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            f"{base}/2010-04-01/Accounts/{urllib.parse.quote(account)}/Messages.json",
            data=urllib.parse.urlencode(fields).encode(),
            method="POST",
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (URL from settings)
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise _error(exc) from exc
        except (OSError, ValueError) as exc:
            raise SmsError(f"Twilio: {exc}") from exc
        sid = answer.get("sid") if isinstance(answer, dict) else None
        if not isinstance(sid, str) or not sid:
            raise SmsError("Twilio answered without a message sid")
        if answer.get("status") == "failed":
            raise SmsError(f"Twilio {answer.get('error_code')}: {answer.get('error_message')}")
        return sid


def _error(exc: urllib.error.HTTPError) -> SmsError:
    """Twilio's error as an SmsError. A 400 (a number it refuses, e.g. 21211 invalid, 21610 unsubscribed) is
    permanent; anything else (401 while the credentials are fixed, 429, 5xx) is tried again."""
    try:
        detail = json.loads(exc.read() or b"{}")
    except ValueError:
        detail = {}
    code = detail.get("code", "") if isinstance(detail, dict) else ""
    text = detail.get("message", "") if isinstance(detail, dict) else ""
    permanent = exc.code == 400
    return SmsError(f"Twilio HTTP {exc.code} {code}: {text}".strip(), permanent=permanent)
