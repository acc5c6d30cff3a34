"""The nightly registry import: the newest file of each entity in REGISTRY_IMPORT_DIR, each imported once (a file
whose SHA-256 was already imported is skipped), in the entities' order; the supervisors get a summary by e-mail
(counts and links to the runs, never a member's data)."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from mutua.accounts.models import Role, User
from mutua.notifications.outbox import email_queue
from mutua.registry.files import RegistryFileError
from mutua.registry.models import RegistryRun, RunSource, RunStatus
from mutua.registry.runs import file_sha256, registry_run_create, registry_run_execute
from mutua.registry.services import ENTITIES, FILE_PREFIXES, registry_open

logger = logging.getLogger(__name__)
SUFFIXES = (".csv", ".json", ".txt")


def newest_files(directory: Path) -> list[tuple[str, Path]]:
    """Per entity, the most recently modified file whose name says it holds that entity; in import order."""
    newest: dict[str, Path] = {}
    for path in directory.iterdir():
        if not path.is_file() or path.suffix.lower() not in SUFFIXES:
            continue
        stem = path.stem.lower()
        entity = next((e for e, prefixes in FILE_PREFIXES.items() if stem.startswith(prefixes)), None)
        if entity and (entity not in newest or path.stat().st_mtime > newest[entity].stat().st_mtime):
            newest[entity] = path
    return [(entity, newest[entity]) for entity in ENTITIES if entity in newest]


def registry_nightly_import(*, directory: Path) -> list[RegistryRun]:
    """Import each new file (by hash) and e-mail the supervisors what happened; returns the runs made."""
    runs: list[RegistryRun] = []
    for entity, path in newest_files(directory):
        with path.open("rb") as stream:
            sha256 = file_sha256(stream)
            if RegistryRun.objects.filter(file_sha256=sha256, status=RunStatus.DONE).exists():
                logger.info("registry nightly: %s already imported", path.name)
                continue
            run = registry_run_create(
                stream=stream,
                file_name=path.name,
                size=path.stat().st_size,
                entity=entity,
                full=entity == "members",
                actor=None,
                source=RunSource.NIGHTLY,
                check=False,
            )
        try:
            registry_open(path=path, entity=entity)
        except RegistryFileError as exc:
            run.status, run.failure = RunStatus.FAILED, exc.message[:500]
            run.save(update_fields=["status", "failure"])
            runs.append(run)
            continue
        runs.append(registry_run_execute(run_id=run.pk, dry_run=False))
    if runs:
        _tell_supervisors(runs)
    return runs


def _tell_supervisors(runs: list[RegistryRun]) -> None:
    lines = []
    for run in runs:
        counts = ", ".join(
            _("%(entity)s: nuovi %(new)d, modificati %(changed)d, invariati %(unchanged)d, non validi %(invalid)d") % c
            for c in run.result.get("counts", [])
        )
        link = settings.MUTUA_PUBLIC_URL + reverse("backoffice:registry_run", args=[run.pk])
        lines.append(
            f"- {run.file_name}: {run.get_status_display()}. {counts or run.failure} "
            + _("Righe con errori: %(n)d.") % {"n": run.error_count}
            + f" {link}"
        )
    body = _(
        "Gentile supervisore,\n\nl'importazione notturna dal registro ha elaborato questi file:\n\n"
        "%(lines)s\n\n%(name)s"
    ) % {
        "lines": "\n".join(lines),
        "name": settings.MUTUA_NAME,
    }
    failed = any(run.status != RunStatus.DONE or run.error_count for run in runs)
    subject = _("Importazione dal registro: da controllare") if failed else _("Importazione dal registro completata")
    with transaction.atomic():
        for email in (
            User.objects.filter(role=Role.SUPERVISOR, is_active=True).exclude(email="").values_list("email", flat=True)
        ):
            email_queue(to=email, subject=f"{settings.MUTUA_NAME} – {subject}", body=body)
