"""Member pages of "Richiesta di rimborso" and "Lista pratiche"."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from schwifty import IBAN

from mutua.accounts.requests import MemberRequest, member_view
from mutua.bookings.selectors import booking_list_for_member
from mutua.claims import selectors, services
from mutua.claims.forms import DocumentForm, FilesForm, KindForm, RegionForm, StudyDocumentForm
from mutua.claims.models import Claim, ClaimDocument, ClaimKind, ClaimStatus, ClaimSuspension, SuspensionKind
from mutua.members.models import Member
from mutua.plans.coverage import Outcome
from mutua.portal.owned import cancel_page, owned_or_404, pdf_download, stored_file_download

BOOKINGS_SHOWN = 50


def _claim(member: Member, pk: int) -> Claim:
    return owned_or_404(selectors.claims_for_member(member=member).filter(pk=pk).first())


def _draft(member: Member, pk: int) -> Claim:
    claim = _claim(member, pk)
    if claim.status != ClaimStatus.DRAFT:
        raise Http404
    return claim


def _document(claim: Claim, doc_pk: int) -> ClaimDocument:
    document = claim.documents.filter(pk=doc_pk).select_related("claim").first()
    if document is None:
        raise Http404
    return document


def iban_display(member: Member) -> dict[str, str]:
    """The payment IBAN masked but for the last 4 characters, with the bank's name when schwifty knows it."""
    if not member.iban:
        return {"masked": "", "bank": ""}
    iban = IBAN(member.iban, allow_invalid=True)
    compact = str(iban.compact)
    masked = f"{compact[:4]} **** **** {compact[-4:]}"
    try:
        bank = iban.bank_name or ""
    except Exception:  # schwifty's registry may not know the bank
        bank = ""
    return {"masked": masked, "bank": bank}


@require_http_methods(["GET", "POST"])
@member_view
def reimbursement_start(request: MemberRequest) -> HttpResponse:
    """Opening page with the guide's conditions; "Inizia" creates (or resumes) the server-side draft."""
    member = request.member
    draft = selectors.draft_for_member(member=member)
    if request.method == "POST":
        draft = services.draft_start(member=member, actor=request.user)
        return redirect("portal:claim_draft", pk=draft.pk)
    return render(request, "portal/claims/start.html", {"member": member, "draft": draft})


def _document_form(claim: Claim, member: Member, *args: object) -> DocumentForm | StudyDocumentForm:
    if claim.kind == ClaimKind.STUDY_SUBSIDY:
        return StudyDocumentForm(*args, member=member)
    return DocumentForm(*args, member=member)


def _draft_page(
    request: HttpRequest,
    member: Member,
    claim: Claim,
    *,
    form: DocumentForm | StudyDocumentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    prefetch_related_objects([claim], "documents__beneficiary", "documents__attachments__reading")
    documents = list(claim.documents.all())  # in the order they were added (ClaimDocument.Meta.ordering)
    study = claim.kind == ClaimKind.STUDY_SUBSIDY
    estimates: dict[int, Outcome] = {}
    if not study and documents:
        # The same computation the office will make, on what is known today: shown as an estimate only.
        estimates = {line.document.pk: line.outcome for line in services.claim_settlement_lines(claim=claim)}
        for document in documents:
            document.estimate = estimates.get(document.pk)  # type: ignore[attr-defined]
    open_claim = selectors.open_claim_for_member(member=member, kind=claim.kind).first() if documents else None
    return render(
        request,
        "portal/claims/study_draft.html" if study else "portal/claims/draft.html",
        {
            "member": member,
            "claim": claim,
            "iban": iban_display(member),
            "kind_form": KindForm(initial={"kind": claim.kind}),
            "region_form": RegionForm(initial={"region": claim.region}),
            "form": form or _document_form(claim, member),
            "documents": documents,
            "has_estimates": bool(estimates),
            # The summary of "Invia pratica", in a window over the draft (the page claim_submit without JS).
            "open_claim": open_claim,
            "duplicates": selectors.claim_duplicates(claim=claim) if documents else [],
            "files_form": FilesForm(),
            "max_mb": 2,
            "reading_enabled": settings.DOCUMENT_READING,
        },
        status=status,
    )


@require_http_methods(["GET"])
@member_view
def claim_draft(request: MemberRequest, pk: int) -> HttpResponse:
    member = request.member
    return _draft_page(request, member, _draft(member, pk))


@require_POST
@member_view
def claim_draft_kind(request: MemberRequest, pk: int) -> HttpResponse:
    member = request.member
    claim = _draft(member, pk)
    form = KindForm(request.POST)
    if form.is_valid():
        try:
            services.draft_set_kind(claim=claim, kind=form.cleaned_data["kind"], actor=request.user)
        except services.ClaimError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Tipo di pratica salvato."))
    return redirect("portal:claim_draft", pk=claim.pk)


@require_http_methods(["GET", "POST"])
@member_view
def study_start(request: MemberRequest) -> HttpResponse:
    """Sussidi allo studio: for ordinary members only; others read why."""
    member = request.member
    allowed = services.study_subsidy_allowed(member=member)
    draft = selectors.draft_for_member(member=member, study_subsidy=True)
    if request.method == "POST" and allowed:
        draft = services.draft_start(member=member, actor=request.user, study_subsidy=True)
        return redirect("portal:claim_draft", pk=draft.pk)
    return render(request, "portal/claims/study_start.html", {"member": member, "draft": draft, "allowed": allowed})


@require_POST
@member_view
def claim_draft_region(request: MemberRequest, pk: int) -> HttpResponse:
    member = request.member
    claim = _draft(member, pk)
    form = RegionForm(request.POST)
    if form.is_valid():
        try:
            services.draft_set_region(claim=claim, region=form.cleaned_data["region"], actor=request.user)
        except services.ClaimError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Regione salvata."))
    else:
        messages.error(request, _("Scegli una regione dall'elenco."))
    return redirect("portal:claim_draft", pk=claim.pk)


@require_POST
@member_view
def document_add(request: MemberRequest, pk: int) -> HttpResponse:
    """ "Carica documento": on any error the page comes back with the fields kept and the problems marked."""
    member = request.member
    claim = _draft(member, pk)
    form = _document_form(claim, member, request.POST, request.FILES)
    if form.is_valid():
        try:
            services.document_add(
                claim=claim,
                actor=request.user,
                data=form.document_data(),
                files=form.cleaned_data["files"],
            )
        except services.FilesRejected as exc:
            for problem in exc.problems:
                form.add_error("files", problem)
        except services.ClaimError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("Documento caricato: lo trovi in «Documenti pratica». Puoi caricarne un altro.")
            )
            return redirect(reverse("portal:claim_draft", args=[claim.pk]) + "#documenti-pratica")
    return _draft_page(request, member, claim, form=form, status=400)


