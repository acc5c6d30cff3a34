"""The operators' pages: worklist, review of a claim, its files, and one confirm-then-act page per move.

Every view is closed to members and anonymous visitors (`backoffice_view`); every claim and file comes
through the operator-scoped lookups of mutua.backoffice.permissions; every read of a member's data or
document writes an AuditEvent.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from csp.constants import NONE, SELF
from csp.decorators import csp_replace
from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods

from mutua.accounts.models import User
from mutua.accounts.requests import SignedInRequest
from mutua.audit.services import audit_record
from mutua.backoffice.forms import NoteForm, ReasonForm, SettleForm, SuspendForm, WorklistFilterForm
from mutua.backoffice.permissions import (
    Action,
    attachment_for_operator_or_404,
    backoffice_view,
    can,
    claim_for_operator_or_404,
    claims_for_operator,
    offices_for_operator,
)
from mutua.claims import selectors as claim_selectors
from mutua.claims import services
from mutua.claims.models import Claim, ClaimKind, ClaimStatus
from mutua.claims.selectors import claim_duplicates
from mutua.documents.serving import file_missing_response, file_unavailable_response
from mutua.members.models import Member
from mutua.members.selectors import member_last_change_by
from mutua.notifications.selectors import undelivered_messages_to
from mutua.plans.selectors import member_standing
from mutua.registry.services import REGISTRY_USERNAME

PAGE_SIZE = 25


@backoffice_view()
@require_GET
def worklist(request: SignedInRequest) -> HttpResponse:
    """Claims to work, oldest first, filtered by status, office, kind and age, with counts per status."""
    user = request.user
    offices = list(offices_for_operator(user=user).values_list("pk", "name"))
    form = WorklistFilterForm(request.GET, offices=offices)
    form.is_valid()  # a wrong value is dropped from cleaned_data and so is no filter
    data = form.cleaned_data
    filters = claim_selectors.WorklistFilters(
        status=data.get("stato") or "",
        office=int(data["sede"]) if data.get("sede") else None,
        kind=data.get("tipo") or "",
        older_than_days=int(data["eta"]) if data.get("eta") else None,
        region=data.get("regione") or "",
    )
    page = Paginator(
        claim_selectors.worklist(claims=claims_for_operator(user=user), filters=filters), PAGE_SIZE
    ).get_page(request.GET.get("pagina"))
    counts = claim_selectors.worklist_counts(claims=claims_for_operator(user=user), filters=filters)
    statuses = [(value, label, counts[value]) for value, label in ClaimStatus.choices if value in counts]
    return render(
        request,
        "backoffice/worklist.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "statuses": statuses,
            "open_count": sum(counts[s] for s in claim_selectors.WORKLIST_DEFAULT_STATUSES),
            "now": timezone.now(),
            "can_take": can(user, Action.TAKE),
            "can_pay": can(user, Action.PAY),
            "can_audit": can(user, Action.AUDIT),
            "can_tax": can(user, Action.TAX),
            "can_registry": can(user, Action.REGISTRY),
            "can_activate": can(user, Action.ACTIVATE),
        },
    )


def _actions(user: User, claim: Claim) -> dict[str, bool]:
    """Which moves the page offers: the role allows them and the claim's status permits them."""
    status = claim.status
    study = claim.kind == ClaimKind.STUDY_SUBSIDY  # approved with the call's fixed amount, not settled by the plan
    return {
        "take": can(user, Action.TAKE) and claim.awaits_operator,
        "suspend": can(user, Action.SUSPEND) and status == ClaimStatus.IN_REVIEW,
        "resume": can(user, Action.SUSPEND) and status == ClaimStatus.SUSPENDED,
        "reject": can(user, Action.REJECT) and status in (ClaimStatus.IN_REVIEW, ClaimStatus.SUSPENDED),
        "cancel": can(user, Action.CANCEL)
        and status in (ClaimStatus.SUBMITTED, ClaimStatus.IN_REVIEW, ClaimStatus.SUSPENDED),
        "settle": can(user, Action.SETTLE) and status == ClaimStatus.IN_REVIEW and not study,
        "approve": can(user, Action.SETTLE) and status == ClaimStatus.IN_REVIEW and study,
    }


@backoffice_view()
@require_GET
def claim_review(request: SignedInRequest, pk: int) -> HttpResponse:
    """Everything needed to decide on a claim; the visit is written in the member's access log."""
    user = request.user
    claim = claim_selectors.claim_review(claims=claims_for_operator(user=user), pk=pk)
    if claim is None:
        raise Http404
    member = claim.member
    audit_record(action="backoffice.claim_view", actor=user, member=member, request=request, claim=claim.pk)
    settlements = claim_selectors.member_settlements_in_year(
        member=member, year=timezone.localdate().year, exclude_claim=claim
    )
    open_suspensions = getattr(claim, "open_suspensions", [])
    return render(
        request,
        "backoffice/claim_review.html",
        {
            "claim": claim,
            "member": member,
            "beneficiaries": list(member.beneficiaries.all()),
            "standing": member_standing(member=member),
            "registry_changed_at": member_last_change_by(member=member, username=REGISTRY_USERNAME),
            "duplicates": claim_duplicates(claim=claim, every_member=True),
            "amount_mismatches": claim_selectors.claim_amount_mismatches(claim=claim),
            "settlements": settlements,
            "settlements_total": claim_selectors.settlements_total(settlements),
            "suspension": open_suspensions[0] if open_suspensions else None,
            "actions": _actions(user, claim),
            "undelivered": undelivered_messages_to(addresses=_contact_addresses(member)),
        },
    )


