"""The draft page's reading of a chosen file (mutua.claims.reading): start it, follow it, see the page read.

Used by static/js/reading.js only; the document form works without them. JSON and PNG answers are never cached.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from mutua.accounts.requests import MemberRequest, member_view
from mutua.claims import reading, selectors
from mutua.claims.models import Claim, ClaimStatus, FileReading, ReadingStatus
from mutua.claims.services import ClaimError
from mutua.portal.owned import owned_or_404


def _draft(request: MemberRequest, pk: int) -> Claim:
    if not settings.DOCUMENT_READING:
        raise Http404
    claim = owned_or_404(selectors.claims_for_member(member=request.member).filter(pk=pk).first())
    if claim.status != ClaimStatus.DRAFT:
        raise Http404
    return claim


def _reading(request: MemberRequest, pk: int, reading_pk: int) -> FileReading:
    found = selectors.reading_for_member(member=request.member, claim=_draft(request, pk), pk=reading_pk)
    if found is None:
        raise Http404
    return found


@require_POST
@never_cache
@member_view
def reading_start(request: MemberRequest, pk: int) -> JsonResponse:
    """The file the member chose, sent by the page's script as soon as it is chosen."""
    claim = _draft(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        return JsonResponse({"error": _("Scegli un file da leggere.")}, status=400)
    try:
        started = reading.reading_start(claim=claim, actor=request.user, upload=upload)
    except ClaimError as exc:
        return JsonResponse({"error": exc.message}, status=400)
    return JsonResponse(
        {"status": started.status, "url": reverse("portal:reading_status", args=[claim.pk, started.pk])}, status=202
    )


@require_GET
@never_cache
@member_view
def reading_status(request: MemberRequest, pk: int, reading_pk: int) -> JsonResponse:
    found = _reading(request, pk, reading_pk)
    answer: dict[str, object] = {"status": found.status}
    if found.status == ReadingStatus.DONE:
        proposals = reading.reading_proposals(reading=found, member=request.member)
        answer["proposals"] = [
            {"field": p.field, "value": p.value, "shown": p.shown, "page": p.page, "box": p.box} for p in proposals
        ]
        answer["pages"] = sorted({p.page for p in proposals})
        answer["image"] = reverse("portal:reading_page", args=[pk, found.pk, 1])
    return JsonResponse(answer)


@require_GET
@never_cache
@member_view
def reading_page(request: MemberRequest, pk: int, reading_pk: int, page: int) -> HttpResponse:
    found = _reading(request, pk, reading_pk)
    png = reading.reading_page_image(reading=found, page=page)
    if png is None:
        raise Http404
    response = HttpResponse(png, content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    return response