@require_POST
@member_view
def document_files_add(request: MemberRequest, pk: int, doc_pk: int) -> HttpResponse:
    member = request.member
    document = _document(_draft(member, pk), doc_pk)
    form = FilesForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(document=document, actor=request.user, files=form.cleaned_data["files"])
        except services.ClaimError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("File aggiunti al documento."))
    else:
        for error in form.errors.get("files", []):
            messages.error(request, str(error))
    return redirect(reverse("portal:claim_draft", args=[pk]) + f"#documento-{document.pk}")


@require_POST
@member_view
def attachment_remove(request: MemberRequest, pk: int, att_pk: int) -> HttpResponse:
    member = request.member
    claim = _draft(member, pk)
    attachment = selectors.attachment_for_member(member=member, pk=att_pk)
    if attachment is None or attachment.document.claim_id != claim.pk:
        raise Http404
    try:
        services.attachment_remove(attachment=attachment, actor=request.user)
    except services.ClaimError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("File «%(name)s» rimosso.") % {"name": attachment.original_name})
    return redirect(reverse("portal:claim_draft", args=[pk]) + f"#documento-{attachment.document_id}")


@require_http_methods(["GET", "POST"])
@member_view
def document_delete(request: MemberRequest, pk: int, doc_pk: int) -> HttpResponse:
    member = request.member
    claim = _draft(member, pk)
    document = _document(claim, doc_pk)
    if request.method == "POST":
        services.document_delete(document=document, actor=request.user)
        messages.success(request, _("Documento cancellato con tutti i suoi file."))
        return redirect(reverse("portal:claim_draft", args=[pk]) + "#documenti-pratica")
    return render(request, "portal/claims/document_delete.html", {"claim": claim, "document": document})


@require_http_methods(["GET", "POST"])
@member_view
def claim_submit(request: MemberRequest, pk: int) -> HttpResponse:
    """GET: the summary with "Invia pratica" and "Annulla"; POST: one idempotent submission."""
    member = request.member
    if request.method == "POST":
        token = request.POST.get("token", "")
        if selectors.submission_for_member(member=member, token=token) is None:
            _draft(member, pk)  # 404 for anything that is not this member's draft
        try:
            uuid.UUID(token)
            services.claim_submit(member=member, token=token, actor=request.user)
        except ValueError:
            raise Http404
        except services.ClaimError as exc:
            messages.error(request, exc.message)
            return redirect("portal:claim_draft", pk=pk)
        return redirect(reverse("portal:claim_submitted") + f"?t={token}")
    claim = _draft(member, pk)
    prefetch_related_objects([claim], "documents__beneficiary", "documents__attachments__reading")
    documents = list(claim.documents.all())
    open_claim = selectors.open_claim_for_member(member=member, kind=claim.kind).first()
    return render(
        request,
        "portal/claims/submit.html",
        {
            "member": member,
            "claim": claim,
            "documents": documents,
            "iban": iban_display(member),
            "open_claim": open_claim,
            # The same document already sent (same file, same details, or same provider and number read from the
            # files): said before sending, the member decides.
            "duplicates": selectors.claim_duplicates(claim=claim),
        },
    )