def _contact_addresses(member: Member) -> list[str]:
    """The member's e-mail and mobile as the outbox writes them."""
    return [member.email, member.mobile.as_e164 if member.mobile else ""]


INLINE_TYPES = {"application/pdf", "image/jpeg", "image/png"}


@backoffice_view()
@require_GET
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": [SELF], "object-src": [SELF], "default-src": [NONE], "img-src": [SELF]})  # type: ignore[arg-type]
def attachment_inline(request: SignedInRequest, pk: int) -> HttpResponseBase:
    """A document's file shown inside the review page: PDF and JPEG as they are, TIFF converted to PNG.

    Browsers do not display TIFF; the conversion shows the first page. Each view is an audited access.
    """
    user = request.user
    attachment = attachment_for_operator_or_404(user=user, pk=pk)
    claim = attachment.document.claim
    audit_record(
        action="backoffice.attachment_view",
        actor=user,
        member=claim.member,
        request=request,
        claim=claim.pk,
        attachment=attachment.pk,
    )
    return inline_file_response(request, attachment)


def inline_file_response(request: HttpRequest, attachment: Any) -> HttpResponseBase:
    """A stored scan (claim or booking file) for display in a page: PDF/JPEG/PNG as is, TIFF as a PDF.

    Browsers do not display TIFF. A scanner's TIFF often holds several pages (an invoice and its back): each one
    becomes a page of the PDF, at the scan's resolution, so the operator sees them all in the same viewer. A file
    still waiting for the malware scan, or quarantined, is not served (409); one the storage lost gets a 404 naming it.
    """
    refused = file_unavailable_response(request, attachment, for_operator=True)
    if refused is not None:
        return refused
    response: HttpResponseBase
    try:
        if attachment.content_type in INLINE_TYPES:
            response = FileResponse(
                attachment.file.open("rb"),
                as_attachment=False,
                filename=attachment.original_name,
                content_type=attachment.content_type,
            )
        else:
            response = HttpResponse(tiff_as_pdf(attachment.file), content_type="application/pdf")
            response["Content-Disposition"] = "inline"
    except FileNotFoundError:
        return file_missing_response(request, attachment, bare=True)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def tiff_as_pdf(stored: Any) -> bytes:
    """Every page of a TIFF (checked at upload: at most uploads.MAX_FRAMES pages) as one PDF."""
    from PIL import Image, ImageSequence

    with stored.open("rb") as f, Image.open(f) as image:
        dpi = image.info.get("dpi", (72, 72))[0] or 72
        pages = [
            frame.convert("RGB") if frame.mode not in ("1", "L", "RGB") else frame.copy()
            for frame in ImageSequence.Iterator(image)
        ]
    buffer = io.BytesIO()
    pages[0].save(buffer, format="PDF", save_all=True, append_images=pages[1:], resolution=float(dpi))
    return buffer.getvalue()


# --- Confirm-then-act: GET shows what will happen, POST calls one service ---------------------------------


