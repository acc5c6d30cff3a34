"""No page of a signed-in member or operator is kept by the browser or by any cache on the way.

Without ``Cache-Control: no-store`` a browser may keep a signed-in page in its back-forward and disk caches: on a
shared computer, Back after signing out shows it again. The rule covers every HTML response of a session that holds
somebody (signed in, or in the middle of first access or a password reset, whose pages show the member's name); files
set their own header (``private, no-store``), and a file response without one gets it too.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

NO_STORE = "no-store, private"


def _session_holds_somebody(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    session = getattr(request, "session", None)
    # is_empty() answers without reading the store when the browser sent no session cookie.
    return session is not None and not session.is_empty()


class NoStoreForSignedInMiddleware:
    """``Cache-Control: no-store`` on every HTML response of a session that holds somebody (docs/architecture.md)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not _session_holds_somebody(request):
            return response
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html") or not response.has_header("Cache-Control"):
            response["Cache-Control"] = NO_STORE
            response.headers.pop("Expires", None)
        return response
