"""Verifica documento: the public page where anyone checks the code printed on a document of the mutual."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from mutua.core import ratelimit
from mutua.documents.forms import INVALID_CODE, VerifyForm
from mutua.documents.verification import VerifiedDocument, card_member_id, card_valid_on, document_verify
from mutua.members.models import Member

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
        from mutua.documents.certificates import SubsidyBasis
        from mutua.documents.verification import BASIS_COMPETENCE

        basis = SubsidyBasis.COMPETENCE if verified.basis == BASIS_COMPETENCE else SubsidyBasis.PAYMENT
        basis_label = str(basis.label).lower()
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


def initials(member: Member) -> str:
    """ "M. R.": all a public check may say about who holds a card."""
    return " ".join(f"{name.strip()[:1].upper()}." for name in (member.first_name, member.last_name) if name.strip())


@login_not_required
@require_GET
def card_check(request: HttpRequest, token: str) -> HttpResponse:
    """The page the QR code of a membership card opens: valid today or not, and the holder's initials; nothing else.

    An altered link is simply "not valid". Rate-limited like the code check, so links cannot be swept.
    """
    limited = ratelimit.check(request, "document_verify", ip_limit=VERIFY_IP_LIMIT, period=VERIFY_PERIOD)
    today = timezone.localdate()
    holder = ""
    valid = False
    if limited is None:
        member_id = card_member_id(token)
        member = Member.objects.filter(pk=member_id).first() if member_id is not None else None
        if member is not None:
            holder = initials(member)
            valid = card_valid_on(member_id=member.pk, day=today)
    response = render(
        request,
        "documents/card_check.html",
        {"limited": limited, "valid": valid, "holder": holder, "today": today},
        status=429 if limited else 200,
    )
    if limited is not None:
        response["Retry-After"] = str(limited.retry_after)
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "no-store"
    return response
