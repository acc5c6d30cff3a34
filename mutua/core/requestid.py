"""The request id: one per request, taken from the proxy's X-Request-ID or made here, in every log line of the request
and of the tasks it queued, and in the response's X-Request-ID header.

An operator who has a failing page's id (the response header, or an error report) finds every line about that request,
in the web's log and in the worker's, with one search. The user id goes with it: the account's number, never a name or
a codice fiscale.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
user_id_var: ContextVar[int | None] = ContextVar("user_id", default=None)

HEADER = "X-Request-ID"
# What a proxy may send as an id: letters, digits, - _ . : up to 64 characters (nginx's $request_id, a UUID, Caddy's
# {http.request.uuid}). Anything else is replaced, so that a client cannot write into the logs.
VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
# The health endpoints are asked every few seconds, and static files come a dozen per page: their requests are logged
# only at DEBUG when they answer well.
QUIET_PATHS = frozenset({"/healthz", "/readyz"})

logger = logging.getLogger("mutua.request")


def current_request_id() -> str:
    """The id of the request (or of the task's request) being served, or "" outside one."""
    return request_id_var.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE: sets the request id (and, once authentication has run, the user id) for the logs, adds
    X-Request-ID to the response, and logs one line per request: method, path (never the query string, which may
    carry a search for a codice fiscale), status and time."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        request_id = given if VALID_ID.match(given) else new_request_id()
        request_token = request_id_var.set(request_id)
        user_token = user_id_var.set(None)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            self._log(request, response, started)
            return response
        finally:
            request_id_var.reset(request_token)
            user_id_var.reset(user_token)

    def process_view(self, request: HttpRequest, *args: object, **kwargs: object) -> None:
        # After the other middlewares' request phase: the user is known (LoginRequiredMiddleware asks anyway).
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user_id_var.set(user.pk)

    @staticmethod
    def _log(request: HttpRequest, response: HttpResponse, started: float) -> None:
        quiet = response.status_code < 400 and (
            request.path in QUIET_PATHS or request.path.startswith(settings.STATIC_URL or "/static/")
        )
        logger.log(
            logging.DEBUG if quiet else logging.INFO,
            "%s %s %s %.0f ms",
            request.method,
            request.path,
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
