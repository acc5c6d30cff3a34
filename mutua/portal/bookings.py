"""Member pages of "Prenota": instructions, the three steps on one draft page, the summary, the booking's page."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mutua.accounts.requests import MemberRequest, member_view
from mutua.bookings import selectors, services
from mutua.bookings.forms import DetailsForm, ServiceForm
from mutua.bookings.models import Booking, BookingStatus
from mutua.bookings.rules import earliest_appointment
from mutua.members.models import Member
from mutua.portal.owned import cancel_page, owned_or_404, pdf_download, stored_file_download
from mutua.providers.selectors import direct_form_providers


def _booking(member: Member, pk: int) -> Booking:
    return owned_or_404(selectors.booking_for_member(member=member, pk=pk))


def _draft(member: Member, pk: int) -> Booking:
    booking = _booking(member, pk)
    if booking.status != BookingStatus.DRAFT:
        raise Http404
    return booking


@require_http_methods(["GET", "POST"])
@member_view
def booking_start(request: MemberRequest) -> HttpResponse:
    """ "Istruzioni sul servizio di prenotazione"; "Inizia" creates (or resumes) the server-side draft."""
    member = request.member
    if request.method == "POST":
        draft = services.booking_draft_start(member=member, actor=request.user)
        return redirect("portal:booking_draft", pk=draft.pk)
    return render(
        request,
        "portal/bookings/start.html",
        {
            "draft": selectors.booking_draft_for_member(member=member),
            "earliest": earliest_appointment(timezone.localdate()),
        },
    )


def _draft_page(
    request: HttpRequest,
    member: Member,
    booking: Booking,
    *,
    details_form: DetailsForm | None = None,
    service_form: ServiceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "portal/bookings/draft.html",
        {
            "booking": booking,
            "details_form": details_form or DetailsForm(member=member, booking=booking),
            "service_form": service_form or ServiceForm(booking=booking),
            "attachments": list(booking.attachments.all()),
            "earliest": earliest_appointment(timezone.localdate()),
        },
        status=status,
    )


@require_GET
@member_view
def booking_draft(request: MemberRequest, pk: int) -> HttpResponse:
    member = request.member
    return _draft_page(request, member, _draft(member, pk))


@require_POST
@member_view
def booking_details(request: MemberRequest, pk: int) -> HttpResponse:
    """Step 1. "Aggiorna l'elenco" (without JavaScript) shows the providers of the chosen province, saving nothing."""
    member = request.member
    booking = _draft(member, pk)
    if "aggiorna" in request.POST:
        form = DetailsForm(member=member, initial=request.POST.dict())
        return _draft_page(request, member, booking, details_form=form)
    form = DetailsForm(request.POST, member=member)
    if form.is_valid():
        try:
            services.booking_set_details(booking=booking, actor=request.user, details=form.details())
        except services.BookingError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Dati preliminari salvati. Ora indica il tipo di prestazione."))
            return redirect(reverse("portal:booking_draft", args=[booking.pk]) + "#tipo-prestazione")
    return _draft_page(request, member, booking, details_form=form, status=400)


@require_POST
@member_view
def booking_document(request: MemberRequest, pk: int) -> HttpResponse:
    """Step 2, "Carica documento": on any error the page comes back with the fields kept and the problems marked."""
    member = request.member
    booking = _draft(member, pk)
    form = ServiceForm(request.POST, request.FILES)
    if form.is_valid():
        c = form.cleaned_data
        try:
            services.booking_set_service(
                booking=booking,
                actor=request.user,
                visit_type=c["visit_type"],
                description=c["description"],
                diagnosis=c["diagnosis"],
                files=c["files"],
            )
        except services.FilesRejected as exc:
            for problem in exc.problems:
                form.add_error("files", problem)
        except services.BookingError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Documento caricato: lo trovi in «Documenti»."))
            return redirect(reverse("portal:booking_draft", args=[booking.pk]) + "#documenti")
    booking.refresh_from_db()
    return _draft_page(request, member, booking, service_form=form, status=400)


@require_POST
@member_view
def booking_attachment_remove(request: MemberRequest, pk: int, att_pk: int) -> HttpResponse:
    member = request.member
    booking = _draft(member, pk)
    attachment = selectors.booking_attachment_for_member(member=member, pk=att_pk)
    if attachment is None or attachment.booking_id != booking.pk:
        raise Http404
    services.booking_attachment_remove(attachment=attachment, actor=request.user)
    messages.success(request, _("File «%(name)s» rimosso.") % {"name": attachment.original_name})
    return redirect(reverse("portal:booking_draft", args=[pk]) + "#documenti")


@require_GET
@member_view
def booking_provider_options(request: MemberRequest) -> JsonResponse:
    """The "Fornitore" list for a "Provincia fornitore", so the second list follows the first without reloading."""
    province = request.GET.get("provincia", "")[:2].upper()
    rows = direct_form_providers(province=province).values("pk", "name", "address", "city") if province else []
    return JsonResponse(
        {"providers": [{"id": r["pk"], "label": f"{r['name']} – {r['address']}, {r['city']}"} for r in rows]}
    )


@require_http_methods(["GET", "POST"])
@member_view
def booking_submit(request: MemberRequest, pk: int) -> HttpResponse:
    """GET: the summary with "Invio prenotazione" and "Annulla"; POST: one idempotent submission."""
    member = request.member
    if request.method == "POST":
        token = request.POST.get("token", "")
        try:
            uuid.UUID(token)
        except ValueError:
            raise Http404
        booking = _booking(member, pk)
        if str(booking.token) != token:
            raise Http404
        try:
            result = services.booking_submit(member=member, token=token, actor=request.user)
        except services.BookingError as exc:
            messages.error(request, exc.message)
            return redirect("portal:booking_draft", pk=pk)
        if not result.repeated:
            messages.success(
                request,
                _("Prenotazione n. %(id)s inviata. Scarica la ricevuta: la trovi anche in Lista pratiche.")
                % {"id": result.booking.pk},
            )
        return redirect("portal:booking_detail", pk=result.booking.pk)
    booking = _draft(member, pk)
    return render(
        request,
        "portal/bookings/submit.html",
        {"booking": booking, "attachments": list(booking.attachments.all())},
    )


@require_GET
@member_view
def booking_detail(request: MemberRequest, pk: int) -> HttpResponse:
    member = request.member
    booking = _booking(member, pk)
    if booking.status == BookingStatus.DRAFT:
        return redirect("portal:booking_draft", pk=pk)
    return render(request, "portal/bookings/detail.html", {"booking": booking})


@require_http_methods(["GET", "POST"])
@member_view
def booking_cancel(request: MemberRequest, pk: int) -> HttpResponse:
    """Confirm, then cancel: only while the booking is "Inviata"."""
    member = request.member
    booking = _booking(member, pk)
    if booking.status == BookingStatus.DRAFT:
        raise Http404
    return cancel_page(
        request,
        cancellable=booking.status == BookingStatus.SUBMITTED,
        cancel=lambda: services.booking_cancel(booking=booking, actor=request.user),
        refused=_("Si può annullare solo una prenotazione nello stato «Inviata»."),
        done=_("Prenotazione n. %(id)s annullata.") % {"id": booking.pk},
        back=reverse("portal:booking_detail", args=[pk]),
        template="portal/bookings/cancel.html",
        context={"booking": booking},
    )


@require_GET
@member_view
def booking_receipt(request: MemberRequest, pk: int) -> HttpResponse:
    from mutua.bookings.receipts import booking_receipt_pdf

    member = request.member
    booking = _booking(member, pk)
    if booking.status == BookingStatus.DRAFT:
        raise Http404
    return pdf_download(booking_receipt_pdf(booking=booking), filename=f"ricevuta-prenotazione-{booking.pk}.pdf")


@require_GET
@member_view
def booking_attachment_download(request: MemberRequest, pk: int) -> HttpResponseBase:
    """The prescription, only to its owner, as a download, never sniffed as HTML."""
    return stored_file_download(request, selectors.booking_attachment_for_member(member=request.member, pk=pk))
