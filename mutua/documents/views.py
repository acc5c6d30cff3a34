"""Verifica documento: the public page where anyone checks the code printed on a document of the mutual (the
membership card's own QR link is checked by mutua.portal.membership.card_check)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from mutua.core import ratelimit
from mutua.documents.forms import INVALID_CODE, VerifyForm
from mutua.documents.verification import BASIS_LABELS, VerifiedDocument, document_verify

ROME = ZoneInfo("Europe/Rome")
# Per client IP: enough for an office checking a pile of receipts, too few to sweep the code space.
VERIFY_IP_LIMIT = 30
VERIFY_PERIOD = 300


@login_not_required
@require_GET
def verify(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """A code typed in the form (?code=) or opened from a QR (/verifica/<code>/); the answer names no one."""
    raw = code if code is not None else request.GET.get("code")
    form = VerifyForm(None if raw is None else {"code": raw})
    verified: VerifiedDocument | None = None
    limited: ratelimit.Limited | None = None
    if raw is not None:
        limited = ratelimit.check(request, "document_verify", ip_limit=VERIFY_IP_LIMIT, period=VERIFY_PERIOD)
        if limited is not None:
            form = VerifyForm(initial={"code": raw})
        elif form.is_valid():
            verified = document_verify(form.cleaned_data["code"])
            if verified is None:
                form.add_error("code", INVALID_CODE)
    issued = verified.issued_at.astimezone(ROME) if verified else None
    basis_label = ""
    if verified is not None and verified.basis is not None:
        basis_label = str(BASIS_LABELS[verified.basis]).lower()
    response = render(
        request,
        "documents/verify.html",
        {
            "form": form,
            "verified": verified,
            "issued_date": issued.strftime("%d/%m/%Y") if issued else "",
            "issued_time": issued.strftime("%H:%M") if issued else "",
            "limited": limited,
            "basis_label": basis_label,
        },
        status=429 if limited else 200,
    )
    if limited is not None:
        response["Retry-After"] = str(limited.retry_after)
    response["X-Robots-Tag"] = "noindex"
    return response
