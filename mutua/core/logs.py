"""Log lines: one JSON object per event in production (`LOG_FORMAT=json`, the default with DJANGO_DEBUG=0), a
readable line while developing; both carry the request id and the user id, and both are scrubbed.

A JSON line holds `time` (UTC, ISO 8601), `level`, `logger`, `message`, `request_id`, `user_id` (the account's number,
or null), and `exception` with the traceback when there is one. Codici fiscali, IBANs, e-mail addresses, phone numbers
and file names are replaced wherever they appear in the message or the traceback (an exception's text may quote a
value: PostgreSQL repeats the duplicate key, a validation error the input), so a log line never holds them. Health
details cannot be recognised by a pattern: the code never logs them (no claim text, no document, no diagnosis).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from mutua.core.requestid import request_id_var, user_id_var

# Codice fiscale: 16 characters, the digits possibly replaced by letters (omocodia).
_CF_DIGIT = "[0-9LMNPQRSTUV]"
CODICE_FISCALE = re.compile(
    rf"\b[A-Z]{{6}}{_CF_DIGIT}{{2}}[ABCDEHLMPRST]{_CF_DIGIT}{{2}}[A-Z]{_CF_DIGIT}{{3}}[A-Z]\b", re.IGNORECASE
)
IBAN = re.compile(r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}\b", re.IGNORECASE)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w+])(?:\+|00)[1-9][0-9 ]{6,15}[0-9]\b|\b3[0-9]{2} ?[0-9]{6,7}\b")
FILE_NAME = re.compile(
    r"[^\s/\\\"'<>|:=]+\.(?:pdf|jpe?g|png|tiff?|gif|heic|webp|bmp|docx?|xlsx?|odt|ods|txt|csv|json|zip|p7m)\b",
    re.IGNORECASE,
)
SCRUBBERS = (
    (EMAIL, "[e-mail]"),  # before the file names: an address ends like one
    (CODICE_FISCALE, "[codice fiscale]"),
    (IBAN, "[IBAN]"),
    (PHONE, "[telefono]"),
    (FILE_NAME, "[file]"),
)


def scrub(text: str) -> str:
    """The text with every codice fiscale, IBAN, e-mail address, phone number and file name replaced."""
    for pattern, replacement in SCRUBBERS:
        text = pattern.sub(replacement, text)
    return text


class ContextFilter(logging.Filter):
    """Adds the request id and the user id of the request (or task) being served to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        if not hasattr(record, "user_id"):
            record.user_id = user_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, user_id[, exception]."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
            "user_id": getattr(record, "user_id", None) or user_id_var.get(),
        }
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = scrub(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """While developing: time, level, logger, request id and the scrubbed message, readable."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return scrub(super().format(record))
