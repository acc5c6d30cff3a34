"""Member pages of "Adesioni e contributi" (Adesioni, Certificazioni, Tessera) and "Riepilogo sussidi ricevuti"."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from mutua.accounts.requests import MemberRequest, member_view
from mutua.claims.certificates import subsidy_certificate_pdf, subsidy_lines, subsidy_years
from mutua.claims.selectors import SubsidyBasis, subsidies_received
from mutua.core import ratelimit
from mutua.documents.views import VERIFY_IP_LIMIT, VERIFY_PERIOD
from mutua.members.models import Member
from mutua.plans import selectors
from mutua.plans.card import CardData, card_data, card_member_id, card_pdf, card_svg, card_valid_on
from mutua.plans.certificates import contribution_certificate_pdf


def _pdf(content: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# Adesioni


@require_GET
@member_view
def enrollments(request: MemberRequest) -> HttpResponse:
    """Each plan with the date it is active from, its family members, and the contributions' regularity by year."""
    member = request.member
    today = timezone.localdate()
    rows = [
        {
            "enrollment": enrollment,
            "active": selectors.enrollment_is_active(enrollment=enrollment, on=today),
            "standing": selectors.contribution_regularity(contributions=enrollment.contributions.all(), today=today),
        }
        for enrollment in selectors.enrollments_for_member(member=member)
    ]
    return render(request, "portal/membership/enrollments.html", {"member": member, "rows": rows})


# Certificazioni contributi


@require_GET
@member_view
def certificates(request: MemberRequest) -> HttpResponse:
    member = request.member
    years = selectors.certificate_years(today=timezone.localdate())
    return render(request, "portal/membership/certificates.html", {"member": member, "years": years})


@require_GET
@member_view
def certificate_pdf(request: MemberRequest, year: int) -> HttpResponse:
    member = request.member
    today = timezone.localdate()
    if year not in selectors.certificate_years(today=today):
        raise Http404
    summary = selectors.contribution_certificate_for(member=member, year=year)
    content = contribution_certificate_pdf(member=member, summary=summary, today=today)
    return _pdf(content, f"certificazione-contributi-{year}.pdf")


# Tessera


def _card(member: Member) -> CardData:
    today = timezone.localdate()
    return card_data(member=member, enrollments=selectors.active_enrollments(member=member, on=today), today=today)


@require_GET
@member_view
def card(request: MemberRequest) -> HttpResponse:
    member = request.member
    active = selectors.active_enrollments(member=member, on=timezone.localdate()).exists()
    return render(request, "portal/membership/card.html", {"member": member, "active": active})


@require_GET
@member_view
def card_download(request: MemberRequest) -> HttpResponse:
    member = request.member
    data = _card(member)
    if not data.valid:
        raise Http404
    return _pdf(card_pdf(data=data), f"tessera-{member.code}.pdf")


@require_GET
@member_view
def card_preview(request: MemberRequest) -> HttpResponse:
    """The card as an SVG image, for the preview on the Tessera page."""
    member = request.member
    data = _card(member)
    if not data.valid:
        raise Http404
    title = _("Anteprima della tessera associativa di %(name)s") % {"name": member.full_name}
    stacked = request.GET.get("disposizione") == "verticale"
    response = HttpResponse(
        card_svg(data=data, title=title, stacked=stacked), content_type="image/svg+xml; charset=utf-8"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def initials(member: Member) -> str:
    """ "M. R.": all a public check may say about who holds a card."""
    return " ".join(f"{name.strip()[:1].upper()}." for name in (member.first_name, member.last_name) if name.strip())


@login_not_required
@require_GET
def card_check(request: HttpRequest, token: str) -> HttpResponse:
    """The public page the QR code of a membership card opens: valid today or not, and the holder's initials;
    nothing else. An altered link is simply "not valid". Rate-limited like the code check, so links cannot be swept.
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


# Riepilogo sussidi ricevuti


class SubsidySearchForm(forms.Form):
    tipo = forms.ChoiceField(
        label=gettext_lazy("Visualizza i sussidi ricevuti per"),
        choices=SubsidyBasis.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Scegli se cercare per anno di competenza o per anno di pagamento."),
            "invalid_choice": gettext_lazy("Scegli se cercare per anno di competenza o per anno di pagamento."),
        },
    )
    anno = forms.TypedChoiceField(
        label=gettext_lazy("Anno"),
        coerce=int,
        error_messages={
            "required": gettext_lazy("Scegli l'anno dal menu a tendina."),
            "invalid_choice": gettext_lazy("Scegli uno degli anni del menu a tendina."),
        },
    )

    def __init__(self, *args: object, years: list[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["anno"].choices = [(str(y), str(y)) for y in years]  # type: ignore[attr-defined]


@member_view
def _subsidy_search(request: MemberRequest) -> tuple[Member, SubsidySearchForm]:
    member = request.member
    years = subsidy_years(today=timezone.localdate())
    searched = "anno" in request.GET or "tipo" in request.GET
    form = SubsidySearchForm(
        request.GET if searched else None,
        years=years,
        initial={"tipo": SubsidyBasis.COMPETENCE, "anno": str(years[0])},
    )
    return member, form


@require_GET
def subsidies_summary(request: HttpRequest) -> HttpResponse:
    """Search by competence or payment year ("Cerca"), list the subsidies received, and offer "Stampa"."""
    member, form = _subsidy_search(request)
    lines = None
    basis_label = ""
    if form.is_bound and form.is_valid():
        basis_label = str(SubsidyBasis(form.cleaned_data["tipo"]).label).lower()
        settlements = subsidies_received(member=member, basis=form.cleaned_data["tipo"], year=form.cleaned_data["anno"])
        lines = subsidy_lines(member=member, settlements=list(settlements))
    return render(
        request,
        "portal/membership/subsidies.html",
        {
            "member": member,
            "form": form,
            "lines": lines,
            "basis_label": basis_label,
            "total_spent": sum(line.amount_spent for line in lines) if lines else None,
            "total_paid": sum(line.amount_paid for line in lines) if lines else None,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@require_GET
def subsidies_certificate(request: HttpRequest) -> HttpResponse:
    """ "Stampa": the certificate of the selection searched; a bad selection goes back to the search with errors."""
    member, form = _subsidy_search(request)
    if not form.is_bound or not form.is_valid():
        if not form.is_bound:
            form = SubsidySearchForm({}, years=subsidy_years(today=timezone.localdate()))
            form.is_valid()
        return render(
            request, "portal/membership/subsidies.html", {"member": member, "form": form, "lines": None}, status=400
        )
    basis, year = form.cleaned_data["tipo"], form.cleaned_data["anno"]
    lines = subsidy_lines(member=member, settlements=list(subsidies_received(member=member, basis=basis, year=year)))
    content = subsidy_certificate_pdf(member=member, basis=basis, year=year, lines=lines, today=timezone.localdate())
    return _pdf(content, f"certificazione-sussidi-{basis}-{year}.pdf")
