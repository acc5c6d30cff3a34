"""Dati per la dichiarazione dei redditi: per year ("Cerca"), what the mutual communicates to the Agenzia delle
Entrate about the member and their family, with the claims behind each reimbursement, and "Stampa" (PDF). The
figures come from the same function as the yearly file (mutua.tax.figures)."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from mutua.accounts.requests import MemberRequest, member_view
from mutua.plans.selectors import deduction_cap_for
from mutua.tax.figures import EXPENSE_LABELS, MemberFigures, PersonFigures, Reimbursed, StrOrPromise
from mutua.tax.rows import member_figures
from mutua.tax.statement import person_label, tax_return_pdf

# The current year (still open) and the three before it.
YEARS_SHOWN = 4


@dataclass(frozen=True)
class PersonView:
    person: PersonFigures
    label: str
    lines: list[tuple[Reimbursed, StrOrPromise]]


class TaxYearForm(forms.Form):
    anno = forms.TypedChoiceField(
        label=gettext_lazy("Anno d'imposta"),
        coerce=int,
        error_messages={
            "required": gettext_lazy("Scegli l'anno dal menu a tendina."),
            "invalid_choice": gettext_lazy("Scegli uno degli anni del menu a tendina."),
        },
    )

    def __init__(self, *args: object, years: list[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["anno"].choices = [(str(y), str(y)) for y in years]  # type: ignore[attr-defined]


def _years() -> list[int]:
    today = timezone.localdate()
    return [today.year - n for n in range(YEARS_SHOWN)]


def _form(request: MemberRequest) -> TaxYearForm:
    years = _years()
    return TaxYearForm(request.GET if "anno" in request.GET else None, years=years, initial={"anno": str(years[1])})


def _figures(request: MemberRequest, year: int) -> MemberFigures | None:
    cap = deduction_cap_for(year=year)
    return member_figures(member=request.member, year=year, cap=cap.amount if cap else None)


@require_GET
@member_view
def tax_return(request: MemberRequest) -> HttpResponse:
    form = _form(request)
    figures, year = None, None
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["anno"]
        figures = _figures(request, year)
    persons: list[PersonView] = []
    if figures is not None:
        persons = [
            PersonView(
                person=p,
                label=person_label(p),
                lines=[(line, EXPENSE_LABELS.get(line.expense_type, line.expense_type)) for line in p.reimbursed_lines],
            )
            for p in figures.persons
        ]
    return render(
        request,
        "portal/membership/tax_return.html",
        {
            "form": form,
            "year": year,
            "figures": figures,
            "persons": persons,
            "contributors": [row for row in persons if row.person.contributions],
            "reimbursed": [row for row in persons if row.lines],
            "open_year": year is not None and year >= timezone.localdate().year,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@require_GET
@member_view
def tax_return_pdf_view(request: MemberRequest) -> HttpResponse:
    form = _form(request)
    if not form.is_bound or not form.is_valid():
        if not form.is_bound:
            form = TaxYearForm({}, years=_years())
            form.is_valid()
        return render(
            request,
            "portal/membership/tax_return.html",
            {"form": form, "figures": None, "year": None, "persons": []},
            status=400,
        )
    year = form.cleaned_data["anno"]
    content = tax_return_pdf(
        member=request.member, year=year, figures=_figures(request, year), today=timezone.localdate()
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="dati-dichiarazione-redditi-{year}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