@member_view
def claim_submitted(request: MemberRequest) -> HttpResponse:
    """The result box: which claim, merged or new, and the receipt."""
    member = request.member
    submission = selectors.submission_for_member(member=member, token=request.GET.get("t", ""))
    if submission is None:
        raise Http404
    return render(request, "portal/claims/submitted.html", {"submission": submission, "claim": submission.claim})


@member_view
def claim_list(request: MemberRequest) -> HttpResponse:
    member = request.member
    status = request.GET.get("stato", "")
    if status not in ClaimStatus.values or status == ClaimStatus.DRAFT:
        status = ""
    year_text = request.GET.get("anno", "")
    year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else None
    summary = selectors.claim_list_summary_for_member(member=member, status=status, year=year)
    paginator = Paginator(selectors.claim_list_for_member(member=member, status=status, year=year), 20)
    paginator.count = summary.count  # known from the summary: the paginator need not count again
    return render(
        request,
        "portal/claims/list.html",
        {
            "page": paginator.get_page(request.GET.get("pagina")),
            "status": status,
            "year": year,
            "statuses": [(v, label) for v, label in ClaimStatus.choices if v != ClaimStatus.DRAFT],
            "years": summary.years,
            "draft": summary.has_draft,
            # Direct-form bookings (Prenota) are listed apart: their statuses are not a claim's.
            "bookings": [] if status else list(booking_list_for_member(member=member, year=year)[:BOOKINGS_SHOWN]),
        },
    )


@member_view
def claim_detail(request: MemberRequest, pk: int) -> HttpResponse:
    member = request.member
    claim = selectors.claim_detail_for_member(member=member, pk=pk)
    if claim is None:
        raise Http404
    if claim.status == ClaimStatus.DRAFT:
        return redirect("portal:claim_draft", pk=pk)
    suspension = _open_suspension(claim)
    # An administrative block is lifted by the office, not by adding documents.
    blocked = bool(claim.block_reason) or (suspension is not None and suspension.kind == SuspensionKind.BLOCK)
    form = _document_form(claim, member) if claim.status == ClaimStatus.SUSPENDED and not blocked else None
    context = {"claim": claim, "member": member, "form": form, "suspension": suspension}
    return render(request, "portal/claims/detail.html", context)


def _open_suspension(claim: Claim) -> ClaimSuspension | None:
    """The suspension the member must act on (documents and deadline) or read (a block); None when not suspended."""
    if claim.status != ClaimStatus.SUSPENDED:
        return None
    open_suspension: ClaimSuspension | None = getattr(claim, "open_suspension", None)
    return open_suspension


@require_POST
@member_view
def claim_add_documents(request: MemberRequest, pk: int) -> HttpResponse:
    """ "Aggiungi documenti" while the claim is suspended; the claim goes back to the operators."""
    member = request.member
    claim = _claim(member, pk)
    form = _document_form(claim, member, request.POST, request.FILES)
    if form.is_valid():
        try:
            services.claim_add_documents(
                claim=claim,
                actor=request.user,
                data=form.document_data(),
                files=form.cleaned_data["files"],
            )
        except services.FilesRejected as exc:
            for problem in exc.problems:
                form.add_error("files", problem)
        except services.ClaimError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Documento aggiunto: la pratica torna all'esame degli operatori."))
            return redirect("portal:claim_detail", pk=pk)
    detail = owned_or_404(selectors.claim_detail_for_member(member=member, pk=pk))
    context = {"claim": detail, "member": member, "form": form, "suspension": _open_suspension(detail)}
    return render(request, "portal/claims/detail.html", context, status=400)


@require_http_methods(["GET", "POST"])
@member_view
def claim_cancel(request: MemberRequest, pk: int) -> HttpResponse:
    member = request.member
    claim = _claim(member, pk)
    return cancel_page(
        request,
        cancellable=claim.status == ClaimStatus.SUBMITTED,
        cancel=lambda: services.claim_cancel(claim=claim, actor=request.user),
        refused=_("Si può annullare solo una pratica nello stato «Trasmessa»."),
        done=_("Pratica %(id)s annullata.") % {"id": claim.pk},
        back=reverse("portal:claim_detail", args=[pk]),
        template="portal/claims/cancel.html",
        context={"claim": claim},
    )


@member_view
def attachment_download(request: MemberRequest, pk: int) -> HttpResponseBase:
    """Files only through this view: the owner only, as a download, never sniffed as HTML."""
    return stored_file_download(request, selectors.attachment_for_member(member=request.member, pk=pk))


@member_view
def claim_receipt(request: MemberRequest, pk: int) -> HttpResponse:
    from mutua.claims.receipts import receipt_pdf

    member = request.member
    claim = _claim(member, pk)
    if claim.status == ClaimStatus.DRAFT:
        raise Http404
    return pdf_download(receipt_pdf(claim=claim), filename=f"ricevuta-pratica-{claim.pk}.pdf")
