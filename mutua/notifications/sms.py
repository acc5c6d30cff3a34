"""SMS senders behind one interface: console and in-memory here, an HTTP gateway in production."""

from __future__ import annotations

import json
import logging
import re
import unicodedata
import urllib.request
from abc import ABC, abstractmethod
from typing import ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The SMS was not accepted. `permanent`: sending it again cannot help (a number the provider refuses)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class BaseSmsBackend(ABC):
    """What every SMS sender implements; the real gateway and the development ones alike."""

    @abstractmethod
    def send(self, *, to: str, body: str, idempotency_key: str = "") -> str:
        """Send one SMS; return the provider's id for it ("" when it gives none). `idempotency_key` is the same at
        every attempt for the same message: a gateway that keeps it sends a repeated request once."""


class ConsoleSmsBackend(BaseSmsBackend):
    """Writes the SMS to the log: for `make run`, where no gateway exists."""

    def send(self, *, to: str, body: str, idempotency_key: str = "") -> str:
        logger.info("SMS to %s: %s", to, body)
        return ""


class LocmemSmsBackend(BaseSmsBackend):
    """Keeps SMS in memory, like Django's locmem e-mail backend, for tests."""

    outbox: ClassVar[list[dict[str, str]]] = []

    def send(self, *, to: str, body: str, idempotency_key: str = "") -> str:
        self.outbox.append({"to": to, "body": body, "key": idempotency_key})
        return ""


class HttpGatewaySmsBackend(BaseSmsBackend):
    """POSTs JSON {from, to, text} with a bearer token to SMS_GATEWAY_URL, and the message's Idempotency-Key header;
    any non-2xx answer is an error."""

    def send(self, *, to: str, body: str, idempotency_key: str = "") -> str:
        if not settings.SMS_GATEWAY_URL:
            raise SmsError("SMS_GATEWAY_URL is not set")
        payload = json.dumps({"from": settings.SMS_SENDER, "to": to, "text": body}).encode()
        if not settings.SMS_GATEWAY_URL.startswith(("https://", "http://")):
            raise SmsError("SMS_GATEWAY_URL must be an http(s) URL")
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            settings.SMS_GATEWAY_URL,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}",
                **({"Idempotency-Key": idempotency_key} if idempotency_key else {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (URL from settings)
                if not 200 <= response.status < 300:
                    raise SmsError(f"gateway answered {response.status}")
        except OSError as exc:
            raise SmsError(str(exc)) from exc
        return ""


# GSM 03.38: the alphabet of a 160-character SMS. One character outside it and the whole message is sent
# as UCS-2, where a single SMS holds only 70 characters (and operators bill the rest as extra parts).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = frozenset("^{}\\[~]|€")  # two septets each
GSM_REPLACEMENTS = {
    "’": "'", "‘": "'", "`": "'", "´": "'", "“": '"', "”": '"', "«": '"', "»": '"',
    "–": "-", "—": "-", "−": "-", "…": "...", "•": "-",
    "È": "E'", "À": "A'", "Ì": "I'", "Ò": "O'", "Ù": "U'",
}  # fmt: skip
SMS_LIMIT = 160


def sms_length(text: str) -> int:
    """Septets the text takes in the GSM alphabet."""
    return sum(2 if ch in GSM_EXTENDED else 1 for ch in text)


def sms_fit(text: str, *, limit: int = SMS_LIMIT) -> str:
    """The text in the GSM alphabet on one line, cut with "..." to fit one SMS of `limit` septets.

    Operators' free text may carry typographic quotes, dashes or accents outside the alphabet: they are
    replaced rather than letting one of them turn the message into a 70-character UCS-2 SMS.
    """
    chars: list[str] = []
    for ch in re.sub(r"\s+", " ", text).strip():
        if ch in GSM_BASIC or ch in GSM_EXTENDED:
            chars.append(ch)
        elif ch in GSM_REPLACEMENTS:
            chars.append(GSM_REPLACEMENTS[ch])
        else:
            plain = "".join(c for c in unicodedata.normalize("NFKD", ch) if c in GSM_BASIC)
            chars.append(plain or "?")
    result = "".join(chars)
    if sms_length(result) <= limit:
        return result
    while sms_length(result) > limit - 3:
        result = result[:-1]
    return result.rstrip(" ,.;:") + "..."


def get_sms_backend() -> BaseSmsBackend:
    backend: BaseSmsBackend = import_string(settings.SMS_BACKEND)()
    return backend