def _act(
    request: SignedInRequest,
    pk: int,
    *,
    template: str,
    form_class: type[forms.Form] | None,
    run: Callable[[Claim, User, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    user = request.user
    claim = claim_for_operator_or_404(user=user, pk=pk)
    form = form_class(request.POST) if (form_class and request.method == "POST") else None
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            run(claim, user, form.cleaned_data if form else {})
        except services.InvalidTransition as exc:
            messages.error(request, exc.message)
        except services.ClaimError as exc:
            if form is None:
                messages.error(request, exc.message)
                return redirect("backoffice:claim_review", pk=claim.pk)
            form.add_error(None, exc.message)
            return render(request, template, {"claim": claim, "form": form}, status=400)
        else:
            messages.success(request, done % {"id": claim.pk})
        return redirect("backoffice:claim_review", pk=claim.pk)
    status = 400 if form is not None else 200
    return render(
        request, template, {"claim": claim, "form": form or (form_class() if form_class else None)}, status=status
    )


@backoffice_view(Action.TAKE)
@require_http_methods(["GET", "POST"])
def claim_take(request: SignedInRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        template="backoffice/take.html",
        form_class=None,
        run=lambda claim, user, data: services.claim_take(claim=claim, actor=user),
        done=_("Hai preso in carico la pratica n. %(id)s."),
    )


@backoffice_view(Action.SUSPEND)
@require_http_methods(["GET", "POST"])
def claim_suspend(request: SignedInRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        template="backoffice/suspend.html",
        form_class=SuspendForm,
        run=lambda claim, user, data: services.claim_suspend_for_documents(
            claim=claim, actor=user, items=data["items"], deadline=data["deadline"]
        ),
        done=_("Pratica n. %(id)s sospesa: il socio è stato avvisato dei documenti da integrare."),
    )


@backoffice_view(Action.SUSPEND)
@require_http_methods(["GET", "POST"])
def claim_block(request: SignedInRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        template="backoffice/block.html",
        form_class=ReasonForm,
        run=lambda claim, user, data: services.claim_block(claim=claim, actor=user, reason=data["reason"]),
        done=_("Pratica n. %(id)s sospesa per blocco amministrativo: il socio è stato avvisato."),
    )


@backoffice_view(Action.SUSPEND)
@require_http_methods(["GET", "POST"])
def claim_resume(request: SignedInRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        template="backoffice/resume.html",
        form_class=NoteForm,
        run=lambda claim, user, data: services.claim_resume(claim=claim, actor=user, note=data["note"]),
        done=_("La pratica n. %(id)s è di nuovo in lavorazione."),
    )


@backoffice_view(Action.REJECT)
@require_http_methods(["GET", "POST"])
def claim_reject(request: SignedInRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        template="backoffice/reject.html",
        form_class=ReasonForm,
        run=lambda claim, user, data: services.claim_reject(claim=claim, actor=user, reason=data["reason"]),
        done=_("Pratica n. %(id)s respinta: il socio è stato avvisato."),
    )


@backoffice_view(Action.CANCEL)
@require_http_methods(["GET", "POST"])
def claim_cancel(request: SignedInRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        template="backoffice/cancel.html",
        form_class=ReasonForm,
        run=lambda claim, user, data: services.claim_cancel_by_operator(claim=claim, actor=user, reason=data["reason"]),
        done=_("Pratica n. %(id)s annullata: il socio è stato avvisato."),
    )


@backoffice_view(Action.SETTLE)
@require_http_methods(["GET", "POST"])
def claim_settle(request: SignedInRequest, pk: int) -> HttpResponse:
    """ "Liquida": the computed figures per document, editable with a reason; POST settles the claim."""
    user = request.user
    claim = claim_for_operator_or_404(user=user, pk=pk)
    if claim.status != ClaimStatus.IN_REVIEW:
        messages.error(request, _("Si può liquidare solo una pratica «In lavorazione»."))
        return redirect("backoffice:claim_review", pk=claim.pk)
    lines = services.claim_settlement_lines(claim=claim)
    form = SettleForm(request.POST if request.method == "POST" else None, lines=lines)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.claim_settle(claim=claim, actor=user, figures=form.figures())
            except services.InvalidTransition as exc:
                messages.error(request, exc.message)
                return redirect("backoffice:claim_review", pk=claim.pk)
            except services.SettlementRejected as exc:
                form.add_service_errors(exc.errors)
                form.add_error(None, exc.message)
            except services.ClaimError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, _("Pratica n. %(id)s liquidata: il socio è stato avvisato.") % {"id": claim.pk}
                )
                return redirect("backoffice:claim_review", pk=claim.pk)
    rows = [(line, form.fields_for(line.document.pk)) for line in lines]
    return render(
        request,
        "backoffice/settle.html",
        {"claim": claim, "form": form, "rows": rows, "total": sum((line.outcome.paid for line in lines), Decimal(0))},
        status=status,
    )


@backoffice_view(Action.SETTLE)
@require_http_methods(["GET", "POST"])
def claim_approve(request: SignedInRequest, pk: int) -> HttpResponse:
    """ "Approva" a study subsidy: GET shows each certificate with the call's fixed amount, POST settles it."""
    user = request.user
    claim = claim_for_operator_or_404(user=user, pk=pk)
    if claim.kind != ClaimKind.STUDY_SUBSIDY or claim.status != ClaimStatus.IN_REVIEW:
        messages.error(request, _("Si approva solo un sussidio allo studio «In lavorazione»."))
        return redirect("backoffice:claim_review", pk=claim.pk)
    if request.method == "POST":
        try:
            services.claim_study_subsidy_approve(claim=claim, actor=user)
        except services.InvalidTransition as exc:
            messages.error(request, exc.message)
            return redirect("backoffice:claim_review", pk=claim.pk)
        except services.ClaimError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Sussidio n. %(id)s approvato: il socio è stato avvisato.") % {"id": claim.pk})
            return redirect("backoffice:claim_review", pk=claim.pk)
    lines = services.study_subsidy_lines(claim=claim)
    total = sum((line.rate.amount for line in lines if line.rate), Decimal(0))
    return render(
        request,
        "backoffice/approve.html",
        {"claim": claim, "form": None, "lines": lines, "total": total, "complete": all(line.rate for line in lines)},
    )
