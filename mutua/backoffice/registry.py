"""Importazione dal registro (supervisors and administrators): upload a registry file, read the dry run's summary
and first errors, confirm; the worker imports it while the page shows its progress (it reloads itself while the
run is in progress); every run is listed with who, when, the file's SHA-256, the counts and the error file."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mutua.accounts.requests import SignedInRequest
from mutua.audit.services import audit_record
from mutua.backoffice.permissions import Action, backoffice_view
from mutua.registry import runs
from mutua.registry.files import RegistryFileError
from mutua.registry.models import RegistryRun
from mutua.registry.services import ENTITIES, ENTITY_LABELS, registry_open

HISTORY = 50


class RegistryUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File del registro (CSV o JSON)"),
        help_text=gettext_lazy(
            "Un file per tipo: il nome inizia con sedi, forme, soci, familiari, adesioni o contributi. "
            "Il formato è descritto nella documentazione dell'importazione."
        ),
        error_messages={
            "required": gettext_lazy("Scegli il file da importare."),
            "empty": gettext_lazy("Il file è vuoto."),
        },
    )
    entity = forms.ChoiceField(
        label=gettext_lazy("Contenuto"),
        required=False,
        choices=[("", gettext_lazy("Dal nome del file")), *((e, ENTITY_LABELS[e]) for e in ENTITIES)],
    )
    full = forms.BooleanField(
        label=gettext_lazy("È l'elenco completo dei soci: segnala quelli che non vi compaiono (nessuno è cancellato)"),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload: UploadedFile[bytes] | None = data.get("file")
        if upload is None:
            return data
        if upload.size and upload.size > settings.REGISTRY_IMPORT_MAX_MB * 1024 * 1024:
            self.add_error(
                "file",
                _("Il file è troppo grande: il massimo è %(max)d MB.") % {"max": settings.REGISTRY_IMPORT_MAX_MB},
            )
            return data
        name = Path(upload.name or "registro.csv").name
        with tempfile.TemporaryDirectory(prefix="registro-") as directory:
            path = Path(directory) / name
            with path.open("wb") as local:
                for chunk in upload.chunks():
                    local.write(chunk)
            try:
                source = registry_open(path=path, entity=data.get("entity") or None)
            except RegistryFileError as exc:
                self.add_error("file", exc.message)
                return data
        upload.seek(0)
        data["entity"] = source.entity
        if data.get("full") and source.entity not in ("members", "people"):
            self.add_error("full", _("Solo un file di soci può essere l'elenco completo."))
        return data


@backoffice_view(Action.REGISTRY)
@require_http_methods(["GET", "POST"])
def registry_runs(request: SignedInRequest) -> HttpResponse:
    """The upload form and the history of imports."""
    form = RegistryUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload: UploadedFile[bytes] = form.cleaned_data["file"]
            run = runs.registry_run_create(
                stream=upload.file,  # type: ignore[arg-type]
                file_name=Path(upload.name or "registro.csv").name,
                size=upload.size or 0,
                entity=form.cleaned_data["entity"],
                full=form.cleaned_data["full"],
                actor=request.user,
            )
            messages.info(request, _("File caricato: la verifica è in corso."))
            return redirect("backoffice:registry_run", pk=run.pk)
    history = RegistryRun.objects.select_related("created_by", "confirmed_by")[:HISTORY]
    return render(request, "backoffice/registry_runs.html", {"form": form, "runs": history}, status=status)


@backoffice_view(Action.REGISTRY)
@require_GET
def registry_run(request: SignedInRequest, pk: int) -> HttpResponse:
    """One run: the check's summary and the confirm button, the progress while it runs, the outcome."""
    run = runs.run_with_progress(
        get_object_or_404(RegistryRun.objects.select_related("created_by", "confirmed_by"), pk=pk)
    )
    return render(
        request,
        "backoffice/registry_run.html",
        {"run": run, "entity_label": ENTITY_LABELS.get(run.entity, run.entity)},
    )


@backoffice_view(Action.REGISTRY)
@require_POST
def registry_run_confirm(request: SignedInRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(RegistryRun, pk=pk)
    try:
        runs.registry_run_confirm(run=run, actor=request.user)
    except runs.RunError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Importazione confermata: è in corso."))
    return redirect("backoffice:registry_run", pk=run.pk)


@backoffice_view(Action.REGISTRY)
@require_GET
def registry_run_errors(request: SignedInRequest, pk: int) -> FileResponse:
    """The run's error file (it quotes the rejected cells: every download is audited)."""
    run = get_object_or_404(RegistryRun, pk=pk)
    if not run.error_file:
        raise Http404
    audit_record(action="registry.errors_download", actor=request.user, request=request, run=run.pk)
    response = FileResponse(
        run.error_file.open("rb"), as_attachment=True, filename=f"errori-registro-{run.pk}.csv", content_type="text/csv"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
