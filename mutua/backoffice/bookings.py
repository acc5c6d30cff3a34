"""The operators' pages for direct-form bookings: worklist, review with the prescription files, and the two
confirm-then-act moves (take in charge with an authorization, refuse with a reason).

Every booking and file comes through the operator-scoped lookups of mutua.backoffice.permissions; every read
of a member's booking or prescription writes an AuditEvent the member sees in "Accessi ai miei dati".
"""

from __future__ import annotations

from csp.constants import NONE, SELF
from csp.decorators import csp_replace
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods

from mutua.accounts.requests import SignedInRequest
from mutua.audit.services import audit_record
from mutua.backoffice.forms import BookingTakeForm, ReasonForm
from mutua.backoffice.permissions import (
    Action,
    backoffice_view,
    booking_attachment_for_operator_or_404,
    booking_for_operator_or_404,
    bookings_for_operator,
    can,
)
from mutua.backoffice.views import PAGE_SIZE, inline_file_response
from mutua.bookings import selectors as booking_selectors
from mutua.bookings import services
from mutua.bookings.models import Booking, BookingStatus
from mutua.plans.selectors import member_standing


@backoffice_view()
@require_GET
def booking_worklist(request: SignedInRequest) -> HttpResponse:
    """Bookings by status ("Inviata" first: those to work), oldest sent first, with counts per status."""
    user = request.user
    status = request.GET.get("stato") or BookingStatus.SUBMITTED
    if status not in booking_selectors.BOOKING_WORKLIST_STATUSES:
        status = BookingStatus.SUBMITTED
    page = Paginator(
        booking_selectors.booking_worklist(bookings=bookings_for_operator(user=user), status=status), PAGE_SIZE
    ).get_page(request.GET.get("pagina"))
    counts = booking_selectors.booking_worklist_counts(bookings=bookings_for_operator(user=user))
    statuses = [(value, BookingStatus(value).label, n) for value, n in counts.items()]
    return render(
        request,
        "backoffice/bookings.html",
        {
            "status": status,
            "page": page,
            "statuses": statuses,
            "now": timezone.now(),
            "can_book": can(user, Action.BOOK),
        },
    )


@backoffice_view()
@require_GET
def booking_review(request: SignedInRequest, pk: int) -> HttpResponse:
    """Everything needed to authorize a booking; the visit is written in the member's access log."""
    user = request.user
    booking = booking_selectors.booking_review(bookings=bookings_for_operator(user=user), pk=pk)
    if booking is None:
        raise Http404
    member = booking.member
    audit_record(action="backoffice.booking_view", actor=user, member=member, request=request, booking=booking.pk)
    may_decide = can(user, Action.BOOK) and booking.status == BookingStatus.SUBMITTED
    return render(
        request,
        "backoffice/booking_review.html",
        {
            "booking": booking,
            "member": member,
            "beneficiaries": list(member.beneficiaries.all()),
            "standing": member_standing(member=member),
            "may_decide": may_decide,
        },
    )


@backoffice_view()
@require_GET
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": [SELF], "object-src": [SELF], "default-src": [NONE], "img-src": [SELF]})  # type: ignore[arg-type]
def booking_attachment_inline(request: SignedInRequest, pk: int) -> HttpResponseBase:
    """A prescription's file shown inside the booking review page; each view is an audited access."""
    user = request.user
    attachment = booking_attachment_for_operator_or_404(user=user, pk=pk)
    booking = attachment.booking
    audit_record(
        action="backoffice.booking_attachment_view",
        actor=user,
        member=booking.member,
        request=request,
        booking=booking.pk,
        attachment=attachment.pk,
    )
    return inline_file_response(request, attachment)


def _decided(request: HttpRequest, booking: Booking, exc: services.BookingError) -> HttpResponse:
    messages.error(request, exc.message)
    return redirect("backoffice:booking_review", pk=booking.pk)


@backoffice_view(Action.BOOK)
@require_http_methods(["GET", "POST"])
def booking_take(request: SignedInRequest, pk: int) -> HttpResponse:
    """ "Prendi in carico": GET asks for the authorization, POST records it and tells the member."""
    user = request.user
    booking = booking_for_operator_or_404(user=user, pk=pk)
    if request.method != "POST":
        form = BookingTakeForm(appointment=booking.appointment_date)
        return render(request, "backoffice/booking_take.html", {"booking": booking, "form": form})
    form = BookingTakeForm(request.POST, appointment=booking.appointment_date)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.booking_take_in_charge(
                booking=booking,
                actor=user,
                authorization_code=data["authorization_code"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                member_share=data["member_share"],
            )
        except services.InvalidTransition as exc:
            return _decided(request, booking, exc)
        except services.BookingError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("Prenotazione n. %(id)s presa in carico: il socio è stato avvisato.") % {"id": booking.pk}
            )
            return redirect("backoffice:booking_review", pk=booking.pk)
    return render(request, "backoffice/booking_take.html", {"booking": booking, "form": form}, status=400)


@backoffice_view(Action.BOOK)
@require_http_methods(["GET", "POST"])
def booking_refuse(request: SignedInRequest, pk: int) -> HttpResponse:
    """ "Rifiuta": GET asks for the reason the member will read, POST refuses the booking."""
    user = request.user
    booking = booking_for_operator_or_404(user=user, pk=pk)
    if request.method != "POST":
        return render(request, "backoffice/booking_refuse.html", {"booking": booking, "form": ReasonForm()})
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.booking_refuse(booking=booking, actor=user, reason=form.cleaned_data["reason"])
        except services.InvalidTransition as exc:
            return _decided(request, booking, exc)
        except services.BookingError as exc:
            form.add_error("reason", exc.message)
        else:
            messages.success(
                request, _("Prenotazione n. %(id)s rifiutata: il socio è stato avvisato.") % {"id": booking.pk}
            )
            return redirect("backoffice:booking_review", pk=booking.pk)
    return render(request, "backoffice/booking_refuse.html", {"booking": booking, "form": form}, status=400)
