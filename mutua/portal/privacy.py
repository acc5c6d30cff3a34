"""The member's privacy pages: "I miei consensi" (history, giving and withdrawing the optional consents) and
"Scarica i miei dati" (a copy of all their data, GDPR art. 15 and 20)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from mutua.accounts.consents import consents_update
from mutua.accounts.requests import MemberRequest, member_view
from mutua.members.models import OPTIONAL_PURPOSES, ConsentPurpose
from mutua.members.selectors import consent_state, consents_for_member, privacy_notices
from mutua.privacy.models import ExportStatus
from mutua.privacy.selectors import data_export_downloadable, data_exports_for_member
from mutua.privacy.services import ExportError, data_export_downloaded, data_export_request

YES_NO = [("1", gettext_lazy("Acconsento")), ("0", gettext_lazy("Non acconsento"))]


class OptionalConsentsForm(forms.Form):
    """One explicit yes or no per optional purpose."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for purpose in OPTIONAL_PURPOSES:
            self.fields[purpose.value] = forms.ChoiceField(
                label=purpose.label,
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Indica se acconsenti o no."),
                    "invalid_choice": _("Scegli «Acconsento» o «Non acconsento»."),
                },
            )

    def choices(self) -> dict[ConsentPurpose, bool]:
        return {purpose: self.cleaned_data[purpose.value] == "1" for purpose in OPTIONAL_PURPOSES}


def _history(member_rows: list[Any]) -> list[Any]:
    """Label each row: a "no" after a "yes" on the same purpose is a withdrawal."""
    given_before: set[str] = set()
    for row in reversed(member_rows):  # oldest first
        row.withdrawal = not row.given and row.purpose in given_before
        if row.given:
            given_before.add(row.purpose)
        else:
            given_before.discard(row.purpose)
    return member_rows


@require_http_methods(["GET", "POST"])
@member_view
def consents(request: MemberRequest) -> HttpResponse:
    member = request.member
    state = consent_state(member=member)
    initial = {p.value: "1" if state[p.value] else "0" for p in OPTIONAL_PURPOSES}
    form = OptionalConsentsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        recorded = consents_update(member=member, choices=form.choices(), request=request)
        if recorded:
            messages.success(request, _("Le tue scelte sono state registrate."))
        else:
            messages.info(request, _("Non hai cambiato nessuna scelta."))
        return redirect("portal:consents")
    return render(
        request,
        "portal/privacy/consents.html",
        {
            "form": form,
            "service_given": state[ConsentPurpose.SERVICE],
            "service_label": ConsentPurpose.SERVICE.label,
            "history": _history(list(consents_for_member(member=member))),
            "notice": privacy_notices().only("version", "published_at").first(),
        },
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@member_view
def data_export(request: MemberRequest) -> HttpResponse:
    """ "Scarica i miei dati": GET lists the member's copies, POST asks for a new one (built by the worker)."""
    member = request.member
    if request.method == "POST":
        try:
            data_export_request(member=member, actor=request.user, request=request)
        except ExportError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Stiamo preparando la copia dei tuoi dati: ti avviseremo qui nell'area soci e per email quando "
                    "sarà pronta da scaricare."
                ),
            )
        return redirect("portal:data_export")
    exports = list(data_exports_for_member(member=member)[:10])
    now = timezone.now()
    for export in exports:
        export.downloadable = (  # type: ignore[attr-defined]
            export.status == ExportStatus.READY and export.expires_at is not None and export.expires_at > now
        )
    return render(
        request,
        "portal/privacy/data_export.html",
        {"exports": exports, "pending": any(e.status == ExportStatus.PENDING for e in exports)},
    )


@require_GET
@member_view
def data_export_download(request: MemberRequest, pk: int) -> HttpResponseBase:
    """The ZIP, to its member only, within its 7 days; afterwards a page says it expired."""
    member = request.member
    export = data_export_downloadable(member=member, pk=pk)
    if export is None:
        if not data_exports_for_member(member=member).filter(pk=pk).exists():
            raise Http404
        return render(request, "portal/privacy/data_export_expired.html", status=410)
    data_export_downloaded(export=export, actor=request.user, request=request)
    day = timezone.localtime(export.ready_at or timezone.now())
    response = FileResponse(export.file.open("rb"), as_attachment=True, filename=f"dati-{member.code}-{day:%Y%m%d}.zip")
    response["Content-Type"] = "application/zip"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
