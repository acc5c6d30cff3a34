"""Error reports: sentry-sdk with its Django integration when SENTRY_DSN is set (Sentry, or GlitchTip, which speaks
the same protocol), and nothing about members in them.

What an error report holds: the exception's type, its scrubbed message and the stack (file, line, function, no local
variables), the request's method and path (no query string, body, cookies or headers), the request id as a tag (to
find the request's log lines), the environment and the server. Left out by configuration: personal data
(`send_default_pii=False`: no user, no IP address), request bodies, local variables. Scrubbed by `scrub_event` from
every string that is sent, breadcrumbs included: codici fiscali, IBANs, e-mail addresses, phone numbers, file names
(mutua.core.logs.scrub). Performance tracing is off.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from mutua.core.logs import scrub
from mutua.core.requestid import current_request_id


def _scrubbed(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {key: _scrubbed(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(item) for item in value]
    return value


def scrub_event(event: Any, hint: dict[str, Any]) -> Any:
    """sentry-sdk's before_send: keep the request's method and path only, tag the request id, scrub every string."""
    event.pop("user", None)
    request = event.get("request")
    if isinstance(request, dict):
        url = str(request.get("url") or "")
        path = urlunsplit(urlsplit(url)._replace(query="", fragment="")) if url else ""
        event["request"] = {key: value for key, value in (("method", request.get("method")), ("url", path)) if value}
    request_id = current_request_id()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    scrubbed: dict[str, Any] = _scrubbed(event)
    return scrubbed


def scrub_breadcrumb(crumb: Any, hint: dict[str, Any]) -> Any:
    scrubbed: dict[str, Any] = _scrubbed(crumb)
    return scrubbed


def sentry_init(*, dsn: str, environment: str, transport: Any = None) -> None:
    """Start error reporting to `dsn` (a project of Sentry or GlitchTip); `transport` replaces the network in tests."""
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), LoggingIntegration(level=logging.INFO, event_level=logging.ERROR)],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=0,
        before_send=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
        transport=transport,
    )
