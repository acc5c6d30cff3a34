"""Step-up authentication for changes that move money or identity."""

from __future__ import annotations

from collections.abc import Callable

from allauth.account.decorators import reauthentication_required
from django.http import HttpResponse

View = Callable[..., HttpResponse]


def step_up_required(view: View) -> View:
    """The member confirms who they are before the view runs: password, or their second factor when active.

    A confirmation stays valid for ACCOUNT_REAUTHENTICATION_TIMEOUT seconds in this session. Until then, any
    request (GET included) goes to allauth's reauthentication page and comes back afterwards; a POST is kept
    and replayed, so the form the member filled in is not lost (uploaded files are not kept: use it on the
    page that shows the form, which is reached by GET first).
    """
    # No `app`: allauth then asks for reauthentication whatever ACCOUNT_REAUTHENTICATION_REQUIRED says.
    guarded: View = reauthentication_required(view)
    guarded.step_up_required = True  # type: ignore[attr-defined]
    return guarded
