"""manage.py import_registry_nightly: the newest registry files in REGISTRY_IMPORT_DIR or under the S3 prefix
REGISTRY_IMPORT_URL, each imported once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mutua.registry.models import RegistryRun
from mutua.registry.nightly import NightlySourceError, registry_nightly_import, registry_nightly_import_s3


class Command(BaseCommand):
    help = (
        "Importa i file più recenti della cartella REGISTRY_IMPORT_DIR o del prefisso S3 REGISTRY_IMPORT_URL (uno per "
        "tipo), ciascuno una sola volta, e manda un riepilogo ai supervisori."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        folder, url = settings.REGISTRY_IMPORT_DIR, settings.REGISTRY_IMPORT_URL
        if folder and url:
            raise CommandError("Sono impostate sia REGISTRY_IMPORT_DIR sia REGISTRY_IMPORT_URL: lasciane una sola.")
        if not folder and not url:
            self.stdout.write(
                "REGISTRY_IMPORT_DIR e REGISTRY_IMPORT_URL non sono impostate: nessuna importazione notturna."
            )
            return
        runs: list[RegistryRun]
        if url:
            try:
                runs = registry_nightly_import_s3(url=url)
            except NightlySourceError as exc:
                raise CommandError(f"REGISTRY_IMPORT_URL: {exc} non è un indirizzo s3://bucket/prefisso/.") from exc
            except (BotoCoreError, ClientError) as exc:
                raise CommandError(f"REGISTRY_IMPORT_URL: S3 non risponde come previsto ({exc}).") from exc
        else:
            directory = Path(folder)
            if not directory.is_dir():
                raise CommandError(f"REGISTRY_IMPORT_DIR: {directory} non è una cartella.")
            runs = registry_nightly_import(directory=directory)
        for run in runs:
            self.stdout.write(f"{run.file_name}: {run.get_status_display()} ({run.error_count} righe con errori)")
        if not runs:
            self.stdout.write("Nessun file nuovo.")
