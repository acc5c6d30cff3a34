"""What member pages do alike with the member's own claims and bookings: 404 unless theirs, cancel after a
confirmation, files and receipts handed over as private downloads."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render

from mutua.bookings.services import BookingError
from mutua.claims.services import ClaimError
from mutua.documents.models import StoredFile
from mutua.documents.serving import file_missing_response, file_unavailable_response

T = TypeVar("T")
R = TypeVar("R", bound=HttpResponseBase)


def owned_or_404(found: T | None) -> T:
    """What a member-scoped selector found; another member's object and a missing one get the same 404."""
    if found is None:
        raise Http404
    return found


def private(response: R) -> R:
    """Health data: kept by no cache on the way, and never sniffed as another type (HTML in a crafted scan)."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def stored_file_download(request: HttpRequest, stored: StoredFile | None) -> HttpResponseBase:
    """A member's own uploaded file, streamed as a download under the name they gave it; 404 for anyone else's.

    A quarantined file is not handed back (409), and one the storage lost gets a 404 page that names it.
    """
    stored = owned_or_404(stored)
    refused = file_unavailable_response(request, stored, for_operator=False)
    if refused is not None:
        return refused
    try:
        handle = stored.file.open("rb")
    except FileNotFoundError:
        return file_missing_response(request, stored)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=stored.original_name,
        content_type=stored.content_type,
    )
    return private(response)


def pdf_download(pdf: bytes, *, filename: str) -> HttpResponse:
    """A document generated for the member (a receipt), as a private PDF download."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return private(response)


def cancel_page(
    request: HttpRequest,
    *,
    cancellable: bool,
    cancel: Callable[[], object],
    refused: str,
    done: str,
    back: str,
    template: str,
    context: Mapping[str, object],
) -> HttpResponse:
    """ "Annulla": GET asks for confirmation while `cancellable`, else says why not; POST calls `cancel`.

    The service decides under its row lock, so a POST that arrives after the status changed is refused with the
    service's message; either way the member goes back to `back`.
    """
    if request.method == "POST":
        try:
            cancel()
        except (ClaimError, BookingError) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, done)
        return redirect(back)
    if not cancellable:
        messages.error(request, refused)
        return redirect(back)
    return render(request, template, context)
