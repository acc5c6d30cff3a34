"""The nightly registry import: the newest file of each entity in REGISTRY_IMPORT_DIR or under the S3 prefix
REGISTRY_IMPORT_URL, each imported once (a file whose SHA-256 was already imported is skipped; an S3 object whose key
and ETag were already imported is not even downloaded), in the entities' order; the supervisors get a summary by
e-mail (counts and links to the runs, never a member's data)."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar
from urllib.parse import urlsplit

import boto3
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
T = TypeVar("T")


class NightlySourceError(Exception):
    """REGISTRY_IMPORT_URL is not an s3:// address."""


def _newest(candidates: Iterable[tuple[str, float, T]]) -> list[tuple[str, T]]:
    """Per entity, the most recently modified of (file name, modification time, handle) whose name says it holds
    that entity and whose extension is one the import reads; in import order."""
    newest: dict[str, tuple[float, T]] = {}
    for name, modified, handle in candidates:
        path = PurePosixPath(name)
        if path.suffix.lower() not in SUFFIXES:
            continue
        stem = path.stem.lower()
        entity = next((e for e, prefixes in FILE_PREFIXES.items() if stem.startswith(prefixes)), None)
        if entity and (entity not in newest or modified > newest[entity][0]):
            newest[entity] = (modified, handle)
    return [(entity, newest[entity][1]) for entity in ENTITIES if entity in newest]


def newest_files(directory: Path) -> list[tuple[str, Path]]:
    """Per entity, the most recently modified file of the folder whose name says it holds that entity."""
    return _newest((path.name, path.stat().st_mtime, path) for path in directory.iterdir() if path.is_file())


def s3_location(url: str) -> tuple[str, str]:
    """The bucket and key prefix of s3://bucket/prefix/ (the prefix ends with / unless empty)."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise NightlySourceError(url)
    prefix = parts.path.lstrip("/")
    return parts.netloc, prefix if not prefix or prefix.endswith("/") else prefix + "/"


def newest_objects(client: Any, *, bucket: str, prefix: str) -> list[tuple[str, tuple[str, str]]]:
    """Per entity, the key and ETag of the newest object (by LastModified) directly under the prefix whose name says
    it holds that entity; objects in deeper "folders" (an archive/, say) are not looked at."""
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, Delimiter="/")
    return _newest(
        (PurePosixPath(item["Key"]).name, item["LastModified"].timestamp(), (item["Key"], item.get("ETag", "")))
        for page in pages
        for item in page.get("Contents", [])
        if not item["Key"].endswith("/")
    )


def s3_client() -> Any:
    """A client for the S3 service of the files' bucket (settings.S3_CONNECTION: endpoint, region, key)."""
    return boto3.client("s3", **settings.S3_CONNECTION)


def registry_nightly_import(*, directory: Path) -> list[RegistryRun]:
    """Import each new file (by hash) of the folder and e-mail the supervisors what happened; returns the runs made."""
    runs = [run for entity, path in newest_files(directory) if (run := _import_once(entity=entity, path=path))]
    if runs:
        _tell_supervisors(runs)
    return runs


def registry_nightly_import_s3(*, url: str) -> list[RegistryRun]:
    """As registry_nightly_import, from the newest objects under an S3 prefix: each is streamed to a temporary file
    (never held in memory), hashed and imported once, then the temporary file is removed."""
    bucket, prefix = s3_location(url)
    client = s3_client()
    runs: list[RegistryRun] = []
    try:
        for entity, (key, etag) in newest_objects(client, bucket=bucket, prefix=prefix):
            # The ETag changes whenever the object's content does (an MD5 or, for a multipart upload, a hash of
            # hashes: either way the same bytes under the same key keep it), so a known one is skipped unread.
            source_object = f"s3://{bucket}/{key} {etag}"[:600] if etag else ""
            done = RegistryRun.objects.filter(source_object=source_object, status=RunStatus.DONE)
            if source_object and done.exists():
                logger.info("registry nightly: %s already imported", key)
                continue
            with tempfile.TemporaryDirectory(prefix="registro-notte-") as directory:
                path = Path(directory) / PurePosixPath(key).name
                client.download_file(bucket, key, str(path))
                if run := _import_once(entity=entity, path=path, source_object=source_object):
                    runs.append(run)
    finally:  # S3 failing halfway: the files already imported are still reported
        if runs:
            _tell_supervisors(runs)
    return runs


def _import_once(*, entity: str, path: Path, source_object: str = "") -> RegistryRun | None:
    """Import one file as a nightly run, unless a run with its SHA-256 was already imported (then None)."""
    with path.open("rb") as stream:
        sha256 = file_sha256(stream)
        if RegistryRun.objects.filter(file_sha256=sha256, status=RunStatus.DONE).exists():
            logger.info("registry nightly: %s already imported", path.name)
            return None
        run = registry_run_create(
            stream=stream,
            file_name=path.name,
            size=path.stat().st_size,
            entity=entity,
            full=entity == "members",
            actor=None,
            source=RunSource.NIGHTLY,
            source_object=source_object,
            check=False,
        )
    try:
        registry_open(path=path, entity=entity)
    except RegistryFileError as exc:
        run.status, run.failure = RunStatus.FAILED, exc.message[:500]
        run.save(update_fields=["status", "failure"])
        return run
    return registry_run_execute(run_id=run.pk, dry_run=False)


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
