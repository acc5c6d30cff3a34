"""SMS senders behind one interface: console and in-memory here, an HTTP gateway in production."""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    pass


class BaseSmsBackend:
    def send(self, *, to: str, body: str) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Writes the SMS to the log: for `make run`, where no gateway exists."""

    def send(self, *, to: str, body: str) -> None:
        logger.info("SMS to %s: %s", to, body)


class LocmemSmsBackend(BaseSmsBackend):
    """Keeps SMS in memory, like Django's locmem e-mail backend, for tests."""

    outbox: ClassVar[list[dict[str, str]]] = []

    def send(self, *, to: str, body: str) -> None:
        self.outbox.append({"to": to, "body": body})


class HttpGatewaySmsBackend(BaseSmsBackend):
    """POSTs JSON {from, to, text} with a bearer token to SMS_GATEWAY_URL; any non-2xx answer is an error."""

    def send(self, *, to: str, body: str) -> None:
        if not settings.SMS_GATEWAY_URL:
            raise SmsError("SMS_GATEWAY_URL is not set")
        payload = json.dumps({"from": settings.SMS_SENDER, "to": to, "text": body}).encode()
        if not settings.SMS_GATEWAY_URL.startswith(("https://", "http://")):
            raise SmsError("SMS_GATEWAY_URL must be an http(s) URL")
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            settings.SMS_GATEWAY_URL,
            data=payload,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (URL from settings)
                if not 200 <= response.status < 300:
                    raise SmsError(f"gateway answered {response.status}")
        except OSError as exc:
            raise SmsError(str(exc)) from exc


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
