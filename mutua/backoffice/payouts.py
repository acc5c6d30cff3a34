"""Payment batches in the back office (supervisors and administrators): pick settled claims, download the SEPA
file, confirm the payment or delete a draft. Creating a batch moves no money; confirming and deleting are
confirm-then-act pages. Every page shows members' names and IBANs, so every read is audited."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from mutua.accounts.requests import SignedInRequest
from mutua.audit.services import audit_record
from mutua.backoffice.permissions import Action, backoffice_view, claims_for_operator
from mutua.claims.models import Claim
from mutua.payouts import exports, selectors, services
from mutua.payouts.models import BatchStatus, PaymentBatch
from mutua.payouts.sepa import is_target_day, next_target_day


class BatchCreateForm(forms.Form):
    claims = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Pratiche da pagare"),
        queryset=Claim.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": gettext_lazy("Scegli almeno una pratica liquidata."),
            "invalid_choice": gettext_lazy("Una delle pratiche scelte non è più da pagare: aggiorna la pagina."),
            "invalid_pk_value": gettext_lazy("Una delle pratiche scelte non è più da pagare: aggiorna la pagina."),
        },
    )
    execution_date = forms.DateField(
        label=gettext_lazy("Data di esecuzione"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy(
            "Un giorno lavorativo TARGET: non sabato, domenica, 1° gennaio, Venerdì Santo, "
            "Lunedì dell'Angelo, 1° maggio, 25 e 26 dicembre."
        ),
        error_messages={
            "required": gettext_lazy("Indica la data di esecuzione."),
            "invalid": gettext_lazy("Scrivi una data valida, gg/mm/aaaa."),
        },
    )

    def __init__(self, *args: object, claims: object, **kwargs: object) -> None:
        kwargs.setdefault("initial", {"execution_date": next_target_day(timezone.localdate() + dt.timedelta(days=1))})
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["claims"].queryset = claims  # type: ignore[attr-defined]
        self.fields["claims"].label_from_instance = lambda c: f"{c.pk}"  # type: ignore[attr-defined]

    def clean_execution_date(self) -> dt.date:
        value: dt.date = self.cleaned_data["execution_date"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("La data di esecuzione non può essere nel passato."))
        if not is_target_day(value):
            raise forms.ValidationError(
                _("Il %(date)s il sistema TARGET è chiuso: il primo giorno utile è il %(next)s.")
                % {"date": f"{value:%d/%m/%Y}", "next": f"{next_target_day(value):%d/%m/%Y}"}
            )
        return value


@backoffice_view(Action.PAY)
@require_http_methods(["GET", "POST"])
def payouts(request: SignedInRequest) -> HttpResponse:
    """Settled claims waiting to be paid (to choose for a new batch) and the batches made so far."""
    user = request.user
    to_pay = selectors.claims_to_pay(claims=claims_for_operator(user=user))
    form = BatchCreateForm(request.POST if request.method == "POST" else None, claims=to_pay)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                batch = services.batch_create(
                    claims=list(form.cleaned_data["claims"]),
                    execution_date=form.cleaned_data["execution_date"],
                    actor=user,
                )
            except services.PayoutError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("Distinta n. %(id)s creata: scarica il file SEPA e invialo alla banca.") % {"id": batch.pk},
                )
                return redirect("backoffice:payout_batch", pk=batch.pk)
    rows = list(to_pay)
    audit_record(action="payouts.list_view", actor=user, request=request, claims=[c.pk for c in rows])
    return render(
        request,
        "backoffice/payouts.html",
        {"form": form, "rows": rows, "batches": list(selectors.batches()[:50]), "year": timezone.localdate().year},
        status=status,
    )


def _batch_or_404(pk: int) -> PaymentBatch:
    batch = selectors.batch_detail(pk=pk)
    if batch is None:
        raise Http404
    return batch


def _batch_page(request: HttpRequest, template: str, batch: PaymentBatch, page: str) -> HttpResponse:
    """A page listing the batch's payees (names, IBANs, amounts): the read is audited like a claim's."""
    audit_record(action="payouts.batch_view", actor=request.user, request=request, batch=batch.pk, page=page)
    return render(request, template, {"batch": batch, "items": list(batch.items.all())})


@backoffice_view(Action.PAY)
@require_GET
def payouts_export(request: SignedInRequest) -> StreamingHttpResponse:
    """Claims, settlements or payments of a year as CSV, for the accounting; every export is audited."""
    kind = request.GET.get("tipo", "")
    basis = request.GET.get("anno_di", "payment")
    try:
        year = int(request.GET.get("anno", ""))
    except ValueError:
        raise Http404
    if kind not in exports.KINDS or basis not in ("payment", "competence") or not 1950 <= year <= 2100:
        raise Http404
    audit_record(action="payouts.export", actor=request.user, request=request, kind=kind, year=year, basis=basis)
    response = StreamingHttpResponse(
        exports.export_lines(kind=kind, year=year, basis=basis),  # type: ignore[arg-type]
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{kind}-{year}-{basis}.csv"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@backoffice_view(Action.PAY)
@require_GET
def payout_batch(request: SignedInRequest, pk: int) -> HttpResponse:
    return _batch_page(request, "backoffice/payout_batch.html", _batch_or_404(pk), "batch")


@backoffice_view(Action.PAY)
@require_GET
def payout_download(request: SignedInRequest, pk: int) -> HttpResponse:
    """The SEPA file exactly as it was built for the batch; every download is audited."""
    batch = _batch_or_404(pk)
    audit_record(action="payouts.file_download", actor=request.user, request=request, batch=batch.pk)
    response = HttpResponse(batch.sepa_xml.encode(), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="distinta-{batch.pk}-{batch.execution_date:%Y%m%d}.xml"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@backoffice_view(Action.PAY)
@require_http_methods(["GET", "POST"])
def payout_confirm(request: SignedInRequest, pk: int) -> HttpResponse:
    """GET: what confirming will do. POST: the claims of the batch become "Pagata" on its execution date."""
    batch = _batch_or_404(pk)
    if request.method == "POST":
        try:
            services.batch_confirm(batch=batch, actor=request.user)
        except services.PayoutError as exc:
            messages.error(request, exc.message)
            return _back_to_batch(batch)
        messages.success(request, _("Distinta n. %(id)s confermata: le pratiche risultano pagate.") % {"id": batch.pk})
        return redirect("backoffice:payout_batch", pk=batch.pk)
    if batch.status != BatchStatus.DRAFT:
        messages.error(request, _("La distinta n. %(id)s è già stata confermata.") % {"id": batch.pk})
        return redirect("backoffice:payout_batch", pk=batch.pk)
    return _batch_page(request, "backoffice/payout_confirm.html", batch, "confirm")


@backoffice_view(Action.PAY)
@require_http_methods(["GET", "POST"])
def payout_delete(request: SignedInRequest, pk: int) -> HttpResponse:
    """GET: what deleting a draft batch will do. POST: the batch and its file are gone, its claims are to pay again."""
    batch = _batch_or_404(pk)
    if request.method == "POST":
        try:
            services.batch_delete(batch=batch, actor=request.user)
        except services.PayoutError as exc:
            messages.error(request, exc.message)
            return _back_to_batch(batch)
        messages.success(
            request,
            _("Distinta n. %(id)s eliminata: le sue pratiche sono di nuovo tra quelle da pagare.") % {"id": pk},
        )
        return redirect("backoffice:payouts")
    if batch.status != BatchStatus.DRAFT:
        messages.error(
            request, _("La distinta n. %(id)s è già stata confermata: non si può eliminare.") % {"id": batch.pk}
        )
        return redirect("backoffice:payout_batch", pk=batch.pk)
    return _batch_page(request, "backoffice/payout_delete.html", batch, "delete")


def _back_to_batch(batch: PaymentBatch) -> HttpResponse:
    """After a refused move: the batch page, or the payouts page when another supervisor deleted the batch."""
    if not selectors.batches().filter(pk=batch.pk).exists():
        return redirect("backoffice:payouts")
    return redirect("backoffice:payout_batch", pk=batch.pk)
