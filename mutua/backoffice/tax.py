"""Comunicazione all'Agenzia delle Entrate (supervisors and administrators): per year, the totals and anomalies of
the file, its preparation in the background, the download, "mark as sent" with the receipt's protocol, and after
that a replacing or cancelling communication. The pages name members and their codici fiscali: reads are audited."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from mutua.accounts.requests import SignedInRequest
from mutua.audit.services import audit_record
from mutua.backoffice.permissions import Action, backoffice_view
from mutua.core.formatting import format_eur
from mutua.tax import selectors, services
from mutua.tax.figures import EXPENSE_LABELS
from mutua.tax.models import CommunicationStatus, TaxCommunication
from mutua.tax.writer import AnomalyKind

# How many closed years the list offers.
YEARS_LISTED = 5
ANOMALY_LABELS = {
    AnomalyKind.INVALID_CF: gettext_lazy("Codice fiscale mancante o non valido: escluso dal file"),
    AnomalyKind.NEGATIVE: gettext_lazy("Importo negativo: escluso dal file"),
    AnomalyKind.OVER_EXPENSE: gettext_lazy("Rimborso superiore alla spesa: da verificare"),
}


class ProtocolForm(forms.Form):
    protocol = forms.CharField(
        label=gettext_lazy("Protocollo della ricevuta dell'Agenzia"),
        max_length=24,
        help_text=gettext_lazy(
            "Come appare sulla ricevuta di Entratel o Fisconline, per esempio 26031612345678901-000001."
        ),
        error_messages={
            "required": gettext_lazy("Scrivi il protocollo della ricevuta."),
            "max_length": gettext_lazy("Il protocollo ha al massimo 24 caratteri."),
        },
    )


@backoffice_view(Action.TAX)
@require_GET
def tax_years(request: SignedInRequest) -> HttpResponse:
    """The last closed years, each with the state of its communication."""
    first = timezone.localdate().year - 1
    years = [y for y in range(first, first - YEARS_LISTED, -1) if y >= services.FIRST_YEAR]
    latest = selectors.latest_by_year(years=years)
    return render(request, "backoffice/tax_years.html", {"rows": [(y, latest.get(y)) for y in years]})


def _year_page(
    request: SignedInRequest, year: int, *, form: ProtocolForm | None = None, status: int = 200
) -> HttpResponse:
    versions = list(selectors.communications_of_year(year=year))
    current = selectors.communication_in_progress(versions=versions)
    sent = selectors.communication_sent(versions=versions)
    if current is not None and current.status == CommunicationStatus.READY:
        audit_record(action="tax.year_view", actor=request.user, request=request, year=year, communication=current.pk)
    return render(
        request,
        "backoffice/tax_year.html",
        {
            "year": year,
            "problem": services.year_problem(year=year),
            "versions": versions,
            "current": current,
            "sent": sent,
            "anomaly_counts": [
                (ANOMALY_LABELS.get(k, k), n) for k, n in (current.anomaly_counts.items() if current else [])
            ],
            "anomalies": [
                (ANOMALY_LABELS.get(a["kind"], a["kind"]), a) for a in (current.anomalies if current else [])
            ],
            "form": form or ProtocolForm(),
            "totals": _totals(current),
            "changes": _changes(current),
            "by_expense": _by_expense(current),
        },
        status=status,
    )


def _totals(c: TaxCommunication | None) -> list[tuple[str, str]]:
    if c is None or c.status != CommunicationStatus.READY:
        return []
    t = c.totals

    def eur(key: str) -> str:
        return format_eur(Decimal(t.get(key) or "0"))

    return [
        (_("Persone comunicate (record di dettaglio)"), str(t.get("details", 0))),
        (_("Contributi versati nell'anno, relativi all'anno"), eur("contributions_same_year")),
        (_("Contributi versati nell'anno, relativi ad anni precedenti"), eur("contributions_earlier_years")),
        (_("Rimborsi di spese dell'anno"), eur("reimbursed_same_year")),
        (_("Rimborsi di spese di anni precedenti"), eur("reimbursed_earlier_years")),
        (_("Contributi esclusi dal file"), eur("excluded_contributions")),
        (_("Rimborsi esclusi dal file"), eur("excluded_reimbursements")),
    ]


def _by_expense(c: TaxCommunication | None) -> list[tuple[str, str, str]]:
    if c is None or c.status != CommunicationStatus.READY:
        return []
    labels = dict(EXPENSE_LABELS)
    out = []
    for key, amount in (c.totals.get("by_expense") or {}).items():
        expense_year, _sep, kind = key.partition("/")
        out.append((expense_year, str(labels.get(kind, kind)), format_eur(Decimal(amount))))
    return out


FIELD_LABELS = {
    "contributions_same_year": gettext_lazy("contributi relativi all'anno"),
    "contributions_earlier_years": gettext_lazy("contributi relativi ad anni precedenti"),
    "spent_same_year": gettext_lazy("spese dell'anno"),
    "reimbursed_same_year": gettext_lazy("rimborsi di spese dell'anno"),
    "spent_earlier_years": gettext_lazy("spese di anni precedenti"),
    "reimbursed_earlier_years": gettext_lazy("rimborsi di spese di anni precedenti"),
}


def _changes(c: TaxCommunication | None) -> list[tuple[dict[str, object], list[str]]]:
    """Each changed person with its changed figures in words: "rimborsi di spese dell'anno: € 150,00 → € 0,00"."""
    if c is None or c.status != CommunicationStatus.READY:
        return []
    out = []
    for change in c.changes:
        lines = [
            f"{FIELD_LABELS.get(name, name)}: {format_eur(Decimal(before) / 100)} → {format_eur(Decimal(after) / 100)}"
            for name, before, after in change.get("fields", [])
        ]
        out.append((change, lines))
    return out


@backoffice_view(Action.TAX)
@require_GET
def tax_year(request: SignedInRequest, year: int) -> HttpResponse:
    return _year_page(request, year)


@backoffice_view(Action.TAX)
@require_http_methods(["POST"])
def tax_generate(request: SignedInRequest, year: int) -> HttpResponse:
    """Start preparing the year's file (or, with `annulla`, a cancelling one); the page shows the progress."""
    cancel = request.POST.get("annulla") == "1"
    try:
        services.communication_start(year=year, actor=request.user, cancel=cancel)
    except services.TaxCommunicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Preparazione avviata: la pagina mostra l'avanzamento."))
    return redirect("backoffice:tax_year", year=year)


def _communication_or_404(pk: int) -> TaxCommunication:
    communication = selectors.communication_by_pk(pk=pk)
    if communication is None:
        raise Http404
    return communication


@backoffice_view(Action.TAX)
@require_GET
def tax_download(request: SignedInRequest, pk: int) -> FileResponse:
    """The file exactly as it was prepared; every download is audited."""
    communication = _communication_or_404(pk)
    if not communication.file:
        raise Http404
    audit_record(
        action="tax.file_download", actor=request.user, request=request, year=communication.year, communication=pk
    )
    response = FileResponse(
        communication.file.open("rb"), as_attachment=True, filename=communication.file_name, content_type="text/plain"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@backoffice_view(Action.TAX)
@require_http_methods(["POST"])
def tax_mark_sent(request: SignedInRequest, pk: int) -> HttpResponse:
    """Record the protocol of the Agenzia's receipt for the version waiting to be sent."""
    communication = _communication_or_404(pk)
    form = ProtocolForm(request.POST)
    if form.is_valid():
        try:
            services.communication_mark_sent(
                communication=communication, protocol=form.cleaned_data["protocol"], actor=request.user
            )
        except services.TaxCommunicationError as exc:
            form.add_error("protocol", exc.message)
        else:
            messages.success(
                request,
                _("Versione %(version)s del %(year)s segnata come inviata.")
                % {"version": communication.version, "year": communication.year},
            )
            return redirect("backoffice:tax_year", year=communication.year)
    return _year_page(request, communication.year, form=form, status=400)
